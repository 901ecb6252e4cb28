"""The bundled demo news site ("The Millbrook Ledger"), generated in code.

``build_site(base_url)`` returns the route table for :class:`~crawler.demo.server.SiteServer`;
``demo_expectations()`` returns the ground truth that tests and the demo summary
check a crawl against.  All content is invented (see :mod:`crawler.demo.content`).

Typical use::

    with SiteServer({}) as srv:
        srv.routes.update(build_site(srv.base_url))
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import gzip
import hashlib
import html
import json
import posixpath
import re
import struct
import zlib
from typing import Iterable
from urllib.parse import parse_qs, urlsplit

from .content import (ARTICLES, AUTHORS, COMMENTS, SECRET_TEXT, SECTIONS, SITE_NAME,
                      SITE_TAGLINE, Article)
from .server import Route

__all__ = ["build_site", "demo_expectations", "html_to_text", "ARTICLES"]

esc = html.escape

PAGE_SIZE = 4
WIRE_PATH = "/wire/2026/02/28/vws-millbrook-budget-library-hours.html"
WIRE_TITLE_PREFIX = "WIRE: "
AMP_KEY = "lanterns"
UTM_KEY = "footbridge"
UTM_QUERY = "?utm_source=home&utm_medium=web"
REDIRECT_FROM = "/old/story.html"
REDIRECT_KEY = "elevator"
MISSING_PATH = "/news/missing-story.html"
PDF_PATH = "/files/report.pdf"
LOGO_PATH = "/img/logo.png"
CSS_PATH = "/static/site.css"
MASTHEAD_PATH = "/img/masthead.png"  # a background image of the stylesheet (url())
PRIVATE_PATH = "/private/secret.html"
CALENDAR_START = "/calendar/?month=2026-01"
LOOP_START = "/a/"
DUPLICATE_KEY = "budget"

LISTING_PATHS = ["/", "/section/local/", "/section/local/page/2/", "/section/politics/",
                 "/section/culture/", "/section/culture/page/2/", "/tag/river/",
                 "/author/jane-doe/"]

#: Template strings that must never end up in extracted article text.
BOILERPLATE = [
    "We use cookies to understand how readers use our site",
    "Subscribe to our newsletter",
    "Share on Facebook",
    "Read more",
    "All rights reserved",
    "Related Posts",
    "Similar Posts",
    "Leave a Reply",
    "Your email address will not be published",
    "Save my name, email, and website in this browser for the next time I comment.",
    "Thank you for covering this, I had no idea any of it was happening.",
    "Finally some good news on a Monday morning.",
    "Wir freuen uns schon sehr auf den Besuch",
    "Quelle belle initiative pour nos deux villes",
    "Skip to content",
    "Ähnliche Beiträge",
    "Schreibe einen Kommentar",
    "Deine E-Mail-Adresse wird nicht veröffentlicht.",
    "Articles similaires",
    "Laisser un commentaire",
    "Votre adresse e-mail ne sera pas publiée.",
    "Redistribution permitted to member newspapers",
    "covers local government, the Alder River and anything involving a public meeting",
]

_BY_KEY = {a.key: a for a in ARTICLES}
_ORDERED = sorted(ARTICLES, key=lambda a: _dt.datetime.fromisoformat(a.published), reverse=True)


# ---------------------------------------------------------------------------------------------
# helpers
def html_to_text(fragment: str) -> str:
    """Plain text of a small HTML fragment (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _dt_of(iso: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(iso)


def _human_date(iso: str, lang: str = "en") -> str:
    d = _dt_of(iso)
    if lang == "de":
        months = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
                  "September", "Oktober", "November", "Dezember"]
        return f"{d.day}. {months[d.month - 1]} {d.year}"
    if lang == "fr":
        months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                  "septembre", "octobre", "novembre", "décembre"]
        return f"{d.day} {months[d.month - 1]} {d.year}"
    return d.strftime("%B ") + str(d.day) + d.strftime(", %Y")


def _rfc822(iso: str) -> str:
    return email.utils.format_datetime(_dt_of(iso))


def _http_date(iso: str) -> str:
    return email.utils.format_datetime(_dt_of(iso).astimezone(_dt.timezone.utc), usegmt=True)


def _rel(from_path: str, to_path: str) -> str:
    """Relative URL from the page at ``from_path`` to ``to_path``."""
    to, _, query = to_path.partition("?")
    start = from_path.rsplit("/", 1)[0] or "/"
    r = posixpath.relpath(to, start)
    if to.endswith("/") and not r.endswith("/"):
        r += "/"
    if r == "./":
        r = "./"
    return r + ("?" + query if query else "")


def _author_slug(name: str) -> str:
    return AUTHORS[name][0]


def _author_href(name: str) -> str:
    # only Jane Doe has an author page on the demo site
    return "/author/jane-doe/" if name == "Jane Doe" else ""


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    raw = row * height
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def _pdf() -> bytes:
    text = b"BT /F1 16 Tf 72 720 Td (Harlow County Schools - Transportation Study 2026) Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (Transportation Study) /Author (Harlow County Schools) >>",
    ]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, xref)
    return out


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'


def _others(article: Article, n: int = 3, same_lang: bool = True) -> list[Article]:
    pool = [a for a in _ORDERED if a.key != article.key
            and (not same_lang or a.language == "en" or a.language == article.language)]
    same = [a for a in pool if a.section == article.section]
    rest = [a for a in pool if a.section != article.section]
    return (same + rest)[:n]


def _jsonld(data: dict) -> str:
    return ('<script type="application/ld+json">'
            + json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
            + "</script>")


def _og_article(base: str, a: Article, url: str | None = None) -> str:
    tags = "".join(f'\n<meta property="article:tag" content="{esc(t)}">' for t in a.tags)
    return (f'<meta property="og:type" content="article">\n'
            f'<meta property="og:site_name" content="{SITE_NAME}">\n'
            f'<meta property="og:title" content="{esc(a.title)}">\n'
            f'<meta property="og:description" content="{esc(a.summary)}">\n'
            f'<meta property="og:url" content="{base}{url or a.path}">\n'
            f'<meta property="og:image" content="{base}{a.image}">\n'
            f'<meta property="og:locale" content="{ {"en": "en_US", "de": "de_DE", "fr": "fr_FR"}[a.language] }">\n'
            f'<meta property="article:published_time" content="{a.published}">\n'
            f'<meta property="article:modified_time" content="{a.modified}">\n'
            f'<meta property="article:section" content="{SECTIONS[a.section]}">' + tags)


