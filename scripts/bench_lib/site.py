"""A synthetic news site of N articles (~8 KB each, 4 markup templates), section listing
pages with pagination that link every article, a home page, robots.txt and a sitemap,
rendered to static files (``path/`` -> ``path/index.html``).  Deterministic per N."""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass
from pathlib import Path

SECTIONS = ("politics", "business", "local", "sport", "culture", "science")
PER_PAGE = 20
SITE = "The Bench Courier"
esc = html.escape

_NOUNS = ("council budget school river bridge harbour library market festival railway station "
          "hospital court museum factory tram line park stadium election vote plan survey report "
          "tenant landlord farmer nurse teacher driver engineer mayor minister judge reporter "
          "storm flood drought harvest price wage rent tax fare ticket permit license contract "
          "museum gallery concert theatre novel film record team match season league final").split()
_VERBS = ("approved rejected postponed questioned welcomed criticised announced reviewed funded "
          "debated blocked delayed defended expanded cancelled revised confirmed denied").split()
_ADJ = ("new old regional local national controversial long-awaited expensive modest ambitious "
        "temporary permanent public private historic recent disputed popular").split()
_TAIL = ("after a long meeting on Tuesday evening", "despite objections from several neighbours",
         "following a petition signed by thousands of residents", "although the final cost is unclear",
         "in a vote that surprised many observers", "and said more details would follow next month",
         "citing the results of a public consultation", "while warning that the work could take years")


def _sentence(rnd: random.Random) -> str:
    return (f"The {rnd.choice(_ADJ)} {rnd.choice(_NOUNS)} {rnd.choice(_VERBS)} the "
            f"{rnd.choice(_ADJ)} {rnd.choice(_NOUNS)} {rnd.choice(_NOUNS)} {rnd.choice(_TAIL)}.")


@dataclass
class Art:
    n: int
    section: str
    path: str
    title: str
    date: str
    author: str
    paragraphs: list[str]
    related: list[str]


def _nav() -> str:
    links = "".join(f'<li><a href="/section/{s}/">{s.title()}</a></li>' for s in SECTIONS)
    extra = "".join(f'<li><a href="/section/{s}/page/2/">More {s}</a></li>' for s in SECTIONS[:3])
    return f'<nav class="main-nav"><ul><li><a href="/">Home</a></li>{links}{extra}</ul></nav>'


_FOOTER = ('<footer class="site-footer"><ul>' + "".join(
    f'<li><a href="/section/{s}/">{s.title()} news</a></li>' for s in SECTIONS) +
    '</ul><p>&copy; 2026 The Bench Courier. All rights reserved. Contact: newsroom@example.org. '
    'Registered office: 1 Printing House Yard.</p></footer>')


def _related(a: Art) -> str:
    return "".join(f'<li><a href="{p}">Related story {i + 1}</a></li>' for i, p in enumerate(a.related))


def _ld(a: Art) -> str:
    return json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
                       "datePublished": a.date, "author": [{"@type": "Person", "name": a.author}],
                       "articleSection": a.section})


def tpl_modern(a: Art) -> str:
    body = "\n".join(f"<p>{esc(p)}</p>" for p in a.paragraphs)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{esc(a.title)} | {SITE}</title><meta name="viewport" content="width=device-width">
<meta property="og:type" content="article"><meta property="og:title" content="{esc(a.title)}">
<meta property="article:published_time" content="{a.date}"><link rel="canonical" href="{a.path}">
<script type="application/ld+json">{_ld(a)}</script><link rel="stylesheet" href="/static/site.css"></head>
<body class="article"><div class="cookie-banner"><p>We use cookies to understand how readers use our site.</p><button>Accept</button></div>
<header class="site-header"><a class="brand" href="/">{SITE}</a>{_nav()}</header>
<main><article class="story"><header><p class="kicker"><a href="/section/{a.section}/">{a.section.title()}</a></p>
<h1>{esc(a.title)}</h1><p class="byline">By {esc(a.author)} &middot; <time datetime="{a.date}">{a.date[:10]}</time></p></header>
<div class="share"><button>Share on Facebook</button><button>Share on X</button><button>Email</button></div>
<div class="story-body">{body}</div></article>
<aside class="read-more"><h2>Read more</h2><ul>{_related(a)}</ul></aside></main>{_FOOTER}</body></html>
"""


def tpl_wordpress(a: Art) -> str:
    body = "\n".join(f"<p>{esc(p)}</p>" for p in a.paragraphs)
    return f"""<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8"><title>{esc(a.title)} &#8211; {SITE}</title>
