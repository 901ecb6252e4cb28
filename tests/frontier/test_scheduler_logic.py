"""FrontierScheduler's decisions on a stand-in engine (pure logic): a link later listed
in a sitemap is fetched once, at the listed priority; the budget counts requests in
flight; a spent budget closes the spider with reason max_pages."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy import Request, Spider
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.test import get_crawler

from crawler.discovery.frontier import FrontierScheduler, FrontierState
from crawler.discovery.priorities import PRIO_LISTED, link_priority


def _scheduler(**settings):
    crawler = get_crawler(Spider, settings_dict={"CRAWLER_MAX_PAGES": 0, **settings})
    closed = []

    def close_spider_async(reason):  # the real one is a coroutine; the scheduler only starts it
        closed.append(reason)

    downloader = SimpleNamespace(slots={}, per_slot_settings={}, ip_concurrency=0, domain_concurrency=8, active=set(),
                                 get_slot_key=lambda r: urlparse_cached(r).hostname,
                                 middleware=SimpleNamespace(middlewares=[]))
    crawler.engine = SimpleNamespace(downloader=downloader, close_spider_async=close_spider_async)
    sched = FrontierScheduler.from_crawler(crawler)
    sched.open(Spider("t"))
    return sched, crawler, closed


def _next(sched, crawler):
    req = sched.next_request()
    if req is not None:
        crawler.engine.downloader.active.add(req)
    return req


def test_link_then_listed_is_fetched_once_at_the_better_priority():
    sched, crawler, _ = _scheduler()
    sched.enqueue_request(Request("http://a.test/story", priority=link_priority(1)))
    sched.enqueue_request(Request("http://a.test/other", priority=link_priority(1)))
    better = Request("http://a.test/story", priority=PRIO_LISTED + 5, dont_filter=True)
    assert sched.upgrade(better)
    assert sched.enqueue_request(better)
    got = [_next(sched, crawler) for _ in range(3)]
    assert [(r.url, r.priority) for r in got if r] == [
        ("http://a.test/story", PRIO_LISTED + 5), ("http://a.test/other", link_priority(1))]
    assert got[2] is None and len(sched) == 0
    # once dispatched, a later sighting is no upgrade
    assert not sched.upgrade(Request("http://a.test/other", priority=PRIO_LISTED + 9))


def test_budget_counts_in_flight_and_ends_the_crawl():
    sched, crawler, closed = _scheduler(CRAWLER_MAX_PAGES=3)
    for i in range(6):
        sched.enqueue_request(Request(f"http://a.test/{i}"))
    assert all(_next(sched, crawler) is not None for _ in range(3))
    assert _next(sched, crawler) is None  # 3 in flight: nothing more
    assert not closed
    FrontierState.of(crawler).fetched = 3  # they reached the network
    assert _next(sched, crawler) is None
    assert closed == ["max_pages"]
    assert sched.stats.get_value("frontier/ended_by") == "max_pages"
    assert len(sched) == 3  # kept (JOBDIR saves them)
