"""Content of the bundled demo news site (crawler.demo.site) served by SiteServer."""

from __future__ import annotations

import gzip
import html
import re
import struct
import urllib.robotparser
import xml.etree.ElementTree as ET
import zlib
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest

from crawler.demo.site import build_site, demo_expectations
from demo_http_helpers import SocketReader, connect, fetch, parse_html, request_bytes

EXP = demo_expectations()
ARTICLES = {a["path"]: a for a in EXP["articles"]}
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
      "news": "http://www.google.com/schemas/sitemap-news/0.9",
      "atom": "http://www.w3.org/2005/Atom"}


def get(site, path):
    r = fetch(site, path)
    return r, r.decoded()


def visible_text(body: bytes) -> str:
    p = parse_html(body)
    return re.sub(r"\s+", " ", p.text())


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def local_path(site, url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", ""):
        return None
    if parts.netloc and parts.netloc != f"127.0.0.1:{site.port}":
        return None
    return parts.path + ("?" + parts.query if parts.query else "")


# --------------------------------------------------------------------------------------------
def test_every_route_is_served(site):
    routes = build_site(site.base_url)
    with connect(site) as s:  # all over one kept-alive connection
        reader = SocketReader(s)
        for path, route in routes.items():
            if path.endswith("*"):
                continue
            s.sendall(request_bytes(path))
            r = reader.read_response()
            assert r.status == route.status, path
            if route.redirect_to:
                assert r.header("Location") == route.redirect_to
                continue
            assert r.decoded() == route.body, path
            assert r.header("Content-Type") == route.content_type
    assert len(EXP["article_paths"]) >= 12


def test_robots_txt(site):
    r, body = get(site, "/robots.txt")
    text = body.decode()
    assert r.header("Content-Type").startswith("text/plain")
    assert "User-agent: *" in text and "Disallow: /private/" in text
    assert "crawl-delay" not in text.lower()
    assert f"Sitemap: {site.base_url}/sitemap_index.xml" in text
    rp = urllib.robotparser.RobotFileParser()
    rp.parse(text.splitlines())
    assert not rp.can_fetch("newsarchiver", site.url(EXP["disallowed_path"]))
    for path in EXP["article_paths"] + EXP["listing_paths"]:
        assert rp.can_fetch("newsarchiver", site.url(path)), path
    # the disallowed page exists (so not fetching it is a real decision)
    r, body = get(site, EXP["disallowed_path"])
    assert r.status == 200 and EXP["disallowed_text"] in html.unescape(body.decode())


def test_homepage(site):
    r, body = get(site, "/")
    p = parse_html(body)
    hrefs = [urljoin(site.base_url + "/", h) for h in p.hrefs()]
    paths = {local_path(site, h) for h in hrefs}
    for needed in ["/section/local/", "/section/politics/", "/section/culture/", "/tag/river/",
                   "/author/jane-doe/", EXP["disallowed_path"], EXP["redirect"]["from"],
                   EXP["tracking_variant"]["path"], EXP["amp"]["path"], EXP["duplicate"]["copy"],
                   EXP["traps"]["calendar"], EXP["traps"]["repeated_segments"]]:
        assert needed in paths, needed
    assert sum(1 for x in paths if x and "utm_" in x) == 1
    assert sum(1 for h in p.hrefs() if "utm_source" in h) == 1
    links = [a for t, a in p.links if t == "link"]
    assert any(a.get("rel") == "alternate" and a.get("type") == "application/rss+xml"
               and a.get("href") == "/feed.xml" for a in links)
    metas = {a.get("property"): a.get("content") for t, a in p.links if t == "meta"}
    assert metas["og:type"] == "website"
    assert any(d.get("@type") == "WebSite" for d in p.jsonld())
    # a mix of absolute, root-relative and relative links
    raw = p.hrefs()
    assert any(h.startswith("http://127.0.0.1") for h in raw)
    assert any(h.startswith("/") for h in raw)
    assert any(not h.startswith(("/", "http")) for h in raw)
    assert any(t == "img" and a.get("src") == "/img/logo.png" for t, a in p.links)


@pytest.mark.parametrize("path", EXP["listing_paths"][1:])
def test_listing_pages(site, path):
    r, body = get(site, path)
    assert r.status == 200
    p = parse_html(body)
    metas = {a.get("property"): a.get("content") for t, a in p.links if t == "meta"}
    assert metas["og:type"] == "website"
    assert any(d.get("@type") == "CollectionPage" for d in p.jsonld())
    assert any(a.get("type") == "application/atom+xml" for t, a in p.links if t == "link")
    linked = {local_path(site, urljoin(site.url(path), h)) for h in p.hrefs()}
    assert linked & set(EXP["article_paths"])


def test_pagination_and_404_link(site):
    _, body = get(site, "/section/local/")
    p = parse_html(body)
    linked = {local_path(site, urljoin(site.url("/section/local/"), h)) for h in p.hrefs()}
    assert "/section/local/page/2/" in linked
    assert EXP["not_found"] in linked
    r = fetch(site, EXP["not_found"])
    assert r.status == 404
    # page 1 + page 2 of each section together list every article of that section
    for sec in ("local", "culture"):
        listed = set()
        for path in (f"/section/{sec}/", f"/section/{sec}/page/2/"):
            _, b = get(site, path)
            listed |= {local_path(site, urljoin(site.url(path), h)) for h in parse_html(b).hrefs()}
        wanted = {a["path"] for a in EXP["articles"] if a["section"] == sec}
        assert wanted <= listed


def test_feeds_parse_and_cover_all_articles(site):
    r, body = get(site, "/feed.xml")
    assert "rss" in r.header("Content-Type")
    rss = ET.fromstring(body)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    items = rss.findall("./channel/item")
    assert items
    for it in items:
        assert it.findtext("title") and it.findtext("link")
        assert it.findtext("pubDate") and re.match(r"\w{3}, \d{2} \w{3} \d{4}", it.findtext("pubDate"))
    r, body = get(site, "/atom.xml")
    atom = ET.fromstring(body)
    assert atom.tag == "{http://www.w3.org/2005/Atom}feed"
    entries = atom.findall("atom:entry", NS)
    assert entries and all(e.find("atom:updated", NS) is not None for e in entries)
    links = {local_path(site, i.findtext("link")) for i in items}
    links |= {local_path(site, e.find("atom:link", NS).get("href")) for e in entries}
    assert links == set(EXP["article_paths"])


def test_sitemaps(site):
    _, body = get(site, "/sitemap_index.xml")
    idx = ET.fromstring(body)
    assert idx.tag == "{%s}sitemapindex" % NS["sm"]
    locs = [local_path(site, e.text) for e in idx.findall("sm:sitemap/sm:loc", NS)]
    assert locs == ["/sitemap-pages.xml", "/sitemap-news.xml.gz"]

    _, body = get(site, "/sitemap-pages.xml")
    pages = ET.fromstring(body)
    urls = pages.findall("sm:url", NS)
    assert all(u.find("sm:lastmod", NS) is not None for u in urls)
    assert set(EXP["article_paths"]) <= {local_path(site, u.findtext("sm:loc", namespaces=NS)) for u in urls}
    assert EXP["disallowed_path"] not in {local_path(site, u.findtext("sm:loc", namespaces=NS)) for u in urls}

    r = fetch(site, "/sitemap-news.xml.gz")
    assert r.header("Content-Type") == "application/x-gzip"
    assert r.header("Content-Encoding") is None
    assert r.body[:2] == b"\x1f\x8b"
    news = ET.fromstring(gzip.decompress(r.body))
    entries = news.findall("sm:url", NS)
    assert {local_path(site, u.findtext("sm:loc", namespaces=NS)) for u in entries} == set(EXP["article_paths"])
    for u in entries:
        n = u.find("news:news", NS)
        assert n.findtext("news:publication/news:name", namespaces=NS) == EXP["site_name"]
        assert n.findtext("news:publication/news:language", namespaces=NS) in ("en", "de", "fr")
        assert re.match(r"\d{4}-\d{2}-\d{2}T", n.findtext("news:publication_date", namespaces=NS))
        art = ARTICLES[local_path(site, u.findtext("sm:loc", namespaces=NS))]
        assert n.findtext("news:title", namespaces=NS) == art["title"]
        assert n.findtext("news:publication/news:language", namespaces=NS) == art["language"]


@pytest.mark.parametrize("path", EXP["article_paths"])
def test_article_pages(site, path):
    art = ARTICLES[path]
    r, body = get(site, path)
    assert r.status == 200
    assert 2500 <= len(body) <= 10_500, len(body)
    assert r.header("ETag") and r.header("Last-Modified")
    text = norm(html.unescape(visible_text(body)))
    assert art["word_count"] >= 150
    assert sum(len(p.split()) for p in art["paragraphs"]) >= 150
    assert 4 <= len(art["paragraphs"]) <= 8
    for para in art["paragraphs"]:
        assert norm(para) in text, para[:60]
    assert set(art["key_paragraphs"]) <= set(art["paragraphs"])
    assert art["title"] in text
    # boilerplate strings never occur inside article paragraphs
    for bp in EXP["boilerplate"]:
        assert all(bp not in para for para in art["paragraphs"]), bp
    p = parse_html(body)
    html_tag = next(a for t, a in p.links if t == "html")
    lang = html_tag.get("lang", html_tag.get("xml:lang"))
    if art["template"] == "table":
        assert lang is None  # old-school page: language must be detected from the text
    else:
        assert lang.startswith(art["language"])
    metas = {a.get("property") or a.get("name"): a.get("content") for t, a in p.links if t == "meta"}
    if art["template"] in ("table", "divcontent"):
        assert metas["author"] == ", ".join(art["authors"]) and metas["date"] == art["date_published"]
    else:
        assert metas["og:type"] == "article"
        assert local_path(site, metas["og:image"]) == art["image"]
        assert metas["article:published_time"] == art["published"]
    # the image referenced by the page is served as a real PNG
    img = fetch(site, art["image"])
    assert img.header("Content-Type") == "image/png" and img.body.startswith(b"\x89PNG\r\n\x1a\n")


def test_templates_are_distinct(site):
    by_template = {}
    for a in EXP["articles"]:
        by_template.setdefault(a["template"], []).append(a["path"])
    assert len(by_template) >= 4
    assert len(by_template["wp_classless"]) >= 2
    assert {a["language"] for a in EXP["articles"]} >= {"en", "de", "fr"}

    def page(path):
        return get(site, path)[1].decode()

    # modern: <article>, NewsArticle JSON-LD with the expected fields, boilerplate widgets
    modern = page(by_template["modern"][0])
    ld = [d for d in parse_html(modern.encode()).jsonld() if d.get("@type") == "NewsArticle"][0]
    for key in ("headline", "datePublished", "dateModified", "author", "keywords", "articleSection", "image"):
        assert ld[key], key
    assert all(a["@type"] == "Person" for a in ld["author"])
    for marker in ("<article", "share-bar", "newsletter-box", "cookie-banner", "author-bio", "Read more"):
        assert marker in modern
    multi = [a for a in EXP["articles"] if len(a["authors"]) > 1]
    assert multi and multi[0]["template"] == "modern"

    classic = page(by_template["wp_classic"][0])
    for marker in ('class="entry-content"', 'id="comments"', 'comment-respond', 'related-posts'):
        assert marker in classic

    for path in by_template["wp_classless"]:
        cl = page(path)
        body = cl.split("<body>", 1)[1]
        assert "class=" not in body and "<article" not in body
        lang = ARTICLES[path]["language"]
        if lang == "en":
            assert "<h3>Similar Posts</h3>" in body and "<h3>Leave a Reply</h3>" in body
            assert "<p>Your email address will not be published. Required fields are marked *</p>" in body
            assert "Save my name, email, and website in this browser for the next time I comment." in body
            assert "<textarea" in body and 'type="checkbox"' in body
            assert 'name="email"' in body and 'name="url"' in body and 'name="author"' in body
    de = next(a for a in EXP["articles"] if a["language"] == "de")
    assert "Ähnliche Beiträge" in page(de["path"]) and "Schreibe einen Kommentar" in page(de["path"])
    fr = next(a for a in EXP["articles"] if a["language"] == "fr")
    assert "Articles similaires" in page(fr["path"]) and "Laisser un commentaire" in page(fr["path"])

    table = page(by_template["table"][0])
    assert "<table" in table and "og:type" not in table
    div = page(by_template["divcontent"][0])
    assert '<div id="content">' in div and "og:type" not in div


def test_boilerplate_strings_exist_on_site(site):
    corpus = ""
    for path in EXP["article_paths"] + [EXP["duplicate"]["copy"]]:
        corpus += html.unescape(get(site, path)[1].decode())
    for bp in EXP["boilerplate"]:
        assert bp in corpus, bp


def test_syndicated_duplicate(site):
    dup = EXP["duplicate"]
    orig_art = ARTICLES[dup["original"]]
    _, copy_body = get(site, dup["copy"])
    _, orig_body = get(site, dup["original"])
    copy_text = norm(html.unescape(visible_text(copy_body)))
    for para in orig_art["paragraphs"]:
        assert norm(para) in copy_text
    p = parse_html(copy_body)
    canon = [a["href"] for t, a in p.links if t == "link" and a.get("rel") == "canonical"]
    assert [local_path(site, c) for c in canon] == [dup["original"]]
    assert dup["title"] == dup["title_prefix"] + orig_art["title"]
    assert f"<h1 class=\"wire-headline\">{html.escape(dup['title'])}</h1>" in copy_body.decode()
    assert copy_body != orig_body
    # different template markup from the original
    assert "story-body" in orig_body.decode() and "story-body" not in copy_body.decode()


def test_tracking_and_amp_variants(site):
    tv = EXP["tracking_variant"]
    r1, b1 = get(site, tv["path"])
    r2, b2 = get(site, tv["canonical"])
    assert r1.status == 200 and b1 == b2
    amp = EXP["amp"]
    r, body = get(site, amp["path"])
    assert r.status == 200 and "<html ⚡" in body.decode()
    p = parse_html(body)
    canon = [a["href"] for t, a in p.links if t == "link" and a.get("rel") == "canonical"]
    assert [local_path(site, c) for c in canon] == [amp["canonical"]]
    text = norm(html.unescape(visible_text(body)))
    assert all(norm(x) in text for x in ARTICLES[amp["canonical"]]["paragraphs"])


def test_redirect(site):
    red = EXP["redirect"]
    r = fetch(site, red["from"])
    assert r.status == red["status"] == 301
    assert local_path(site, r.header("Location")) == red["to"]
    assert fetch(site, red["to"]).status == 200


def test_gzip_and_chunked_articles(site):
    r = fetch(site, EXP["gzip_article"])
    assert r.header("Content-Encoding") == "gzip"
    assert norm(ARTICLES[EXP["gzip_article"]]["paragraphs"][0]) in norm(html.unescape(gzip.decompress(r.body).decode()))
    r = fetch(site, EXP["chunked_article"])
    assert r.header("Transfer-Encoding") == "chunked" and len(r.chunks) > 3
    assert EXP["gzip_article"] != EXP["chunked_article"]
    # conditional revisit of an article
    etag = fetch(site, EXP["chunked_article"]).header("ETag")
    assert fetch(site, EXP["chunked_article"], extra=[("If-None-Match", etag)]).status == 304


def test_pdf_and_logo(site):
    r = fetch(site, EXP["pdf"])
    assert r.header("Content-Type") == "application/pdf"
    pdf = r.body
    assert pdf.startswith(b"%PDF-1.") and pdf.rstrip().endswith(b"%%EOF")
    startxref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[startxref:startxref + 4] == b"xref"
    offsets = [int(line.split()[0]) for line in pdf[startxref:].split(b"\n")[3:9]]
    for i, off in enumerate(offsets, 1):
        assert pdf[off:].startswith(b"%d 0 obj" % i)
    linking = [a for a in EXP["articles"] if "report.pdf" in get(site, a["path"])[1].decode()]
    assert len(linking) == 1

    r = fetch(site, "/img/logo.png")
    png = r.body
    assert r.header("Content-Type") == "image/png" and png[:8] == b"\x89PNG\r\n\x1a\n"
    pos = 8
    kinds = []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind, data = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF
        kinds.append(kind)
        pos += 12 + length
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]
    _, home = get(site, "/")
    assert not any(local_path(site, h) == "/img/logo.png" for h in parse_html(home).hrefs())


