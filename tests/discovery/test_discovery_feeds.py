import gzip
import json
from datetime import datetime, timezone

import pytest

from crawler.discovery.feeds import (
    COMMON_FEED_PATHS,
    FeedEntry,
    discover_feed_links,
    looks_like_feed,
    looks_like_sitemap,
    parse_feed,
)

UTC = timezone.utc
BASE = "https://news.example.com/feed/"

RSS2 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom"
     xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">
<channel>
  <title>Example</title><link>https://news.example.com/</link>
  <item>
    <title>First &amp; foremost</title>
    <link>https://news.example.com/2026/01/15/first</link>
    <pubDate>Thu, 15 Jan 2026 10:00:00 +0100</pubDate>
  </item>
  <item>
    <title><![CDATA[Second <b>bold</b>]]></title>
    <guid>https://news.example.com/second</guid>
    <dc:date>2026-01-14T08:00:00Z</dc:date>
  </item>
  <item>
    <title>Not a permalink</title>
    <guid isPermaLink="false">https://news.example.com/?p=42</guid>
  </item>
  <item>
    <link>/relative/third</link>
  </item>
  <item>
    <title>Via feedburner</title>
    <link>https://feedproxy.google.com/~r/example/~3/abc</link>
    <feedburner:origLink>https://news.example.com/original</feedburner:origLink>
  </item>
  <item>
    <atom:link rel="alternate" href="https://news.example.com/atom-linked"/>
  </item>
  <item><link>mailto:x@example.com</link></item>
</channel>
</rss>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://news.example.com/"><title>Ex</title></channel>
  <item rdf:about="https://news.example.com/rdf-1">
    <title>RDF one</title><link>https://news.example.com/rdf-1</link>
    <dc:date>2026-01-15T10:00:00+00:00</dc:date>
  </item>
  <item rdf:about="https://news.example.com/rdf-2"><title>RDF two</title></item>
</rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example.org/">
  <title>Blog</title>
  <link rel="self" href="https://blog.example.org/atom.xml"/>
  <entry>
    <title type="html">Hello &lt;world&gt;</title>
    <link rel="edit" href="https://blog.example.org/edit/1"/>
    <link rel="alternate" type="application/pdf" href="/post-1.pdf"/>
    <link rel="alternate" type="text/html" href="/posts/hello-world"/>
    <published>2026-01-15T10:00:00Z</published>
    <updated>2026-01-16T10:00:00Z</updated>
  </entry>
  <entry xml:base="https://blog.example.org/2026/">
    <title>No rel</title>
    <link href="second-post"/>
    <updated>2026-01-10</updated>
  </entry>
  <entry>
    <title>Only enclosure</title>
    <link rel="enclosure" href="https://blog.example.org/a.mp3"/>
  </entry>
</feed>"""


def test_rss2():
    kind, entries = parse_feed(RSS2, BASE)
    assert kind == "rss"
    assert entries == [
        FeedEntry("https://news.example.com/2026/01/15/first", "First & foremost",
                  datetime(2026, 1, 15, 9, 0, tzinfo=UTC)),
        FeedEntry("https://news.example.com/second", "Second <b>bold</b>",
                  datetime(2026, 1, 14, 8, 0, tzinfo=UTC)),
        FeedEntry("https://news.example.com/relative/third", None, None),
        FeedEntry("https://news.example.com/original", "Via feedburner", None),
        FeedEntry("https://news.example.com/atom-linked", None, None),
    ]


def test_rss1_rdf():
    kind, entries = parse_feed(RDF, BASE)
    assert kind == "rss"
    assert entries == [
        FeedEntry("https://news.example.com/rdf-1", "RDF one", datetime(2026, 1, 15, 10, 0, tzinfo=UTC)),
        FeedEntry("https://news.example.com/rdf-2", "RDF two", None),
    ]


def test_atom_links_base_and_dates():
    kind, entries = parse_feed(ATOM, "https://blog.example.org/atom.xml")
    assert kind == "atom"
    assert entries == [
        FeedEntry("https://blog.example.org/posts/hello-world", "Hello <world>",
                  datetime(2026, 1, 15, 10, 0, tzinfo=UTC)),  # published beats updated
        FeedEntry("https://blog.example.org/2026/second-post", "No rel", datetime(2026, 1, 10, tzinfo=UTC)),
    ]


def test_atom_relative_without_xml_base_uses_base_url():
    body = b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="p/1"/></entry></feed>'
    assert parse_feed(body, "https://x.example/feeds/atom.xml")[1][0].url == "https://x.example/feeds/p/1"


def test_gzip_feed_and_cap():
    assert parse_feed(gzip.compress(ATOM), "https://blog.example.org/") == parse_feed(ATOM, "https://blog.example.org/")
    assert parse_feed(gzip.compress(ATOM), "https://blog.example.org/", max_bytes=100) == ("invalid", [])


def test_json_feed():
    body = json.dumps({
        "version": "https://jsonfeed.org/version/1.1",
        "items": [
            {"id": "1", "url": "/posts/1", "title": " One ", "date_published": "2026-01-15T10:00:00+02:00"},
            {"id": "2", "external_url": "https://elsewhere.example/x"},
            {"id": "3"},
            "junk",
        ],
    }).encode()
    assert parse_feed(body, "https://j.example/feed.json") == ("json", [
        FeedEntry("https://j.example/posts/1", "One", datetime(2026, 1, 15, 8, 0, tzinfo=UTC)),
        FeedEntry("https://elsewhere.example/x", None, None),
    ])
    assert parse_feed(b'{"not": "a feed"}', BASE) == ("invalid", [])


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<<<<not xml",
        b"<html><head><title>x</title></head><body>hi</body></html>",
        b"<urlset><url><loc>http://a/</loc></url></urlset>",
        b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><foo/></rdf:RDF>",
        b"\x1f\x8b\x08\x00\x00\x00",
        b"{broken json",
    ],
)
def test_invalid_feed_never_raises(body):
    assert parse_feed(body, BASE) == ("invalid", [])


def test_broken_rss_recovers():
    body = b"<rss><channel><item><title>A</title><link>http://a.example/1</link></item><item><title>B"
    kind, entries = parse_feed(body, BASE)
    assert kind == "rss"
    assert entries[0] == FeedEntry("http://a.example/1", "A", None)


def test_feed_xxe_not_resolved():
    body = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>t&x;</title><link>http://a.example/1</link></item></channel></rss>"""
    kind, entries = parse_feed(body, BASE)
    assert kind == "rss"
    assert entries[0].url == "http://a.example/1"
    assert entries[0].title == "t&x;"  # reference left as-is, file never read


