"""scrapy-redis scheduler with in-flight tracking.

``next_request`` pops the best request of the shared priority queue and, in the same
Lua script, stores it in the worker's in-flight hash.  The entry is removed only when
the engine is completely done with the request (downloaded, callback run, every
request it produced pushed to the queue) -- the engine slot's ``remove_request``.
Before that, the WARC file is flushed, so a URL that leaves the in-flight hash has its
records on disk.  A worker whose heartbeat expires gets its in-flight requests pushed
back into the queue by a live worker (straight into the sorted set: the dupefilter
never sees them again).

Also removes the ``spider=`` arguments scrapy-redis 0.9.1 passes to the stats
collector (deprecated in Scrapy 2.13+).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy_redis.scheduler import Scheduler

from crawler.distributed.coordinator import Coordinator

logger = logging.getLogger(__name__)


class DistributedScheduler(Scheduler):
    crawler: Any = None
    coord: Coordinator

    @classmethod
    def from_crawler(cls, crawler: Any) -> DistributedScheduler:
        inst = cls.from_settings(crawler.settings)
        inst.stats = crawler.stats
        inst.crawler = crawler
        inst.coord = Coordinator.of(crawler)
        inst.max_inflight = crawler.settings.getint("CRAWLER_WORKER_MAX_INFLIGHT", 0) or \
            crawler.settings.getint("CONCURRENT_REQUESTS", 16)
        inst._tracked: dict[int, tuple[Any, str]] = {}
        inst._downloading: set[int] = set()
        #: requests whose response arrived (archived): done even if the worker is closing
        inst._answered: set[int] = set()
        from scrapy import signals

        crawler.signals.connect(inst._left_downloader, signal=signals.request_left_downloader)
        crawler.signals.connect(inst._answered_request, signal=signals.response_received)
        return inst

    def _answered_request(self, response: Any = None, request: Any = None, spider: Any = None) -> None:
        if request is not None and id(request) in self._tracked:
            self._answered.add(id(request))

    def _left_downloader(self, request: Any, spider: Any = None) -> None:
        self._downloading.discard(id(request))

    def open(self, spider: Any) -> None:
        super().open(spider)
        self._hook_engine()

    def _hook_engine(self) -> None:
        """Call :meth:`request_done` when the engine drops a request from its slot."""
        slot = getattr(getattr(self.crawler, "engine", None), "_slot", None)
        if slot is None or not hasattr(slot, "remove_request"):
            logger.warning("cannot track request completion on this Scrapy version; "
                           "in-flight requests are released when their response arrives")
            from scrapy import signals

            self.crawler.signals.connect(lambda request, **kw: self.request_done(request),
                                         signal=signals.response_received, weak=False)
            return
        original = slot.remove_request

        def remove_request(request: Any) -> None:
            try:
                self.request_done(request)
            finally:
                original(request)

        slot.remove_request = remove_request

    def enqueue_request(self, request: Any) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.coord.push(self.queue.key, self.queue._encode_request(request), request.priority)
        return True

    def next_request(self) -> Any:
        # Prefetch limit: requests taken but not yet through the downloader (a request
        # stays in flight in Redis until its items and follow-ups are processed, but
        # slow extraction must not stop this worker from fetching).
        if len(self._downloading) >= self.max_inflight or self.coord.closing:
            return None
        popped = self.coord.pop(self.queue.key)
        if popped is None:
            if self.coord.budget_spent:
                self._end_by_budget()
            return None
        field, data = popped
        try:
            request = self.queue._decode_request(data)
        except Exception:
            logger.exception("undecodable request in the queue (dropped): %r", data[:200])
            self.coord.done(field)
            return None
        self._tracked[id(request)] = (request, field)
        self._downloading.add(id(request))
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def _end_by_budget(self) -> None:
        """``--max-pages`` is spent for the whole crawl: it is complete; this worker
        closes once its requests in flight are done (as a single crawl does)."""
        if getattr(self, "_ending", False):
            return
        self._ending = True
        self.coord.end_by_budget()
        if self.stats:
            self.stats.set_value("frontier/ended_by", "max_pages")
        logger.info("crawl budget spent: %d fetches (--max-pages %d); stopping",
                    self.coord.budget_used(), self.coord.max_pages)
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(self.crawler.engine.close_spider_async(reason="max_pages"))

    def request_done(self, request: Any) -> None:
        self._downloading.discard(id(request))
        entry = self._tracked.pop(id(request), None)
        if entry is None:
            return
        answered = id(request) in self._answered
        self._answered.discard(id(request))
        engine_slot = getattr(self.crawler.engine, "_slot", None)
        if not answered and (self.coord.closing or getattr(engine_slot, "closing", None)):
            # Shutting down before the crawl is complete and this request got no
            # response (cancelled, or refused by the closing worker): leave it in
            # flight, it is re-queued when the worker closes.  A request that was
            # answered is archived and its callback has run: re-queueing it would make
            # another worker fetch the same URL again.
            return
        flush_archive(self.crawler)
        self.coord.done(entry[1])

    @property
    def inflight(self) -> int:
        return len(self._tracked)

    def close(self, reason: str) -> None:
        # The queue and dupefilter are shared: never flushed by one worker
        # (SCHEDULER_PERSIST is forced on); unfinished requests go back to the queue.
        self.coord.closing = True
        back = self.coord.requeue(self.coord.worker)
        if back:
            logger.info("re-queued %d unfinished request(s) for the other workers", len(back))
            if self.stats:
                self.stats.inc_value("distributed/requeued_on_close", len(back))


def flush_archive(crawler: Any) -> None:
    """Push the WARC records and crawl-log lines written so far to the OS (they then
    survive a SIGKILL of the worker; not a power loss: no fsync)."""
    from crawler.archive.archiver import _ATTR as ARCHIVER_ATTR

    archiver = getattr(crawler, ARCHIVER_ATTR, None)
    for fh in (getattr(getattr(archiver, "writer", None), "_fh", None), getattr(archiver, "_log", None)):
        if fh is not None and not fh.closed:
            fh.flush()