def _body_html(a: Article, insert_after: int | None = None, insert: str = "") -> str:
    parts = []
    for i, p in enumerate(a.paragraphs):
        parts.append(f"<p>{p}</p>")
        if insert_after is not None and i == insert_after:
            parts.append(insert)
    return "\n".join(parts)


def _paragraph_texts(a: Article) -> list[str]:
    return [html_to_text(p) for p in a.paragraphs]


# ---------------------------------------------------------------------------------------------
# templates
def _tpl_modern(base: str, a: Article) -> str:
    ld = {
        "@context": "https://schema.org", "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": base + a.path},
        "headline": a.title, "description": a.summary,
        "datePublished": a.published, "dateModified": a.modified,
        "author": [{"@type": "Person", "name": n,
                    **({"url": base + _author_href(n)} if _author_href(n) else {})}
                   for n in a.authors],
        "publisher": {"@type": "NewsMediaOrganization", "name": SITE_NAME,
                      "logo": {"@type": "ImageObject", "url": base + LOGO_PATH}},
        "image": [base + a.image], "keywords": list(a.tags),
        "articleSection": SECTIONS[a.section], "inLanguage": a.language,
    }
    byline = " and ".join(
        f'<a rel="author" href="{_author_href(n)}">{esc(n)}</a>' if _author_href(n)
        else f'<span class="author-name">{esc(n)}</span>' for n in a.authors)
    bios = "\n".join(
        f'<div class="author-bio"><img src="{LOGO_PATH}" alt="" width="48" height="48" loading="lazy">'
        f'<p><strong>{esc(n)}</strong> — {esc(AUTHORS[n][1])}</p></div>' for n in a.authors)
    newsletter = ('<aside class="newsletter-box" aria-label="Newsletter">'
                  '<h2>Get the Ledger in your inbox</h2>'
                  '<p>Subscribe to our newsletter for the morning headlines from Millbrook and '
                  'Harlow County, delivered before your first coffee.</p>'
                  '<form action="/newsletter/subscribe" method="post">'
                  '<input type="email" name="email" placeholder="you@example.org" required>'
                  '<button type="submit">Sign up</button></form></aside>')
    tags = "".join(
        f'<li><a href="{_rel(a.path, "/tag/river/")}" rel="tag">{esc(t)}</a></li>' if t == "river"
        else f'<li><span class="tag">{esc(t)}</span></li>' for t in a.tags)
    more = "\n".join(f'<li><a href="{base}{o.path}">{esc(o.title)}</a></li>' for o in _others(a))
    section_href = _rel(a.path, f"/section/{a.section}/")
    return f"""<!DOCTYPE html>
<html lang="{a.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(a.title)} | {SITE_NAME}</title>
<meta name="description" content="{esc(a.summary)}">
<link rel="canonical" href="{base}{a.path}">
{_og_article(base, a)}
<meta name="twitter:card" content="summary_large_image">
<link rel="stylesheet" href="{CSS_PATH}">
<link rel="alternate" type="application/rss+xml" title="{SITE_NAME}" href="/feed.xml">
{_jsonld(ld)}
</head>
<body class="modern article-page">
<div class="cookie-banner" role="dialog" aria-live="polite">
<p>We use cookies to understand how readers use our site and to improve your experience. See our privacy notice for details.</p>
<button type="button" class="accept">Accept all</button> <button type="button" class="manage">Manage preferences</button>
</div>
<header class="site-header">
<a class="brand" href="/"><img src="{LOGO_PATH}" alt="{SITE_NAME}" width="160" height="40"></a>
<nav class="main-nav" aria-label="Main"><ul>
<li><a href="{base}/">Home</a></li>
<li><a href="{_rel(a.path, '/section/local/')}">Local</a></li>
<li><a href="/section/politics/">Politics</a></li>
<li><a href="{base}/section/culture/">Culture</a></li>
</ul></nav>
</header>
<main id="main">
<article class="story">
<header class="story-header">
<p class="kicker"><a href="{section_href}">{SECTIONS[a.section]}</a></p>
<h1 class="headline">{esc(a.title)}</h1>
<p class="standfirst">{esc(a.summary)}</p>
<div class="byline">By {byline} · <time class="published" datetime="{a.published}">{_human_date(a.published)}</time>
<span class="updated">Updated <time datetime="{a.modified}">{_human_date(a.modified)}</time></span></div>
</header>
<figure class="lead-image"><img src="{a.image}" alt="{esc(a.image_caption or a.title)}" width="640" height="360">
<figcaption>{esc(a.image_caption)}</figcaption></figure>
<div class="share-bar" aria-label="Share">
<span class="share-label">Share this story</span>
<button type="button" data-network="facebook">Share on Facebook</button>
<button type="button" data-network="x">Share on X</button>
<button type="button" data-network="email">Email</button>
<button type="button" class="copy-link">Copy link</button>
</div>
<div class="story-body">
{_body_html(a, insert_after=2, insert=newsletter)}
</div>
<footer class="story-footer">
<ul class="tags">{tags}</ul>
{bios}
</footer>
</article>
<section class="read-more">
<h2>Read more</h2>
<ul>
{more}
</ul>
</section>
</main>
<footer class="site-footer">
<p>© 2026 {SITE_NAME}, 14 Mill Square, Millbrook. All rights reserved.</p>
<p><a href="/">Front page</a> · <a href="{base}/feed.xml">RSS</a> · <a href="/atom.xml">Atom</a> · <a href="/sitemap-pages.xml">Sitemap</a></p>
</footer>
</body>
</html>
"""