<meta name="generator" content="WordPress 6.5"><link rel="stylesheet" id="theme-css" href="/static/site.css" media="all">
</head><body class="post-template-default single single-post postid-{a.n}">
<div id="page" class="site"><a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header"><p class="site-title"><a href="/" rel="home">{SITE}</a></p>{_nav()}</header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-{a.n}" class="post-{a.n} post type-post status-publish format-standard hentry category-{a.section}">
<header class="entry-header"><h1 class="entry-title">{esc(a.title)}</h1><div class="entry-meta"><span class="posted-on">Posted on
<time class="entry-date published" datetime="{a.date}">{a.date[:10]}</time></span> <span class="byline">by <span class="author vcard">{esc(a.author)}</span></span></div></header>
<div class="entry-content">{body}</div>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="/section/{a.section}/" rel="category tag">{a.section.title()}</a></span></footer>
</article><nav class="navigation post-navigation"><h2 class="screen-reader-text">Post navigation</h2><ul>{_related(a)}</ul></nav>
<div id="comments" class="comments-area"><div id="respond" class="comment-respond"><h3>Leave a Reply</h3>
<p class="comment-notes">Your email address will not be published.</p></div></div>
</main></div><aside id="secondary" class="widget-area"><section class="widget"><h2>Recent Posts</h2><ul>{_related(a)}</ul></section></aside></div>
{_FOOTER}</div></body></html>
"""


def tpl_table(a: Art) -> str:
    body = "<br><br>\n".join(esc(p) for p in a.paragraphs)
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>{esc(a.title)}</title></head>
<body bgcolor="#ffffff"><table width="100%" border="0" cellpadding="0" cellspacing="0"><tr><td colspan="2">
<a href="/"><b>{SITE}</b></a> {_nav()}</td></tr><tr><td width="180" valign="top"><font size="2">
<a href="/section/{a.section}/">{a.section.title()}</a><br><ul>{_related(a)}</ul></font></td>
<td valign="top"><font face="Georgia"><h2>{esc(a.title)}</h2><i>{esc(a.author)}, {a.date[:10]}</i><br><br>
{body}</font></td></tr><tr><td colspan="2">{_FOOTER}</td></tr></table></body></html>
"""


def tpl_divsoup(a: Art) -> str:
    body = "\n".join(f'<div class="txt"><span>{esc(p)}</span></div>' for p in a.paragraphs)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{esc(a.title)} - {SITE}</title>
