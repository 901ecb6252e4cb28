"""HostQueues: FIFO within a priority (memory and JOBDIR disk queues), better priority
first, hosts taking turns, state kept across a close/reopen (pure logic, no network)."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.squeues import FifoMemoryQueue, PickleFifoDiskQueue
from scrapy.utils.test import get_crawler

from crawler.discovery.frontier import FrontierState, HostQueues, pattern_key
from crawler.discovery.priorities import (
    PRIO_DEMOTED,
    PRIO_DISCOVERY,
    PRIO_LISTED,
    PRIO_SEED,
    link_priority,
    listed_priority,
)


def _drain(q, served=None):
    out = []
    while True:
        r = q.pop()
        if r is None:
            return out
        out.append(r.url)
        host = r.url.split("/")[2]
        FrontierState.of(q.crawler).turns[host] += 1
        q.touch(host)


@pytest.mark.parametrize("disk", [False, True])
def test_fifo_within_priority_and_priority_order(tmp_path, disk):
    crawler = get_crawler()
    key = str(tmp_path / "q") if disk else ""
    cls = PickleFifoDiskQueue if disk else FifoMemoryQueue
    q = HostQueues(crawler, cls, key)
    for i in range(5):
        q.push(Request(f"http://a.test/link{i}", priority=link_priority(1)))
    for i in range(3):
        q.push(Request(f"http://a.test/listed{i}", priority=PRIO_LISTED + 3))
    q.push(Request("http://a.test/sitemap.xml", priority=PRIO_DISCOVERY))
    if disk:  # survives a close and a reopen (JOBDIR resume)
        state = q.close()
        q = HostQueues(crawler, cls, key, state)
    assert len(q) == 9
    assert _drain(q) == (["http://a.test/sitemap.xml"] + [f"http://a.test/listed{i}" for i in range(3)]
                         + [f"http://a.test/link{i}" for i in range(5)])


def test_hosts_take_turns():
    crawler = get_crawler()
    q = HostQueues(crawler, FifoMemoryQueue, "")
    for i in range(30):  # the big host is queued first
        q.push(Request(f"http://big.test/{i}", priority=PRIO_LISTED))
    for h in ("a", "b"):
        for i in range(3):
            q.push(Request(f"http://{h}.test/{i}", priority=PRIO_SEED))
    first = [u.split("/")[2] for u in _drain(q)[:9]]
    assert first.count("big.test") == 3 and first.count("a.test") == 3 and first.count("b.test") == 3


def test_ineligible_host_skipped_not_lost():
    crawler = get_crawler()
    q = HostQueues(crawler, FifoMemoryQueue, "")
    q.push(Request("http://a.test/1"))
    q.push(Request("http://b.test/1"))
    assert q.pop(lambda host: host == "b.test").url == "http://b.test/1"
    assert q.pop(lambda host: host == "b.test") is None
    assert q.pop().url == "http://a.test/1"


def test_listed_priority_newest_first():
    from datetime import datetime, timedelta, timezone

    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    prios = [listed_priority(now - timedelta(hours=h), now) for h in (0.5, 5, 30, 200, 5000, 20000)]
    assert prios == sorted(prios, reverse=True) and len(set(prios)) == len(prios)
    assert listed_priority(None) == PRIO_LISTED < min(prios)
    assert min(prios) > PRIO_SEED > link_priority(1, listing=True) > link_priority(1) > link_priority(2, listing=True)
    assert link_priority(2) > link_priority(500) > PRIO_DEMOTED


def test_pattern_key():
    assert pattern_key("http://a.test/politics/2024/x.html") == "a.test/politics/"
    assert pattern_key("http://a.test/x.html") == "a.test/"