_WP_L10N = {
    "en": dict(lang="en-US", posted="Posted on", by="by", in_="Posted in", tagged="Tagged",
               related="Related Posts", reply="Leave a Reply",
               notes='<span id="email-notes">Your email address will not be published.</span> '
                     'Required fields are marked <span class="required">*</span>',
               comment="Comment", name="Name", email="Email", website="Website",
               cookies="Save my name, email, and website in this browser for the next time I comment.",
               submit="Post Comment", says="says:", recent="Recent Posts", archives="Archives",
               skip="Skip to content", postnav="Post navigation", prev="Previous Post",
               next="Next Post", thoughts="thoughts on", replybtn="Reply",
               powered="Proudly powered by WordPress"),
    "fr": dict(lang="fr-FR", posted="Publié le", by="par", in_="Publié dans", tagged="Étiqueté",
               related="Articles similaires", reply="Laisser un commentaire",
               notes='<span id="email-notes">Votre adresse e-mail ne sera pas publiée.</span> '
                     'Les champs obligatoires sont indiqués avec <span class="required">*</span>',
               comment="Commentaire", name="Nom", email="E-mail", website="Site web",
               cookies="Enregistrer mon nom, mon e-mail et mon site dans le navigateur pour mon "
                       "prochain commentaire.",
               submit="Laisser un commentaire", says="dit :", recent="Articles récents",
               archives="Archives", skip="Aller au contenu", postnav="Navigation de l’article",
               prev="Article précédent", next="Article suivant", thoughts="réflexions sur",
               replybtn="Répondre", powered="Fièrement propulsé par WordPress"),
}


def _tpl_wp_classic(base: str, a: Article, post_id: int) -> str:
    L = _WP_L10N[a.language]
    comments = COMMENTS[a.language]
    others = _others(a, 4)
    author = a.authors[0]
    author_link = (f'<a class="url fn n" href="{base}{_author_href(author)}">{esc(author)}</a>'
                   if _author_href(author) else f'<span class="fn">{esc(author)}</span>')
    related = "\n".join(
        f'<li><a href="{_rel(a.path, o.path)}" rel="bookmark">{esc(o.title)}</a> '
        f'<span class="related-date">{_human_date(o.published, a.language)}</span></li>'
        for o in others[:3])
    comment_items = "\n".join(
        f'<li id="comment-{post_id * 10 + i}" class="comment even thread-even depth-1">'
        f'<article id="div-comment-{post_id * 10 + i}" class="comment-body">'
        f'<footer class="comment-meta"><div class="comment-author vcard">'
        f'<b class="fn">{esc(who)}</b> <span class="says">{L["says"]}</span></div>'
        f'<div class="comment-metadata"><time datetime="{a.modified}">'
        f'{_human_date(a.modified, a.language)}</time></div></footer>'
        f'<div class="comment-content"><p>{esc(text)}</p></div></article></li>' for i, (who, text) in enumerate(comments, 1))
    recent = "\n".join(f'<li><a href="{base}{o.path}">{esc(o.title)}</a></li>'
                       for o in [o for o in _ORDERED if o.key != a.key][:3])
    tag_links = ", ".join(
        f'<a href="{base}/tag/river/" rel="tag">{esc(t)}</a>' if t == "river"
        else f'<span rel="tag">{esc(t)}</span>' for t in a.tags)
    cat_class = f"category-{a.section}"
    return f"""<!DOCTYPE html>
<html lang="{L['lang']}">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width">
<title>{esc(a.title)} &#8211; {SITE_NAME}</title>
<link rel="canonical" href="{base}{a.path}">
{_og_article(base, a)}
<meta name="author" content="{esc(author)}">
<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; Feed" href="{base}/feed.xml">
<link rel='stylesheet' id='twentyfifteen-style-css' href='{CSS_PATH}?ver=3.4' type='text/css' media='all'>
</head>
<body class="post-template-default single single-post postid-{post_id} single-format-standard">
<div id="page" class="hfeed site">
<a class="skip-link screen-reader-text" href="#content">{L['skip']}</a>
<div id="sidebar" class="sidebar">
<header id="masthead" class="site-header" role="banner">
<div class="site-branding">
<p class="site-title"><a href="{base}/" rel="home">{SITE_NAME}</a></p>
<p class="site-description">{SITE_TAGLINE}</p>
</div>
</header>
<nav id="site-navigation" class="main-navigation" role="navigation">
<div class="menu-primary-container"><ul id="menu-primary" class="nav-menu">
<li class="menu-item"><a href="{base}/">Home</a></li>
<li class="menu-item"><a href="{_rel(a.path, '/section/local/')}">Local</a></li>
<li class="menu-item"><a href="{_rel(a.path, '/section/politics/')}">Politics</a></li>
<li class="menu-item"><a href="/section/culture/">Culture</a></li>
</ul></div>
</nav>
<div id="secondary" class="secondary"><div id="widget-area" class="widget-area" role="complementary">
<aside id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">{L['recent']}</h2>
<ul>
{recent}
</ul></aside>
<aside id="archives-2" class="widget widget_archive"><a href="{base}{CALENDAR_START}">{L['archives']}</a></aside>
</div></div>
</div>
<div id="content" class="site-content">
<div id="primary" class="content-area">
<main id="main" class="site-main" role="main">
<article id="post-{post_id}" class="post-{post_id} post type-post status-publish format-standard has-post-thumbnail hentry {cat_class}">
<div class="post-thumbnail"><img width="825" height="510" src="{a.image}" class="attachment-post-thumbnail wp-post-image" alt=""></div>
<header class="entry-header">
<h1 class="entry-title">{esc(a.title)}</h1>
</header>
<div class="entry-content">
{_body_html(a)}
</div>
<footer class="entry-footer">
<span class="posted-on"><span class="screen-reader-text">{L['posted']} </span><a href="{a.path}" rel="bookmark"><time class="entry-date published" datetime="{a.published}">{_human_date(a.published, a.language)}</time><time class="updated" datetime="{a.modified}">{_human_date(a.modified, a.language)}</time></a></span>
<span class="byline"><span class="author vcard">{L['by']} {author_link}</span></span>
<span class="cat-links">{L['in_']} <a href="{_rel(a.path, f'/section/{a.section}/')}" rel="category tag">{SECTIONS[a.section]}</a></span>
<span class="tags-links">{L['tagged']} {tag_links}</span>
</footer>
</article>
<div class="related-posts">
<h3 class="related-posts-title">{L['related']}</h3>
<ul class="related-posts-list">
{related}
</ul>
</div>
<div id="comments" class="comments-area">
<h2 class="comments-title">{len(comments)} {L['thoughts']} &ldquo;{esc(a.title)}&rdquo;</h2>
<ol class="comment-list">
{comment_items}
</ol>
<div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title">{L['reply']}</h3>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form" novalidate>
<p class="comment-notes">{L['notes']}</p>
<p class="comment-form-comment"><label for="comment">{L['comment']} <span class="required">*</span></label> <textarea id="comment" name="comment" cols="45" rows="8" required></textarea></p>
<p class="comment-form-author"><label for="author">{L['name']} <span class="required">*</span></label> <input id="author" name="author" type="text" value="" size="30" required></p>
<p class="comment-form-email"><label for="email">{L['email']} <span class="required">*</span></label> <input id="email" name="email" type="email" value="" size="30" required></p>
<p class="comment-form-url"><label for="url">{L['website']}</label> <input id="url" name="url" type="url" value="" size="30"></p>
<p class="comment-form-cookies-consent"><input id="wp-comment-cookies-consent" name="wp-comment-cookies-consent" type="checkbox" value="yes"> <label for="wp-comment-cookies-consent">{L['cookies']}</label></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="{L['submit']}"> <input type="hidden" name="comment_post_ID" value="{post_id}" id="comment_post_ID"></p>
</form>
</div>
</div>
</main>
</div>
</div>
<footer id="colophon" class="site-footer" role="contentinfo">
<div class="site-info">{L['powered']} &middot; &copy; 2026 {SITE_NAME}</div>
</footer>
</div>
</body>
</html>
"""