<meta name="author" content="{esc(a.author)}"><meta name="date" content="{a.date}"></head><body>
<div id="wrap"><div class="hdr"><div class="logo"><a href="/">{SITE}</a></div>{_nav()}</div>
<div class="main"><div class="col-left"><div class="headline"><h1>{esc(a.title)}</h1></div>
<div class="meta">{esc(a.author)} | {a.date[:10]} | <a href="/section/{a.section}/">{a.section}</a></div>
<div id="content">{body}</div></div><div class="col-right"><div class="box"><h3>Most read</h3><ul>{_related(a)}</ul></div>
<div class="box ad">Advertisement</div></div></div>{_FOOTER}</div></body></html>
"""


TEMPLATES = (tpl_modern, tpl_wordpress, tpl_table, tpl_divsoup)


def articles(n: int) -> list[Art]:
    rnd = random.Random(f"bench-{n}")
    out = []
    for i in range(n):
        sec = SECTIONS[i % len(SECTIONS)]
        day = 1 + (i * 7) % 28
        month = 1 + (i // 28) % 12
        path = f"/news/{sec}/2026/{month:02d}/{day:02d}/story-{i}.html"
        paras = [" ".join(_sentence(rnd) for _ in range(rnd.randint(3, 6))) for _ in range(rnd.randint(8, 12))]
        out.append(Art(i, sec, path, f"{_sentence(rnd)[4:60].rstrip(' ,.').capitalize()} ({i})",
                       f"2026-{month:02d}-{day:02d}T08:{i % 60:02d}:00+00:00",
                       rnd.choice(("Ada Quill", "Ben Ink", "Cora Press", "Dan Lede", "Eve Column")),
                       paras, []))
    for a in out:
        a.related = [out[rnd.randrange(n)].path for _ in range(4)]
    return out


def _listing(title: str, items: list[Art], prev: str | None, nxt: str | None) -> str:
    teasers = "\n".join(f'<li class="teaser"><h2><a href="{a.path}">{esc(a.title)}</a></h2>'
                        f'<p>{esc(a.paragraphs[0][:160])}</p></li>' for a in items)
    nav = "".join([f'<a rel="prev" href="{prev}">Newer</a> ' if prev else "",
                   f'<a rel="next" href="{nxt}">Older</a>' if nxt else ""])
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)} | {SITE}</title>'
            f'<meta property="og:type" content="website"></head><body><header>{_nav()}</header><main>'
            f'<h1>{esc(title)}</h1><ul class="teasers">{teasers}</ul><nav class="pagination">{nav}</nav>'
            f'</main>{_FOOTER}</body></html>\n')


#: ``render(resources=True)``: what each page embeds, shared by all pages (path, bytes) ...
SHARED_RESOURCES = (("/static/site.css", 30_000), ("/static/app.js", 40_000), ("/static/logo.png", 8_000),
                    ("/favicon.ico", 2_000))
#: ... and per article (its lead image, 1x and 2x): sizes of typical news JPEGs
LEAD_IMAGE_BYTES = (40_000, 90_000)


def _with_resources(html_text: str, n: int) -> str:
    """The page with a news site's usual resources: stylesheet, script, icon, logo and a
    lead image of its own (srcset 1x/2x)."""
    head = ('<link rel="stylesheet" href="/static/site.css"><script src="/static/app.js" defer></script>'
            '<link rel="icon" href="/favicon.ico">')
    body = (f'<img class="logo" src="/static/logo.png" width="160" height="40" alt="">'
            f'<figure><img src="/img/lead-{n}.jpg" srcset="/img/lead-{n}.jpg 1x, /img/lead-{n}@2x.jpg 2x" '
            f'width="640" height="360" alt=""></figure>')
    html_text = html_text.replace("</head>", head + "</head>", 1)
    start = html_text.find("<body")
    end = html_text.find(">", start) + 1
    return html_text[:end] + body + html_text[end:]


def render(n: int, root: Path, base: str = "", resources: bool = False) -> dict[str, int]:
    """Write the site for ``n`` articles under ``root``; returns counts by kind.
    ``resources``: every article page also embeds the resources of :func:`_with_resources`
    (random bytes: incompressible, as JPEG/PNG are)."""
    arts = articles(n)
    counts = {"articles": 0, "listings": 0, "bytes": 0, "resources": 0, "resource_bytes": 0}

    def write(path: str, text: str | bytes) -> None:
        f = root / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
        f.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8") if isinstance(text, str) else text
        f.write_bytes(data)
        counts["bytes"] += len(data)

    rnd = random.Random(f"bench-resources-{n}")
    for a in arts:
        page = TEMPLATES[a.n % len(TEMPLATES)](a)
        if resources:
            page = _with_resources(page, a.n)
            for suffix, size in zip((".jpg", "@2x.jpg"), LEAD_IMAGE_BYTES):
                write(f"/img/lead-{a.n}{suffix}", rnd.randbytes(size))
                counts["resources"] += 1
                counts["resource_bytes"] += size
        write(a.path, page)
        counts["articles"] += 1
    for sec in SECTIONS:
        items = [a for a in arts if a.section == sec][::-1]
        pages = [items[i:i + PER_PAGE] for i in range(0, len(items), PER_PAGE)] or [[]]
        for p, chunk in enumerate(pages, 1):
            path = f"/section/{sec}/" if p == 1 else f"/section/{sec}/page/{p}/"
            prev = None if p == 1 else (f"/section/{sec}/" if p == 2 else f"/section/{sec}/page/{p - 1}/")
            nxt = f"/section/{sec}/page/{p + 1}/" if p < len(pages) else None
            write(path, _listing(f"{sec.title()} news" + (f" - page {p}" if p > 1 else ""), chunk, prev, nxt))
            counts["listings"] += 1
    write("/", _listing(f"{SITE}: front page", arts[::-1][:30], None, None))
    counts["listings"] += 1
    if resources:
        for path, size in SHARED_RESOURCES:
            if path.endswith((".css", ".js")):  # text, compressible as real CSS/JS is
                text = ""
                while len(text) < size:
                    text += "/* " + _sentence(rnd) + " */\n"
                data: bytes | str = text[:size]
            else:
                data = rnd.randbytes(size)
            write(path, data)
            counts["resources"] += 1
            counts["resource_bytes"] += size
    else:
        write("/static/site.css", "body{font-family:Georgia,serif}\n")
    urls = "".join(f"<url><loc>{base}{a.path}</loc><lastmod>{a.date[:10]}</lastmod></url>\n" for a in arts)
    write("/sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>\n'
          f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n')
    write("/robots.txt", f"User-agent: *\nDisallow: /private/\nSitemap: {base}/sitemap.xml\n")
    return counts