def test_calendar_trap_is_endless(site):
    path = EXP["traps"]["calendar"]
    seen = []
    for _ in range(40):
        r, body = get(site, path)
        assert r.status == 200
        seen.append(path)
        nxt = [h for h in parse_html(body).hrefs() if "Next" in h or h.startswith("?month=")]
        path = local_path(site, urljoin(site.url(path), nxt[-1]))
    assert len(set(seen)) == 40
    assert seen[-1] == "/calendar/?month=2029-04"
    assert fetch(site, "/calendar/?month=2026-13").status == 404


def test_repeated_segment_trap(site):
    path = EXP["traps"]["repeated_segments"]
    for depth in range(1, 25):
        r, body = get(site, path)
        assert r.status == 200 and path == "/a" * depth + "/"
        rel = [h for h in parse_html(body).hrefs() if h == "a/"]
        path = local_path(site, urljoin(site.url(path), rel[0]))
    assert fetch(site, "/a/b/").status == 404


def test_whole_site_link_graph(site):
    """BFS from the homepage over every link (traps cut short): everything resolves."""
    queue = deque(["/"])
    seen = {"/"}
    statuses = {}
    trap_budget = 5
    while queue:
        path = queue.popleft()
        r = fetch(site, path)
        statuses[path] = r.status
        ctype = r.header("Content-Type") or ""
        if r.status != 200 or not ctype.startswith("text/html"):
            continue
        p = parse_html(r.decoded())
        urls = p.hrefs() + [a["src"] for t, a in p.links if t == "img" and "src" in a]
        urls += [a["href"] for t, a in p.links if t == "link" and "href" in a]
        for h in urls:
            lp = local_path(site, urljoin(site.url(path), h))
            if lp is None or lp in seen:
                continue
            if lp.startswith(("/calendar/", "/a/")):
                if trap_budget <= 0:
                    continue
                trap_budget -= 1
            seen.add(lp)
            queue.append(lp)
    assert set(EXP["article_paths"]) <= seen
    assert set(EXP["listing_paths"]) <= seen
    assert {EXP["pdf"], EXP["disallowed_path"], EXP["duplicate"]["copy"], EXP["amp"]["path"],
            "/feed.xml", "/atom.xml"} <= seen
    bad = {p: s for p, s in statuses.items() if s != 200}
    assert bad == {EXP["not_found"]: 404, EXP["redirect"]["from"]: 301}
    assert len(seen) < 120
