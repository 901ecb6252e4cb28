import gzip
from datetime import datetime, timezone

import pytest

from crawler.discovery.sitemaps import (
    SitemapEntry,
    in_window,
    parse_sitemap,
    sitemap_urls_from_robots,
)

UTC = timezone.utc
BASE = "https://news.example.com/sitemaps/sitemap.xml"

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc> https://news.example.com/2026/01/15/first-story </loc>
    <lastmod>2026-01-15T10:00:00+01:00</lastmod>
    <image:image><image:loc>https://cdn.example.com/pic.jpg</image:loc></image:image>
  </url>
  <url><loc>/relative/path</loc><lastmod>2026-01-14</lastmod></url>
  <url><loc>../up-one</loc></url>
  <url><loc>mailto:desk@example.com</loc></url>
  <url><loc>javascript:alert(1)</loc></url>
  <url><lastmod>2026-01-01</lastmod></url>
  <url><loc>ftp://example.com/file</loc></url>
</urlset>"""

NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://news.example.com/world/big-thing-happened</loc>
    <news:news>
      <news:publication>
        <news:name>Example News</news:name>
        <news:language>de</news:language>
      </news:publication>
      <news:publication_date>2026-01-15T08:30:00-05:00</news:publication_date>
      <news:title>Big thing &amp; more</news:title>
    </news:news>
  </url>
</urlset>"""

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://news.example.com/sitemap-2026-01.xml.gz</loc><lastmod>2026-01-31</lastmod></sitemap>
  <sitemap><loc>sitemap-news.xml</loc></sitemap>
</sitemapindex>"""


def test_urlset_basic_resolution_and_filtering():
    kind, entries = parse_sitemap(URLSET, BASE)
    assert kind == "urlset"
    assert [e.url for e in entries] == [
        "https://news.example.com/2026/01/15/first-story",
        "https://news.example.com/relative/path",
        "https://news.example.com/up-one",
    ]
    first = entries[0]
    assert first.lastmod == datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    assert first.is_sitemap is False
    assert first.news_published is None and first.news_title is None and first.news_language is None
    assert entries[1].lastmod == datetime(2026, 1, 14, tzinfo=UTC)
    assert entries[2].lastmod is None


def test_google_news_sitemap():
    kind, entries = parse_sitemap(NEWS, BASE)
    assert kind == "urlset"
    assert entries == [
        SitemapEntry(
            url="https://news.example.com/world/big-thing-happened",
            lastmod=None,
            news_published=datetime(2026, 1, 15, 13, 30, tzinfo=UTC),
            news_title="Big thing & more",
            news_language="de",
            is_sitemap=False,
        )
    ]


def test_news_sitemap_with_undeclared_prefix_and_no_namespace():
    body = (
        b"<urlset><url><loc>https://a.example/x</loc><news:news><news:publication>"
        b"<news:language>fr</news:language></news:publication>"
        b"<news:publication_date>2026-01-02</news:publication_date>"
        b"<news:title>Titre</news:title></news:news></url></urlset>"
    )
    kind, entries = parse_sitemap(body, BASE)
    assert kind == "urlset"
    assert entries[0].news_language == "fr"
    assert entries[0].news_title == "Titre"
    assert entries[0].news_published == datetime(2026, 1, 2, tzinfo=UTC)


def test_odd_namespace_and_case():
    body = b'<URLSET xmlns="http://www.google.com/schemas/sitemap/0.84"><URL><LOC>http://a.example/</LOC></URL></URLSET>'
    assert parse_sitemap(body, BASE) == (
        "urlset",
        [SitemapEntry("http://a.example/", None, None, None, None, False)],
    )


def test_sitemapindex():
    kind, entries = parse_sitemap(INDEX, BASE)
    assert kind == "sitemapindex"
    assert [(e.url, e.is_sitemap) for e in entries] == [
        ("https://news.example.com/sitemap-2026-01.xml.gz", True),
        ("https://news.example.com/sitemaps/sitemap-news.xml", True),
    ]
    assert entries[0].lastmod == datetime(2026, 1, 31, tzinfo=UTC)


def test_gzip_body_detected_by_magic():
    assert parse_sitemap(gzip.compress(NEWS), BASE) == parse_sitemap(NEWS, BASE)


def test_gzip_bomb_is_invalid_and_bounded():
    inner = b"<urlset>" + b"<url><loc>http://a.example/</loc></url>" * 50_000 + b"</urlset>"
    bomb = gzip.compress(inner)
    assert parse_sitemap(bomb, BASE, max_bytes=100_000) == ("invalid", [])
    kind, entries = parse_sitemap(bomb, BASE)
    assert kind == "urlset" and len(entries) == 50_000


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<html><body><p>404</p></body></html>",
        b"<?xml version='1.0'?>",
        b"\x1f\x8b\x08\x00garbage",
        b'<rss version="2.0"><channel><item><link>http://a/</link></item></channel></rss>',
    ],
)
def test_invalid_never_raises(body):
    assert parse_sitemap(body, BASE) == ("invalid", [])


def test_truncated_xml_recovers_complete_entries():
    body = b"<urlset><url><loc>http://a.example/1</loc></url><url><loc>http://a.example/2</loc></url><url><lo"
    kind, entries = parse_sitemap(body, BASE)
    assert kind == "urlset"
    assert [e.url for e in entries][:2] == ["http://a.example/1", "http://a.example/2"]


def test_entities_are_not_resolved():
    xxe = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">
<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<urlset><url><loc>http://a.example/&xxe;</loc></url><url><loc>http://a.example/&b;</loc></url></urlset>"""
    kind, entries = parse_sitemap(xxe, BASE)
    assert kind == "urlset"
    # the entity references are kept unexpanded (as nodes), never substituted
    assert [e.url for e in entries] == ["http://a.example/", "http://a.example/"]


