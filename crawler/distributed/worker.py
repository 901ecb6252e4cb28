"""The worker's background loop (a Scrapy extension).

Every ``CRAWLER_WORKER_POLL`` seconds: wake the engine when it has room and the
shared frontier has requests (Scrapy only looks at an idle scheduler every 5 s), which
also runs the idle/termination check.  Every ``CRAWLER_WORKER_HEARTBEAT`` seconds:
refresh the heartbeat, renew host leases, publish a stats snapshot (so a worker that
dies still counts in the merged stats), and re-queue the in-flight requests of workers
whose heartbeat expired.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import signals
from twisted.internet import task

from crawler.distributed.coordinator import Coordinator

logger = logging.getLogger(__name__)


class WorkerLoop:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.coord = Coordinator.of(crawler)
        s = crawler.settings
        self.poll = s.getfloat("CRAWLER_WORKER_POLL", 0.2)
        self.snapshot_every = s.getfloat("CRAWLER_WORKER_STATS_INTERVAL", 5.0)
        self._last_beat = 0.0
        self._last_snapshot = time.monotonic()
        self._task: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> WorkerLoop:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        self.coord.heartbeat()
        self._task = task.LoopingCall(self.tick)
        self._task.start(self.poll, now=True).addErrback(
            lambda f: logger.error("worker loop stopped: %s", f.getErrorMessage()))
        logger.info("worker %s (w%s) joined job %s, crawl %s", self.coord.worker, self.coord.index,
                    self.coord.job, self.coord.crawl_id)

    def spider_closed(self, spider: Any) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()

    def tick(self) -> None:
        try:
            self._tick()
        except Exception:  # never let the loop die: the heartbeat depends on it
            logger.exception("worker loop error")

    def _tick(self) -> None:
        if self.coord.closing:
            self.coord.heartbeat()
            return
        now = time.monotonic()
        if now - self._last_beat >= self.coord.heartbeat_interval:
            self._last_beat = now
            self.coord.heartbeat()
            limiter = getattr(self.crawler, "_newsarchiver_host_limiter", None)
            if limiter is not None:
                limiter.renew()
            urls = self.coord.reap_dead()
            if urls:
                self.crawler.stats.inc_value("distributed/requeued_from_dead", len(urls))
            if now - self._last_snapshot >= self.snapshot_every:
                self._last_snapshot = now
                self._snapshot()
        self._wake()

    def _snapshot(self) -> None:
        from crawler.context import RunContext

        ctx = RunContext.of(self.crawler)
        make_part = getattr(ctx, "make_part", None)
        if make_part is not None:
            self.coord.put_part(make_part(self.crawler.stats.get_stats(), "running"))

    def _wake(self) -> None:
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        if engine is None or slot is None or slot.closing or not engine.running:
            return
        if engine.needs_backout():
            return
        slot.nextcall.schedule()