_CLASSLESS_L10N = {
    "en": dict(similar="Similar Posts", reply="Leave a Reply",
               notes="Your email address will not be published. Required fields are marked *",
               name="Name*", email="Email*", website="Website",
               cookies="Save my name, email, and website in this browser for the next time I comment.",
               submit="Post Comment", filed="Filed under", home="Home", comment="Comment"),
    "de": dict(similar="Ähnliche Beiträge", reply="Schreibe einen Kommentar",
               notes="Deine E-Mail-Adresse wird nicht veröffentlicht. Erforderliche Felder sind "
                     "mit * markiert",
               name="Name*", email="E-Mail*", website="Website",
               cookies="Meinen Namen, meine E-Mail-Adresse und meine Website in diesem Browser "
                       "für die nächste Kommentierung speichern.",
               submit="Kommentar abschicken", filed="Kategorie", home="Startseite",
               comment="Kommentar"),
}


def _tpl_wp_classless(base: str, a: Article) -> str:
    L = _CLASSLESS_L10N[a.language]
    similar = "\n".join(
        f'<li><a href="{_rel(a.path, o.path) if i % 2 else base + o.path}">{esc(o.title)}</a></li>'
        for i, o in enumerate(_others(a, 4)))
    comments = ""
    if a.language == "de":
        who, text = COMMENTS["de"][0]
        comments = f"<div><div><b>{esc(who)}</b></div><div><p>{esc(text)}</p></div></div>"
    return f"""<!DOCTYPE html>
<html lang="{a.language}">
<head>
<meta charset="utf-8">
<title>{esc(a.title)} - Millbrook Ledger</title>
<meta name="description" content="{esc(a.summary)}">
<link rel="canonical" href="{base}{a.path}">
{_og_article(base, a)}
<link rel="stylesheet" href="{CSS_PATH}">
</head>
<body>
<div>
<div>
<div><a href="{base}/"><img src="{LOGO_PATH}" alt="Millbrook Ledger" width="160" height="40"></a></div>
<div><a href="/">{L['home']}</a> | <a href="{_rel(a.path, '/section/local/')}">Local</a> | <a href="{base}/section/politics/">Politics</a> | <a href="/section/culture/">Culture</a></div>
</div>
<div>
<div>
<h1>{esc(a.title)}</h1>
<div><span>{_human_date(a.published, a.language)}</span> &middot; <span>{esc(', '.join(a.authors))}</span></div>
<div><img src="{a.image}" alt="" width="640" height="360"></div>
<div>
{_body_html(a)}
</div>
<div>{L['filed']}: <a href="{base}/section/{a.section}/">{SECTIONS[a.section]}</a></div>
</div>
<h3>{L['similar']}</h3>
<ul>
{similar}
</ul>
{comments}
<h3>{L['reply']}</h3>
<p>{L['notes']}</p>
<form action="/comments/post" method="post">
<p><textarea name="comment" cols="45" rows="8" placeholder="{L['comment']}"></textarea></p>
<p><input type="text" name="author" placeholder="{L['name']}"> <input type="email" name="email" placeholder="{L['email']}"> <input type="url" name="url" placeholder="{L['website']}"></p>
<p><input type="checkbox" id="consent" name="consent" value="yes"> <label for="consent">{L['cookies']}</label></p>
<p><input type="submit" value="{L['submit']}"></p>
</form>
</div>
<div>
<div>© 2026 Millbrook Ledger · <a href="{base}/feed.xml">RSS</a></div>
</div>
</div>
</body>
</html>
"""


def _tpl_table(base: str, a: Article) -> str:
    side = "<br>\n".join(f'<a href="{o.path}">{esc(o.title)}</a>' for o in _others(a, 5))
    return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{esc(a.title)}</title>
