"""Broken sitemaps and feeds: invalid XML, not XML at all, empty, "gzip" that is not gzip,
corrupt gzip, gzip bombs (as a .gz file and as Content-Encoding), XXE and billion-laughs
documents, a sitemap index loop, a huge (15 MB, 50,000 URLs) sitemap; truncated, binary
and invalid feeds.  One crawl of the ``discovery`` group of the hostile site."""

from __future__ import annotations

import pytest

from crawler.demo.hostile import (
    FEED_ONLY_ARTICLE,
    HUGE_SITEMAP_ARTICLE,
    SITEMAP_ONLY_ARTICLE,
)
from tests.hardening._support import check_good_articles, check_memory, check_outputs
from tests.hardening.conftest import CrawlSpec

HUGE_URLS = 50_000
CRAWL = CrawlSpec("discovery", groups=("discovery",), site_options={"huge_sitemap_urls": HUGE_URLS})

INVALID_SITEMAPS = ("/sitemaps/binary.xml", "/sitemaps/html.xml", "/sitemaps/empty.xml",
                    "/sitemaps/not-gzip.xml.gz", "/sitemaps/corrupt.xml.gz", "/sitemaps/bomb.xml.gz")
INVALID_FEEDS = ("/feeds/binary.rss", "/feeds/invalid.json")
DECOMPRESSION_DROPPED = ("/sitemaps/bomb-content-encoding.xml", "/feeds/bomb.atom")


def test_crawl_finishes_and_everything_written_is_sound(hostile):
    check_outputs(hostile.run)
    check_good_articles(hostile.run, hostile.base)


def test_memory_bounded(hostile):
    check_memory(hostile.run)


@pytest.mark.parametrize("path", INVALID_SITEMAPS)
def test_invalid_sitemap_reported_in_one_line(hostile, path):
    url = hostile.url(path)
    assert hostile.served(path) == 1 and len(hostile.run.responses(url)) == 1
    lines = [line for line in hostile.run.stderr.splitlines() if url in line]
    assert len(lines) == 1 and "invalid sitemap" in lines[0], lines


def test_invalid_sitemaps_counted(hostile):
    assert hostile.run.stats.get("discovery/sitemap_invalid") == len(INVALID_SITEMAPS)


@pytest.mark.parametrize("path", INVALID_FEEDS)
def test_invalid_feed_reported_in_one_line(hostile, path):
    url = hostile.url(path)
    lines = [line for line in hostile.run.stderr.splitlines() if url in line]
    assert len(lines) == 1 and "invalid feed" in lines[0], lines


def test_invalid_feeds_counted(hostile):
    assert hostile.run.stats.get("discovery/feed_invalid") == len(INVALID_FEEDS)


@pytest.mark.parametrize("path", DECOMPRESSION_DROPPED)
def test_content_encoding_bombs_dropped_at_maxsize(hostile, path):
    url = hostile.url(path)
    lines = [line for line in hostile.run.stderr.splitlines() if url in line]
    assert any("DOWNLOAD_MAXSIZE" in line for line in lines), lines


def test_recoverable_entries_of_broken_documents_are_used(hostile):
    arts = hostile.run.articles_by_url()
    for path in (SITEMAP_ONLY_ARTICLE, FEED_ONLY_ARTICLE, HUGE_SITEMAP_ARTICLE):
        assert hostile.url(path) in arts, path


def test_huge_sitemap_parsed_and_off_site_entries_refused(hostile):
    assert hostile.served("/sitemaps/huge.xml") == 1
    assert hostile.run.stats.get("discovery/rejected/off-site", 0) >= HUGE_URLS
    assert not any("elsewhere-" in line for line in hostile.run.crawl_log())


def test_xml_entities_never_expanded(hostile):
    for entry in hostile.log:
        assert "root:" not in entry.path and "/bin/" not in entry.path, entry.path
        assert "lollol" not in entry.path and len(entry.path) < 2048, entry.path[:200]


def test_sitemap_index_loop_fetched_once_each(hostile):
    assert hostile.served("/sitemaps/index-loop.xml") == 1
    assert hostile.served("/sitemaps/index-loop-2.xml") == 1


def test_nothing_fetched_twice(hostile):
    paths = [e.path for e in hostile.log]
    assert len(paths) == len(set(paths)), sorted(p for p in set(paths) if paths.count(p) > 1)
