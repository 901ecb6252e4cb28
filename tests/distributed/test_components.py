"""The distributed pieces against a real redis-server, without crawling: queue items,
in-flight bookkeeping and re-queueing, end-of-crawl detection, host leases, keys."""

from __future__ import annotations

import json
import time

import redis
import scrapy

from crawler.distributed import serializer
from crawler.distributed.context import WorkerStore, merge_stats
from crawler.distributed.coordinator import Coordinator, Keys, redact_url
from crawler.distributed.politeness import _ACQUIRE_LUA, host_keys
from crawler.reader import parse_article_key
from crawler.storage import layout, open_store

from tests.conftest import run_cli


def test_serializer_roundtrip_is_json():
    req = scrapy.Request("http://example.com/a?b=1", headers={"If-None-Match": '"x"'},
                         meta={"seed": "http://example.com/", "hops": "LS", "depth": 2,
                               "redirect_urls": ("http://example.com/old",), "warc": {"offset": 5}},
                         priority=10, body=b"\x00\xffdata")
    d = req.to_dict()
    data = serializer.dumps(d)
    json.loads(data)  # plain JSON, no pickle
    back = serializer.loads(data)
    assert back["headers"] == d["headers"]
    assert back["body"] == b"\x00\xffdata"
    assert back["meta"]["redirect_urls"] == ["http://example.com/old"]
    assert back["priority"] == 10 and back["url"] == req.url
    assert serializer.dumps(d) == data  # stable bytes (sorted-set members)


def test_pop_inflight_requeue_and_end_of_crawl(redis_url):
    a = Coordinator(redis_url, "t", worker="a", timeout=1.0, grace=0.3)
    b = Coordinator(redis_url, "t", worker="b", timeout=1.0, grace=0.3)
    cid = a.claim_crawl_id()
    assert b.claim_crawl_id() == cid
    a.register(), b.register()
    assert not a.crawl_done()  # never seeded: workers wait for seeds
    a.enqueue_seeds(["http://example.com/"], ["example.com"])
    item = json.loads(a.client.lindex(a.keys.start_urls, 0))
    assert item == {"url": "http://example.com/", "meta": {"seed": "http://example.com/", "hops": "",
                                                           "source": "seed", "link_depth": 0}}
    assert b.pop_start_items(10) and not a.pending_start_items()
    q = a.keys.requests
    for i in range(3):
        a.push(q, f"req{i}".encode(), i)
    field, data = b.pop(q)
    assert data == b"req2"  # best priority first
    assert a.client.hlen(b.keys.inflight("b")) == 1
    # b dies: its heartbeat expires, a re-queues its request straight into the queue.
    a.client.delete(a.keys.hb("b"))
    a.heartbeat()
    assert a.reap_dead() == ["?"]  # not a serialized request, but moved back all the same
    assert a.queue_size() == 3 and not a.client.hlen(a.keys.inflight("b"))
    # Drain; the crawl is complete only after the grace period of quiet.
    while (p := a.pop(q)) is not None:
        a.done(p[0])
    a.set_idle(True)
    assert not a.crawl_done()
    time.sleep(0.35)
    assert a.crawl_done() and b.crawl_done()
    # Closing: a is the last live worker (b is dead) and merges; nobody else can.
    a.close_worker()
    assert a.try_merge() is True
    assert b.try_merge() is None
    a.cleanup()
    assert a.client.keys(f"{Keys('t').prefix}:*") == [f"{Keys('t').merge}:{cid}".encode()]
    assert b.try_merge() is None  # cleaned up: never merged twice


def test_crawl_not_done_while_a_worker_is_busy(redis_url):
    a = Coordinator(redis_url, "t", worker="a", grace=0.0)
    b = Coordinator(redis_url, "t", worker="b", grace=0.0)
    a.claim_crawl_id()
    a.register(), b.register()
    a.enqueue_seeds(["http://example.com/"], ["example.com"])
    a.pop_start_items(10)
    a.set_idle(True)
    assert not a.crawl_done() and not a.crawl_done()  # b registered, alive, not idle
    b.set_idle(True)
    assert not a.crawl_done()  # first quiet observation
    assert a.crawl_done()


def test_host_lease_limits_concurrency_and_delay(redis_url):
    r = redis.Redis.from_url(redis_url)
    acquire = r.register_script(_ACQUIRE_LUA)
    leases, nxt = host_keys("example.com")
    assert acquire(keys=[leases, nxt], args=["w1|1", 2, 0, 5000]) == 0
    assert acquire(keys=[leases, nxt], args=["w2|1", 2, 0, 5000]) == 0
    assert acquire(keys=[leases, nxt], args=["w1|2", 2, 0, 5000]) == -1  # full: wait
    r.zrem(leases, "w2|1")
    assert acquire(keys=[leases, nxt], args=["w1|2", 2, 300, 5000]) == 0
    r.zrem(leases, "w1|1")
    wait = acquire(keys=[leases, nxt], args=["w1|3", 2, 300, 5000])
    assert 0 < wait <= 300  # DOWNLOAD_DELAY between starts, across workers
    # A dead worker's lease expires with its TTL.
    r.delete(leases, nxt)
    assert acquire(keys=[leases, nxt], args=["dead|1", 1, 0, 100]) == 0
    assert acquire(keys=[leases, nxt], args=["w1|4", 1, 0, 100]) == -1
    time.sleep(0.15)
    assert acquire(keys=[leases, nxt], args=["w1|4", 1, 0, 100]) == 0


