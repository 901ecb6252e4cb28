"""A page with 100,000 distinct in-site links: the crawl must stay bounded
(``--max-pages`` and the trap guard's pages-per-host limit) in time and memory.  One
crawl of the ``flood`` group of the hostile site."""

from __future__ import annotations

from crawler.demo.hostile import FLOOD_PATH
from tests.hardening._support import check_good_articles, check_memory, check_outputs
from tests.hardening.conftest import CrawlSpec

MAX_PAGES = 300
LINKS = 100_000
PER_HOST = 50_000  # CRAWLER_MAX_URLS_PER_HOST default
CRAWL = CrawlSpec("flood", groups=("flood",), args=("--max-pages", str(MAX_PAGES)),
                  settings={"EXTRACT_TIMEOUT": 10}, site_options={"flood_links": LINKS})


def test_crawl_stops_at_max_pages(hostile):
    check_outputs(hostile.run)
    stats = hostile.run.stats
    assert stats["finish_reason"] == "max_pages"
    # the budget is exact: fetches counted on the server, robots.txt included
    assert len(hostile.log) == MAX_PAGES
    assert stats["frontier/fetched"] == MAX_PAGES


def test_good_articles_still_extracted(hostile):
    check_good_articles(hostile.run, hostile.base)


def test_link_flood_is_capped_per_page(hostile):
    # CRAWLER_MAX_LINKS_PER_PAGE (default 5000) bounds what one page can schedule;
    # the per-host page limit of the trap guard is the second line of defence.
    stats = hostile.run.stats
    assert stats.get("discovery/link_flood_pages", 0) == 1
    assert stats["scheduler/enqueued"] <= min(5000, PER_HOST) + 100
    assert "CRAWLER_MAX_LINKS_PER_PAGE" in hostile.run.stderr


def test_memory_bounded(hostile):
    check_memory(hostile.run)


def test_flood_page_archived_once(hostile):
    url = hostile.url(FLOOD_PATH)
    assert len(hostile.run.responses(url)) == 1
    assert hostile.served(FLOOD_PATH) == 1