def _entry(lastmod=None, published=None):
    return SitemapEntry("http://a.example/", lastmod, published, None, None, False)


def test_in_window():
    since = datetime(2026, 1, 10, tzinfo=UTC)
    until = datetime(2026, 1, 20, tzinfo=UTC)
    d = lambda day: datetime(2026, 1, day, tzinfo=UTC)  # noqa: E731
    assert in_window(_entry(), since, until)  # no date -> kept
    assert in_window(_entry(lastmod=d(15)), since, until)
    assert in_window(_entry(lastmod=d(10)), since, until)  # inclusive
    assert in_window(_entry(lastmod=d(20)), since, until)
    assert not in_window(_entry(lastmod=d(9)), since, until)
    assert not in_window(_entry(lastmod=d(21)), since, until)
    assert in_window(_entry(lastmod=d(1)), None, None)
    assert in_window(_entry(lastmod=d(25)), since)  # no upper bound
    # news_published takes precedence over lastmod (re-crawled old story)
    assert not in_window(_entry(lastmod=d(15), published=d(2)), since, until)
    assert in_window(_entry(lastmod=d(2), published=d(15)), since, until)
    # naive bounds are UTC
    assert in_window(_entry(lastmod=d(15)), datetime(2026, 1, 15), datetime(2026, 1, 15))


def test_sitemap_urls_from_robots():
    robots = (
        b"User-agent: *\nDisallow: /private\n"
        b"Sitemap: https://news.example.com/sitemap.xml\n"
        b"sitemap:https://news.example.com/news-sitemap.xml # news\n"
        b"SITEMAP: https://news.example.com/sitemap.xml\n"
        b"Sitemap: /relative.xml\n"
        b"Sitemap: ftp://news.example.com/x.xml\n"
    )
    assert sitemap_urls_from_robots(robots) == [
        "https://news.example.com/sitemap.xml",
        "https://news.example.com/news-sitemap.xml",
    ]
    assert sitemap_urls_from_robots(robots.decode(), base_url="https://news.example.com/robots.txt")[-1] == (
        "https://news.example.com/relative.xml"
    )
    assert sitemap_urls_from_robots(b"") == []
    assert sitemap_urls_from_robots(b"\xff\xfe garbage \x00") == []