<meta name="author" content="{esc(', '.join(a.authors))}">
<meta name="date" content="{a.date}">
<meta name="keywords" content="{esc(', '.join(a.tags))}">
</head>
<body bgcolor="#ffffff" text="#000000" link="#003399">
<table width="780" border="0" cellspacing="0" cellpadding="6">
<tr><td colspan="2" bgcolor="#eeeeee"><a href="{base}/"><img src="{LOGO_PATH}" border="0" alt="Millbrook Ledger" width="160" height="40"></a>
<font face="Arial" size="2"><a href="/section/local/">Local</a> | <a href="{_rel(a.path, "/section/politics/")}">Politics</a> | <a href="{base}/section/culture/">Culture</a></font></td></tr>
<tr>
<td width="180" valign="top" bgcolor="#f7f7f7"><font face="Arial" size="2"><b>More stories</b><br>
{side}
<br><br><b>Elsewhere</b><br>
<a href="{_rel(a.path, '/section/politics/')}">Politics index</a><br>
<a href="{base}/feed.xml">RSS feed</a></font></td>
<td valign="top"><font face="Georgia">
<h2>{esc(a.title)}</h2>
{_body_html(a)}
</font></td>
</tr>
<tr><td colspan="2" align="center"><font size="1" face="Arial">Copyright 2026 Millbrook Ledger. Reproduction without permission is prohibited. | <a href="/">Front page</a></font></td></tr>
</table>
</body>
</html>
"""


def _tpl_divcontent(base: str, a: Article) -> str:
    side = "\n".join(f'<li><a href="{_rel(a.path, o.path)}">{esc(o.title)}</a></li>'
                     for o in _others(a, 5))
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{esc(a.title)} :: Millbrook Ledger</title>
<meta name="author" content="{esc(', '.join(a.authors))}" />
<meta name="date" content="{a.date}" />
<link rel="stylesheet" type="text/css" href="{CSS_PATH}" />
</head>
<body>
<div id="header"><a href="{base}/"><img src="{LOGO_PATH}" alt="Millbrook Ledger" width="160" height="40" /></a></div>
<div id="nav"><a href="/">Home</a> &raquo; <a href="{_rel(a.path, f'/section/{a.section}/')}">{SECTIONS[a.section]}</a></div>
<div id="content">
<h1>{esc(a.title)}</h1>
{_body_html(a)}
</div>
<div id="sidebar">
<h4>Also in the Ledger</h4>
<ul>
{side}
</ul>
<h4>Subscribe</h4>
<p><a href="{base}/feed.xml">RSS</a> &middot; <a href="/atom.xml">Atom</a></p>
</div>
<div id="footer">Millbrook Ledger &middot; est. 1887 &middot; Letters to the editor: 14 Mill Square</div>
</body>
</html>
"""


def _tpl_wire(base: str, a: Article) -> str:
    d = _dt_of(a.published)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{WIRE_TITLE_PREFIX}{esc(a.title)} — Valley Wire Service</title>
<link rel="canonical" href="{base}{a.path}">
<meta name="author" content="{esc(', '.join(a.authors))}">
<meta property="og:type" content="article">
<meta property="og:title" content="{WIRE_TITLE_PREFIX}{esc(a.title)}">
<meta property="article:published_time" content="{a.modified}">
</head>
<body class="wire">
<div class="wire-masthead"><a href="/">Valley Wire Service</a> — regional copy carried by {SITE_NAME}</div>
<div class="wire-story">
<h1 class="wire-headline">{WIRE_TITLE_PREFIX}{esc(a.title)}</h1>
<div class="wire-dateline">MILLBROOK, {d.strftime('%b')} {d.day} (VWS) — {esc(', '.join(a.authors))}</div>
<div class="wire-text">
{_body_html(a)}
</div>
<div class="wire-credit">Original reporting: <a href="{base}{a.path}">{SITE_NAME}</a></div>
</div>
<div class="wire-footer">Distributed by Valley Wire Service. Redistribution permitted to member newspapers.</div>
</body>
</html>
"""


def _tpl_amp(base: str, a: Article) -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
          "datePublished": a.published, "dateModified": a.modified,
          "author": [{"@type": "Person", "name": n} for n in a.authors],
          "image": [base + a.image]}
    return f"""<!doctype html>
<html ⚡ lang="en">
<head>
<meta charset="utf-8">
<title>{esc(a.title)}</title>
<link rel="canonical" href="{base}{a.path}">
<meta name="viewport" content="width=device-width">
<style amp-boilerplate>body{{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;animation:-amp-start 8s steps(1,end) 0s 1 normal both}}</style><noscript><style amp-boilerplate>body{{-webkit-animation:none;animation:none}}</style></noscript>
<style amp-custom>body{{font-family:Georgia,serif;margin:1rem}}</style>
{_jsonld(ld)}
</head>
<body>
<header><a href="{base}/">{SITE_NAME}</a></header>
<article>
<h1>{esc(a.title)}</h1>
<p class="byline">By {esc(' and '.join(a.authors))}, {_human_date(a.published)}</p>
<amp-img src="{a.image}" width="640" height="360" layout="responsive" alt=""></amp-img>
{_body_html(a)}
</article>
<footer><a href="{base}{a.path}">View the full version of this story</a></footer>
</body>
</html>
"""


def _render_article(base: str, a: Article, post_id: int) -> str:
    if a.template == "modern":
        return _tpl_modern(base, a)
    if a.template == "wp_classic":
        return _tpl_wp_classic(base, a, post_id)
    if a.template == "wp_classless":
        return _tpl_wp_classless(base, a)
    if a.template == "table":
        return _tpl_table(base, a)
    if a.template == "divcontent":
        return _tpl_divcontent(base, a)
    raise ValueError(a.template)


# ---------------------------------------------------------------------------------------------
# listing pages
def _listing_page(base: str, path: str, title: str, heading: str, items: Iterable[Article],
                  extra: str = "", description: str = "") -> str:
    items = list(items)
    ld = {"@context": "https://schema.org", "@type": "CollectionPage", "name": heading,
          "url": base + path, "isPartOf": {"@type": "WebSite", "name": SITE_NAME, "url": base + "/"},
          "mainEntity": {"@type": "ItemList", "itemListElement": [
              {"@type": "ListItem", "position": i, "url": base + a.path}
              for i, a in enumerate(items, 1)]}}
    teasers = "\n".join(
        f'<li class="teaser"><h2><a href="{_rel(path, a.path) if i % 2 == 0 else base + a.path}">'
        f'{esc(a.title)}</a></h2><p class="meta"><time datetime="{a.published}">'
        f'{_human_date(a.published)}</time> · {esc(", ".join(a.authors))}</p>'
        f'<p class="summary">{esc(a.summary)}</p></li>' for i, a in enumerate(items))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(title)} | {SITE_NAME}</title>
<meta name="description" content="{esc(description or heading)}">
<link rel="canonical" href="{base}{path}">
<meta property="og:type" content="website">
<meta property="og:title" content="{esc(heading)}">
<meta property="og:url" content="{base}{path}">
<meta property="og:site_name" content="{SITE_NAME}">
<link rel="stylesheet" href="{CSS_PATH}">
<link rel="alternate" type="application/atom+xml" title="{SITE_NAME} (Atom)" href="{base}/atom.xml">
<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} (RSS)" href="/feed.xml">
{_jsonld(ld)}
</head>
<body class="listing">
<header class="site-header"><a class="brand" href="{_rel(path, '/')}"><img src="{LOGO_PATH}" alt="{SITE_NAME}" width="160" height="40"></a>
<nav class="main-nav"><a href="/section/local/">Local</a> <a href="{base}/section/politics/">Politics</a> <a href="{_rel(path, '/section/culture/')}">Culture</a></nav></header>
<main>
<h1>{esc(heading)}</h1>
<ul class="teasers">
{teasers}
</ul>
{extra}
</main>
<footer class="site-footer"><p>© 2026 {SITE_NAME}. All rights reserved.</p></footer>
</body>
</html>
"""


