"""The crawler-trap guard must count distinct URLs, not link occurrences: on an ordinary
site every page repeats the same navigation links, and a per-host page limit or a
query-variant limit reached by repeats alone would silently drop new pages.  One crawl of
the ``traps`` group of the hostile site with low limits that the site's *distinct* URLs
stay under."""

from __future__ import annotations

from crawler.demo.hostile import GOOD_PATHS, TRAP_LEAVES, TRAP_NAV, TRAP_SEARCH_LEAF, TRAP_SEARCH_NAV
from tests.hardening._support import check_outputs
from tests.hardening.conftest import CrawlSpec

# distinct URLs the spider schedules through its trap guard on this site: the seed linked
# back ("/"), 3 good articles, 5 nav pages, 5 leaves, 1 + 5 search URLs, 3 feed probes = 23
CRAWL = CrawlSpec("traps", groups=("traps",), settings={
    "CRAWLER_MAX_URLS_PER_HOST": 30, "CRAWLER_MAX_QUERY_VARIANTS": 8})


def test_crawl_finishes(hostile):
    check_outputs(hostile.run)


def test_every_distinct_page_fetched_despite_repeated_navigation_links(hostile):
    missing = [p for p in (*GOOD_PATHS, *TRAP_NAV, *TRAP_LEAVES) if hostile.served(p) != 1]
    assert not missing, f"not fetched: {missing}; trap stats " + str(
        {k: v for k, v in hostile.run.stats.items() if k.startswith("discovery/trap/")})


def test_query_variants_counted_once_each(hostile):
    variants = [TRAP_SEARCH_NAV, *(TRAP_SEARCH_LEAF.format(i) for i in range(len(TRAP_LEAVES)))]
    missing = [v for v in variants if hostile.served(v) != 1]
    assert not missing, f"not fetched: {missing}"


def test_no_trap_rejections_on_an_ordinary_site(hostile):
    traps = {k: v for k, v in hostile.run.stats.items() if k.startswith("discovery/trap/")}
    assert not traps, traps
