"""Global per-host politeness for distributed crawls.

Scrapy's download slots limit concurrency and delay *per process*; with N workers a
host would see N times ``CONCURRENT_REQUESTS_PER_DOMAIN``.  :class:`GlobalHostLimiter`
(a downloader middleware placed last before the download handler) makes every request
take a *lease* on its host in Redis first:

* ``newsarchiver:host:{<slot>}:leases`` -- sorted set of leases (member
  ``<worker>|<n>``, score = expiry in ms).  A request may start only while fewer than
  the slot's concurrency (``CONCURRENT_REQUESTS_PER_DOMAIN`` or the ``DOWNLOAD_SLOTS``
  value) leases are live.  A lease is released on response/failure; the owner renews
  its leases with its heartbeat, so a SIGKILLed worker's leases expire after
  ``CRAWLER_WORKER_TIMEOUT``.
* ``newsarchiver:host:{<slot>}:next`` -- earliest start time of the next request to the
  host (ms): ``max(DOWNLOAD_DELAY, robots.txt Crawl-delay)`` after the previous start,
  pushed further by a 429/503 ``Retry-After``.

Both checks and the lease are one Lua script (Redis server time, so worker clocks do
not matter).  A request that cannot get a lease waits (it is delayed, never dropped);
only one request per host and worker polls Redis at a time, the others queue locally.
Keys are per host, not per job: two crawls of the same host share the limits.
AutoThrottle keeps adapting each worker's own delay on top of this.
"""

from __future__ import annotations

import itertools
import logging
import random
from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, task

from crawler.distributed.coordinator import Coordinator

logger = logging.getLogger(__name__)

_ACQUIRE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return nxt - now end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local ttl = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl * 2)
local delay = tonumber(ARGV[3])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay + 1000) end
return 0
"""

_BACKOFF_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ = now + tonumber(ARGV[1])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > nxt then redis.call('SET', KEYS[1], until_, 'PX', tonumber(ARGV[1]) + 1000) end
return until_
"""

_RENEW_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', now + tonumber(ARGV[1]), ARGV[i + 1])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[1]) * 2)
end
return #KEYS
"""


def host_keys(slot: str) -> tuple[str, str]:
    base = f"newsarchiver:host:{{{slot}}}"
    return base + ":leases", base + ":next"


class GlobalHostLimiter:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.coord = Coordinator.of(crawler)
        self.client = self.coord.client
        s = crawler.settings
        self.per_host = s.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2) or 2
        self.delay = s.getfloat("DOWNLOAD_DELAY", 0.0)
        self.poll = s.getfloat("CRAWLER_GLOBAL_LIMIT_POLL", 0.02)
        self.ttl_ms = int(self.coord.timeout * 1000)
        self._acquire = self.client.register_script(_ACQUIRE_LUA)
        self._backoff = self.client.register_script(_BACKOFF_LUA)
        self._renew = self.client.register_script(_RENEW_LUA)
        self._seq = itertools.count(1)
        self._locks: dict[str, defer.DeferredLock] = {}
        self.held: dict[int, tuple[str, str]] = {}  # id(request) -> (slot, member)
        self._count: dict[str, int] = {}  # leases this worker holds per slot
        self._waiters: dict[str, list[defer.Deferred]] = {}
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> GlobalHostLimiter:
        obj = cls(crawler)
        crawler._newsarchiver_host_limiter = obj
        return obj

    def _slot_settings(self, key: str) -> tuple[int, float]:
        downloader = self.crawler.engine.downloader
        per_slot = downloader.per_slot_settings.get(key, {})
        conc = int(per_slot.get("concurrency", self.per_host) or self.per_host)
        delay = max(self.delay, float(per_slot.get("delay", 0.0) or 0.0))
        return conc, delay

    async def process_request(self, request: Any) -> None:
        if id(request) in self.held:
            return None
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        leases, nxt = host_keys(key)
        member = f"{self.coord.worker}|{next(self._seq)}"
        lock = self._locks.setdefault(key, defer.DeferredLock())
        await maybe_deferred_to_future(lock.acquire())
        waited = False
        try:
            while True:
                if self.coord.closing:
                    raise IgnoreRequest("worker closing: request left for the other workers")
                conc, delay = self._slot_settings(key)
                if self._count.get(key, 0) >= conc:
                    # This worker alone fills the host's quota: wait for one of its own
                    # leases to be released instead of polling Redis.
                    waited = True
                    await self._local_release(key)
                    continue
                wait_ms = int(self._acquire(keys=[leases, nxt],
                                            args=[member, conc, int(delay * 1000), self.ttl_ms]))
                if wait_ms == 0:
                    break
                waited = True
                wait = self.poll * random.uniform(0.5, 1.5) if wait_ms < 0 else min(wait_ms / 1000, 1.0)
                from twisted.internet import reactor

                await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))
        finally:
            lock.release()
        if waited:
            self.stats.inc_value("politeness/global_waits")
        self.held[id(request)] = (key, member)
        self._count[key] = self._count.get(key, 0) + 1
        return None

    async def _local_release(self, key: str, timeout: float = 1.0) -> None:
        from twisted.internet import reactor

        d: defer.Deferred = defer.Deferred()
        self._waiters.setdefault(key, []).append(d)
        call = reactor.callLater(timeout, lambda: d.called or d.callback(None))
        await maybe_deferred_to_future(d)
        if call.active():
            call.cancel()

    def _release(self, request: Any) -> None:
        entry = self.held.pop(id(request), None)
        if entry is None:
            return
        key, member = entry
        self.client.zrem(host_keys(key)[0], member)
        self._count[key] = max(0, self._count.get(key, 0) - 1)
        for d in self._waiters.pop(key, []):
            if not d.called:
                d.callback(None)

    def process_response(self, request: Any, response: Any) -> Any:
        self._release(request)
        if response.status in (429, 503):
            from crawler.discovery.politeness import parse_retry_after

            max_wait = self.crawler.settings.getfloat("CRAWLER_MAX_RETRY_AFTER", 120.0)
            wait = parse_retry_after(response.headers.get(b"Retry-After"))
            wait = min(wait if wait is not None else 5.0, max_wait)
            key = self.crawler.engine.downloader.get_slot_key(request)
            self._backoff(keys=[host_keys(key)[1]], args=[int(wait * 1000)])
        return response

    def process_exception(self, request: Any, exception: Exception) -> None:
        self._release(request)
        return None

    def renew(self) -> None:
        """Extend this worker's live leases (called with every heartbeat)."""
        if not self.held:
            return
        pipe = self.client.pipeline(transaction=False)
        for slot, member in list(self.held.values()):  # one key per call: Redis Cluster safe
            self._renew(keys=[host_keys(slot)[0]], args=[self.ttl_ms, member], client=pipe)
        pipe.execute()