def _section_pages(base: str) -> dict[str, str]:
    pages: dict[str, str] = {}
    for sec, label in SECTIONS.items():
        arts = [a for a in _ORDERED if a.section == sec]
        chunks = [arts[i:i + PAGE_SIZE] for i in range(0, len(arts), PAGE_SIZE)]
        for n, chunk in enumerate(chunks, 1):
            path = f"/section/{sec}/" if n == 1 else f"/section/{sec}/page/{n}/"
            nav = []
            if n > 1:
                prev = f"/section/{sec}/" if n == 2 else f"/section/{sec}/page/{n - 1}/"
                nav.append(f'<a rel="prev" href="{_rel(path, prev)}">Newer stories</a>')
            if n < len(chunks):
                nxt = f"/section/{sec}/page/{n + 1}/"
                nav.append(f'<a rel="next" href="{_rel(path, nxt)}">Older stories</a>')
            extra = f'<nav class="pagination">{" ".join(nav)}</nav>' if nav else ""
            if sec == "local" and n == 1:
                extra += ('\n<aside class="corrections"><h2>Corrections</h2><p>An earlier story, '
                          f'<a href="{MISSING_PATH}">Mill pond to be drained</a>, has been withdrawn.'
                          '</p></aside>')
            title = label if n == 1 else f"{label} – page {n}"
            pages[path] = _listing_page(base, path, title, f"{label} news", chunk, extra,
                                        f"The latest {label.lower()} news from Millbrook.")
    return pages


def _homepage(base: str) -> str:
    ld = {"@context": "https://schema.org", "@type": "WebSite", "name": SITE_NAME,
          "url": base + "/", "description": SITE_TAGLINE,
          "publisher": {"@type": "NewsMediaOrganization", "name": SITE_NAME,
                        "logo": {"@type": "ImageObject", "url": base + LOGO_PATH}}}
    top = _BY_KEY[UTM_KEY]
    rest = [a for a in _ORDERED if a.key != UTM_KEY][:9]
    teasers = "\n".join(
        f'<article class="teaser"><h3><a href="{a.path.lstrip("/") if i % 3 == 0 else (base + a.path if i % 3 == 1 else a.path)}">'
        f'{esc(a.title)}</a></h3><p>{esc(a.summary)}</p></article>' for i, a in enumerate(rest))
    amp = _BY_KEY[AMP_KEY]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{SITE_NAME} — {SITE_TAGLINE}</title>
<meta name="description" content="Local news, politics and culture from Millbrook and the Alder Valley.">
<link rel="canonical" href="{base}/">
<meta property="og:type" content="website">
<meta property="og:title" content="{SITE_NAME}">
<meta property="og:url" content="{base}/">
<meta property="og:image" content="{base}{LOGO_PATH}">
<link rel="stylesheet" href="{CSS_PATH}">
<link rel="alternate" type="application/rss+xml" title="{SITE_NAME}" href="/feed.xml">
<link rel="alternate" type="application/atom+xml" title="{SITE_NAME} (Atom)" href="atom.xml">
{_jsonld(ld)}
</head>
<body class="home">
<header class="site-header">
<a class="brand" href="/"><img src="{LOGO_PATH}" alt="{SITE_NAME}" width="160" height="40"></a>
<nav class="main-nav"><ul>
<li><a href="section/local/">Local</a></li>
<li><a href="/section/politics/">Politics</a></li>
<li><a href="{base}/section/culture/">Culture</a></li>
<li><a href="tag/river/">The River</a></li>
<li><a href="/author/jane-doe/">Jane Doe</a></li>
</ul></nav>
</header>
<main>
<section class="top-story">
<h2><a href="{top.path}{UTM_QUERY.replace('&', '&amp;')}">{esc(top.title)}</a></h2>
<p>{esc(top.summary)}</p>
</section>
<section class="latest">
<h2>Latest</h2>
{teasers}
</section>
<section class="more">
<h2>More from the Ledger</h2>
<ul>
<li><a href="/amp{amp.path}">{esc(amp.title)} (lite version)</a></li>
<li><a href="{REDIRECT_FROM}">From the archive: the grain elevator story</a></li>
<li><a href="{base}{WIRE_PATH}">From the wire: Millbrook budget</a></li>
<li><a href="calendar/?month=2026-01">Events calendar</a></li>
<li><a href="{LOOP_START}">A–Z index</a></li>
<li><a href="{PRIVATE_PATH}">Staff area</a></li>
</ul>
</section>
</main>
<footer class="site-footer">
<p>© 2026 {SITE_NAME}. All rights reserved.</p>
<p><a href="/feed.xml">RSS</a> · <a href="{base}/atom.xml">Atom</a> · <a href="sitemap_index.xml">Sitemap</a></p>
</footer>
</body>
</html>
"""


# ---------------------------------------------------------------------------------------------
# feeds and sitemaps
def _rss(base: str, items: list[Article]) -> str:
    entries = "\n".join(f"""<item>