def test_worker_store_keys(tmp_path):
    cid = "20261126T151500Z-3fa9c1"
    ws = WorkerStore(open_store(tmp_path), cid, 3)
    assert ws.rewrite(layout.crawl_log_key(cid)) == f"logs/{cid}.w3.crawl.log"
    key = ws.rewrite(layout.article_key("2026-11-26", "example.com", cid, 7))
    assert key == f"articles/date=2026-11-26/site=example.com/part-{cid}-300007.jsonl.gz"
    parsed = parse_article_key(key)
    assert parsed.crawl_id == cid and parsed.part == 300007
    assert ws.rewrite("warc/x/y.warc.gz") == "warc/x/y.warc.gz"
    assert merge_stats([{"a": 1, "start_time": "2026-01-02", "memusage/max": 5},
                        {"a": 2, "start_time": "2026-01-01", "memusage/max": 7}]) == \
        {"a": 3, "memusage/max": 7, "start_time": "2026-01-01"}
    assert redact_url("redis://:secret@10.0.0.5:6379/0?namespace=x") == "redis://:***@10.0.0.5:6379/0"


def test_enqueue_cli(redis_url):
    proc = run_cli("enqueue", "--redis", redis_url, "--job", "cli", "http://a.example/", "b.example/x",
                   timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["enqueued"] == 2 and out["job"] == "cli"
    r = redis.Redis.from_url(redis_url)
    k = Keys("cli")
    items = [json.loads(x) for x in r.lrange(k.start_urls, 0, -1)]
    assert [i["url"] for i in items] == ["http://a.example/", "http://b.example/x"]
    assert {d.decode() for d in r.smembers(k.domains)} == {"a.example", "b.example"}
    # Another crawl id while this one is running is refused.
    proc = run_cli("enqueue", "--redis", redis_url, "--job", "cli", "--crawl-id", "other",
                   "http://a.example/", timeout=60)
    assert proc.returncode == 2 and out["crawl_id"] in proc.stderr


def _req(url: str, **meta) -> bytes:
    return serializer.dumps(scrapy.Request(url, meta=meta).to_dict())


def test_a_url_is_taken_once_whatever_reaches_the_queue(redis_url):
    """The race of issue 16: two copies of one URL in the shared queue (two pushes that
    passed the dupefilter, a redirect landing on a linked URL...).  Before the claim, both
    copies were popped -- by two workers, each fetching the URL."""
    a = Coordinator(redis_url, "t", worker="a")
    b = Coordinator(redis_url, "t", worker="b")
    a.claim_crawl_id()
    a.register(), b.register()
    q = a.keys.requests
    a.push(q, _req("http://example.com/x", via="http://example.com/"), 0)
    b.push(q, _req("http://example.com/x", via="http://example.com/s"), 0)
    a.push(q, _req("http://example.com/y"), -1)
    got = [(c, c.pop(q)) for c in (a, b, a)]
    urls = [serializer.loads(p[1])["url"] for _c, p in got if p is not None]
    for c, p in got:
        if p is not None:
            c.done(p[0])
    assert sorted(urls) == ["http://example.com/x", "http://example.com/y"]
    assert a.dropped() == 1 and a.queue_size() == 0
    # A retry of a failed fetch may take its URL again.
    a.push(q, _req("http://example.com/x", retry_times=1), 0)
    field, data = b.pop(q)
    assert serializer.loads(data)["url"] == "http://example.com/x"
    b.done(field)
    # A dead worker's in-flight request goes back with its claim: fetched again, once.
    a.push(q, _req("http://example.com/z"), 0)
    assert b.pop(q) is not None
    a.client.delete(a.keys.hb("b"))
    assert a.reap_dead() == ["http://example.com/z"]
    assert serializer.loads(a.pop(q)[1])["url"] == "http://example.com/z"


def test_robots_claimed_by_one_worker_taken_over_when_it_dies(redis_url):
    a = Coordinator(redis_url, "t", worker="a", timeout=1.0)
    b = Coordinator(redis_url, "t", worker="b", timeout=1.0)
    a.claim_crawl_id()
    a.register(), b.register()
    assert a.claim_robots("example.com") and a.claim_robots("example.com")
    assert not b.claim_robots("example.com")
    a.client.delete(a.keys.hb("a"))  # a died before sharing the file
    assert b.claim_robots("example.com") and not a.claim_robots("example.com")
    b.share_robots("example.com", {"status": 200, "body": ""})
    assert a.shared_robots("example.com") == {"status": 200, "body": ""}


def test_queue_is_fifo_within_a_priority(redis_url):
    """Issue 16: FIFO among equal priorities in the shared queue too (a sorted set orders
    equal scores by member bytes, which is no order at all)."""
    a = Coordinator(redis_url, "t", worker="a")
    a.claim_crawl_id()
    a.register()
    q = a.keys.requests
    urls = [f"http://example.com/{c}" for c in "zyxwvu"]
    for i, u in enumerate(urls):
        a.push(q, _req(u), 90 if i % 2 else 150)
    a.push(q, _req("http://example.com/robots.txt"), 250)
    order = []
    while (p := a.pop(q)) is not None:
        order.append(serializer.loads(p[1])["url"])
        a.done(p[0])
    assert order == ["http://example.com/robots.txt"] + urls[0::2] + urls[1::2]