HTML = """<!doctype html><html><head>
<base href="/news/">
<link rel="alternate" type="application/rss+xml" title="RSS" href="feed.rss">
<link rel="alternate" type="application/atom+xml; charset=utf-8" href="https://news.example.com/atom.xml">
<link rel="ALTERNATE FEED" type="Application/Feed+JSON" href="/feed.json">
<link rel="alternate" type="application/rss+xml" href="feed.rss">
<link rel="alternate" hreflang="de" href="https://news.example.de/">
<link rel="stylesheet" type="text/css" href="/s.css">
<link rel="alternate" type="application/rss+xml" href="javascript:void(0)">
<link rel="alternate" type="application/rss+xml">
</head><body><link rel="alternate" type="application/rss+xml" href="/in-body.xml"></body></html>"""


def test_discover_feed_links():
    expected = [
        "https://news.example.com/news/feed.rss",
        "https://news.example.com/atom.xml",
        "https://news.example.com/feed.json",
    ]
    assert discover_feed_links(HTML, "https://news.example.com/index.html") == expected
    assert discover_feed_links(HTML.encode(), "https://news.example.com/index.html") == expected


def test_discover_feed_links_without_head_and_bytes_charset():
    html = '<meta charset="iso-8859-1"><link rel=alternate type=application/rss+xml href="/f\xfcr.xml">'
    # the <meta charset> is honoured for bytes; str input is used as-is
    assert discover_feed_links(html.encode("iso-8859-1"), "http://a.example/") == ["http://a.example/f\xfcr.xml"]
    assert discover_feed_links(html, "http://a.example/") == ["http://a.example/f\xfcr.xml"]
    assert discover_feed_links("<p>no links</p>", "http://a.example/") == []
    assert discover_feed_links(b"", "http://a.example/") == []


def test_common_feed_paths():
    assert "/feed" in COMMON_FEED_PATHS and "/atom.xml" in COMMON_FEED_PATHS
    assert all(p.startswith("/") for p in COMMON_FEED_PATHS)


@pytest.mark.parametrize(
    "body,ctype,expected",
    [
        (RSS2, "application/rss+xml", True),
        (RSS2, "text/html", True),  # mislabelled feed
        (RDF, "text/xml", True),
        (ATOM, None, True),
        (gzip.compress(ATOM), "application/octet-stream", True),
        (b'{"version": "https://jsonfeed.org/version/1", "items": []}', "application/json", True),
        (b"<!doctype html><html><body>soft 404</body></html>", "application/rss+xml", False),
        (b"<urlset></urlset>", "application/xml", False),
        (b"<?xml version='1.0'?>" + b"<!--" + b"x" * 5000 + b"-->", "application/atom+xml", True),
        (b"<?xml version='1.0'?>" + b"<!--" + b"x" * 5000 + b"-->", "text/xml", False),
        (b"", None, False),
    ],
)
def test_looks_like_feed(body, ctype, expected):
    assert looks_like_feed(body, ctype) is expected


SITEMAP = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://a/</loc></url></urlset>'


@pytest.mark.parametrize(
    "body,ctype,url,expected",
    [
        (SITEMAP, "text/xml", "https://a.example/whatever", True),
        (gzip.compress(SITEMAP), None, "https://a.example/s.xml.gz", True),
        (b"<sitemapindex xmlns='x'><sitemap>", "text/html", "https://a.example/", True),
        (RSS2, "application/xml", "https://a.example/sitemap.xml", False),
        (b"<html><body>not found</body></html>", "text/html", "https://a.example/sitemap.xml", False),
        (b"<?xml version='1.0'?><!--" + b"y" * 5000 + b"-->", "application/xml", "https://a.example/sitemap_1.xml", True),
        (b"<?xml version='1.0'?><!--" + b"y" * 5000 + b"-->", "application/xml", "https://a.example/data.xml", False),
    ],
)
def test_looks_like_sitemap(body, ctype, url, expected):
    assert looks_like_sitemap(body, ctype, url) is expected