<title>{esc(a.title)}</title>
<link>{base}{a.path}</link>
<guid isPermaLink="true">{base}{a.path}</guid>
<pubDate>{_rfc822(a.published)}</pubDate>
<dc:creator>{esc(', '.join(a.authors))}</dc:creator>
<category>{SECTIONS[a.section]}</category>
<description>{esc(a.summary)}</description>
</item>""" for a in items)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{SITE_NAME}</title>
<link>{base}/</link>
<atom:link href="{base}/feed.xml" rel="self" type="application/rss+xml"/>
<description>{SITE_TAGLINE}</description>
<language>en-us</language>
<lastBuildDate>{_rfc822(_ORDERED[0].modified)}</lastBuildDate>
{entries}
</channel>
</rss>
"""


def _atom(base: str, items: list[Article]) -> str:
    entries = "\n".join(f"""<entry>
<title>{esc(a.title)}</title>
<link rel="alternate" type="text/html" href="{base}{a.path}"/>
<id>{base}{a.path}</id>
<published>{a.published}</published>
<updated>{a.modified}</updated>
{''.join(f'<author><name>{esc(n)}</name></author>' for n in a.authors)}
<summary>{esc(a.summary)}</summary>
</entry>""" for a in items)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>{SITE_NAME}</title>
<link rel="self" href="{base}/atom.xml"/>
<link rel="alternate" href="{base}/"/>
<id>{base}/</id>
<updated>{items[0].modified}</updated>
{entries}
</feed>
"""


def _sitemap_pages(base: str) -> str:
    urls = [(p, _ORDERED[0].modified) for p in LISTING_PATHS]
    urls += [(a.path, a.modified) for a in _ORDERED]
    body = "\n".join(f"<url><loc>{base}{p}</loc><lastmod>{lm}</lastmod></url>" for p, lm in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{body}\n</urlset>\n")


def _sitemap_news(base: str) -> str:
    body = "\n".join(f"""<url>
<loc>{base}{a.path}</loc>
<news:news>
<news:publication><news:name>{SITE_NAME}</news:name><news:language>{a.language}</news:language></news:publication>
<news:publication_date>{a.published}</news:publication_date>
<news:title>{esc(a.title)}</news:title>
</news:news>
</url>""" for a in _ORDERED)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
            f"{body}\n</urlset>\n")


def _sitemap_index(base: str) -> str:
    lm = _ORDERED[0].modified
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"<sitemap><loc>{base}/sitemap-pages.xml</loc><lastmod>{lm}</lastmod></sitemap>\n"
            f"<sitemap><loc>{base}/sitemap-news.xml.gz</loc><lastmod>{lm}</lastmod></sitemap>\n"
            "</sitemapindex>\n")


# ---------------------------------------------------------------------------------------------
# traps
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def _calendar(target: str) -> Route | None:
    parts = urlsplit(target)
    if parts.path != "/calendar/":
        return None
    month = parse_qs(parts.query).get("month", ["2026-01"])[0]
    m = _MONTH_RE.match(month)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    y, mo = int(m.group(1)), int(m.group(2))
    ny, nm = (y + 1, 1) if mo == 12 else (y, mo + 1)
    py, pm = (y - 1, 12) if mo == 1 else (y, mo - 1)
    label = _dt.date(min(max(y, 1), 9999), mo, 1).strftime("%B %Y")
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Events calendar: {label} | {SITE_NAME}</title>
<meta name="robots" content="noarchive"></head>
<body><h1>Events in {label}</h1>
<table class="calendar"><tr><th>Mon</th><th>Tue</th><th>Wed</th><th>Thu</th><th>Fri</th><th>Sat</th><th>Sun</th></tr>
<tr><td colspan="7">No events listed for this month.</td></tr></table>
<p><a href="?month={py:04d}-{pm:02d}">&laquo; Previous month</a> | <a href="?month={ny:04d}-{nm:02d}">Next month &raquo;</a></p>
<p><a href="/">Front page</a></p></body></html>
"""
    return Route(body=body.encode())


_LOOP_RE = re.compile(r"^(/a)+/$")


def _loop(target: str) -> Route | None:
    path = target.split("?", 1)[0]
    if not _LOOP_RE.match(path):
        return None
    depth = path.count("/a")
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>A–Z index (level {depth}) | {SITE_NAME}</title></head>
<body><h1>A–Z index</h1><p>Stories beginning with A.</p>
<ul><li><a href="a/">More stories beginning with A</a></li><li><a href="/">Front page</a></li></ul>
</body></html>
"""
    return Route(body=body.encode())


# ---------------------------------------------------------------------------------------------
_CSS = b"""body{font-family:Georgia,serif;max-width:60rem;margin:0 auto;color:#222;background:#f6f3ec}
body>header,.site-header,#header,#masthead{background:#1d3557 url(/img/masthead.png) repeat-x;padding:.8rem 1rem;color:#fff}
body>header a,.site-header a,#header a,#masthead a{color:#fff}
.site-header ul,body>header ul{list-style:none;padding:0}.site-header li,body>header li{display:inline;margin-right:1rem}
article,main,#content,.entry-content{background:#fff;padding:1rem 1.5rem}
h1,.entry-title{font-size:2rem;line-height:1.2;color:#1d3557}
img{max-width:100%;height:auto}
.lead-image img,.post-thumbnail img{display:block;border-bottom:4px solid #e63946}
.cookie-banner{position:fixed;bottom:0;background:#333;color:#fff}
.share-bar button{margin-right:.5rem}.newsletter-box{border:1px solid #ccc;padding:1rem}
"""

_ROBOTS = """User-agent: *
Disallow: /private/

Sitemap: {base}/sitemap_index.xml
"""


def build_site(base_url: str) -> dict[str, Route]:
    """Route table for the demo site; ``base_url`` like ``"http://127.0.0.1:8123"``."""
    base = base_url.rstrip("/")
    routes: dict[str, Route] = {}

    def page(path: str, text: str, **kw) -> Route:
        r = Route(body=text.encode("utf-8"), **kw)
        routes[path] = r
        return r

    page("/robots.txt", _ROBOTS.format(base=base), content_type="text/plain; charset=utf-8")
    page("/", _homepage(base))
    for path, text in _section_pages(base).items():
        page(path, text)
    river = [a for a in _ORDERED if "river" in a.tags]
    page("/tag/river/", _listing_page(base, "/tag/river/", "Tag: river", "Stories tagged “river”",
                                      river))
    jane = [a for a in _ORDERED if "Jane Doe" in a.authors]
    bio = (f'<section class="author-profile"><p>{esc(AUTHORS["Jane Doe"][1])}</p></section>')
    page("/author/jane-doe/", _listing_page(base, "/author/jane-doe/", "Jane Doe",
                                            "Stories by Jane Doe", jane, bio))

    for post_id, a in enumerate(ARTICLES, start=101):
        body = _render_article(base, a, post_id).encode("utf-8")
        r = Route(body=body, encoding=a.encoding, chunked=a.chunked, etag=_etag(body),
                  last_modified=_http_date(a.modified))
        routes[a.path] = r
        if a.key == UTM_KEY:
            routes[a.path + UTM_QUERY] = r
        routes[a.image] = Route(body=_png(16, 9, (40 + post_id % 7 * 30, 90, 160)),
                                content_type="image/png")

    dup = _BY_KEY[DUPLICATE_KEY]
    page(WIRE_PATH, _tpl_wire(base, dup))
    amp = _BY_KEY[AMP_KEY]
    page("/amp" + amp.path, _tpl_amp(base, amp))
    routes[REDIRECT_FROM] = Route(status=301, redirect_to=f"{base}{_BY_KEY[REDIRECT_KEY].path}")
    page(PRIVATE_PATH, f"<!DOCTYPE html><html><head><title>Staff only</title></head><body>"
                       f"<h1>Staff only</h1><p>{esc(SECRET_TEXT)}</p></body></html>\n")

    half = len(_ORDERED) // 2
    page("/feed.xml", _rss(base, _ORDERED[: half + 2]), content_type="application/rss+xml; charset=utf-8")
    page("/atom.xml", _atom(base, _ORDERED[half:]), content_type="application/atom+xml; charset=utf-8")
    page("/sitemap_index.xml", _sitemap_index(base), content_type="application/xml; charset=utf-8")
    page("/sitemap-pages.xml", _sitemap_pages(base), content_type="application/xml; charset=utf-8")
    routes["/sitemap-news.xml.gz"] = Route(
        body=gzip.compress(_sitemap_news(base).encode("utf-8"), mtime=0),
        content_type="application/x-gzip")

    routes[PDF_PATH] = Route(body=_pdf(), content_type="application/pdf")
    routes[MASTHEAD_PATH] = Route(body=_png(8, 64, (29, 53, 87)), content_type="image/png")
    routes[LOGO_PATH] = Route(body=_png(160, 40, (230, 57, 70)), content_type="image/png",
                              headers=[("Cache-Control", "max-age=86400")])
    routes[CSS_PATH] = Route(body=_CSS, content_type="text/css; charset=utf-8")
    routes["/calendar/*"] = Route(dynamic=_calendar)
    routes["/a/*"] = Route(dynamic=_loop)
    return routes


def demo_expectations() -> dict:
    """Ground truth about the demo site (paths are relative to the server's base URL)."""
    articles = []
    for a in ARTICLES:
        texts = _paragraph_texts(a)
        articles.append({
            "key": a.key, "path": a.path, "title": a.title, "authors": list(a.authors),
            "date_published": a.date, "published": a.published, "modified": a.modified,
            "language": a.language, "section": a.section, "tags": list(a.tags),
            "template": a.template, "image": a.image,
            "encoding": a.encoding, "chunked": a.chunked,
            "paragraphs": texts,
            "key_paragraphs": [texts[0], texts[len(texts) // 2], texts[-1]],
            "word_count": sum(len(t.split()) for t in texts),
        })
    dup = _BY_KEY[DUPLICATE_KEY]
    amp = _BY_KEY[AMP_KEY]
    return {
        "site_name": SITE_NAME,
        "articles": articles,
        "article_paths": [a.path for a in ARTICLES],
        "listing_paths": list(LISTING_PATHS),
        "templates": sorted({a.template for a in ARTICLES} | {"wire", "amp"}),
        "disallowed_path": PRIVATE_PATH,
        "disallowed_text": SECRET_TEXT,
        "robots_path": "/robots.txt",
        "feeds": ["/feed.xml", "/atom.xml"],
        "sitemaps": ["/sitemap_index.xml", "/sitemap-pages.xml", "/sitemap-news.xml.gz"],
        "boilerplate": list(BOILERPLATE),
        "duplicate": {"original": dup.path, "copy": WIRE_PATH, "title_prefix": WIRE_TITLE_PREFIX,
                      "title": WIRE_TITLE_PREFIX + dup.title},
        "tracking_variant": {"path": _BY_KEY[UTM_KEY].path + UTM_QUERY,
                             "canonical": _BY_KEY[UTM_KEY].path},
        "amp": {"path": "/amp" + amp.path, "canonical": amp.path},
        "redirect": {"from": REDIRECT_FROM, "to": _BY_KEY[REDIRECT_KEY].path, "status": 301},
        "not_found": MISSING_PATH,
        "pdf": PDF_PATH,
        "images": [LOGO_PATH] + [a.image for a in ARTICLES],
        "stylesheet": CSS_PATH,
        "stylesheet_images": [MASTHEAD_PATH],
        # the lead images the article pages show (some templates have none)
        "page_images": [LOGO_PATH] + [a.image for n, a in enumerate(ARTICLES, start=101)
                                      if a.image in _render_article("", a, n)],
        "gzip_article": next(a.path for a in ARTICLES if a.encoding == "gzip"),
        "chunked_article": next(a.path for a in ARTICLES if a.chunked),
        "traps": {"calendar": CALENDAR_START, "repeated_segments": LOOP_START},
        "languages": {a.path: a.language for a in ARTICLES},
    }
