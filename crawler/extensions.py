"""Lifecycle extensions: run finalisation (WARC close, crawl log, manifest), terminal
progress and garbage-collector tuning."""

from __future__ import annotations

import gc
import logging
import resource
import sys
import time
from typing import Any

from scrapy import signals
from twisted.internet import task

from crawler.archive.archiver import Archiver
from crawler.context import RunContext
from crawler.outcome import NOTHING_FETCHED, CrawlOutcome

logger = logging.getLogger(__name__)


class RunFinalizer:
    """At spider close: close the last WARC, store the crawl log, write the manifest.

    Item pipelines (JSON Lines parts) are closed by Scrapy before ``spider_closed``,
    so the manifest written here lists every file of the run.
    """

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.manifest: dict[str, Any] | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RunFinalizer:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        ctx = RunContext.of(self.crawler)
        self.crawler.stats.set_value("crawl_id", ctx.crawl_id)
        logger.info("crawl %s writing to %s", ctx.crawl_id, ctx.store.uri)

    def spider_closed(self, spider: Any, reason: str) -> None:
        ctx = RunContext.of(self.crawler)
        archiver = Archiver.from_crawler(self.crawler)
        archiver.close()
        if archiver.dedup is not None:
            archiver.dedup.close()
        # CPU spent by this process (the crawl engine, archiving, pipelines) and by its
        # reaped children (the extraction workers, closed with the item pipelines)
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        self.crawler.stats.set_value("cpu/crawler_seconds", round(own.ru_utime + own.ru_stime, 3))
        self.crawler.stats.set_value("cpu/workers_seconds", round(children.ru_utime + children.ru_stime, 3))
        outcome = CrawlOutcome.of(self.crawler)
        # pages fetched (robots.txt aside): summed over the workers of a distributed crawl,
        # whose merged manifest decides "nothing fetched" (crawler.distributed.context)
        self.crawler.stats.set_value("outcome/pages_fetched", outcome.pages)
        stats = self.crawler.stats.get_stats()
        status = "finished" if reason in ("finished", "max_pages", "closespider_pagecount",
                                          "closespider_itemcount") else reason
        verdict = outcome.verdict(ctx.seeds)
        if verdict is not None and status == "finished" and not self.crawler.settings.get("CRAWLER_REDIS_URL"):
            # (a worker of a distributed crawl may rightly find nothing left to fetch)
            status = "failed"
            ctx.failure = {"failure": NOTHING_FETCHED, "reason": f"nothing archived: {verdict}"}
            logger.info("crawl %s archived nothing: %s", ctx.crawl_id, verdict)
        else:
            outcome.warn_failed_seeds()
        ctx.write_manifest(stats, status)


class GcTuning:
    """Tune CPython's cyclic garbage collector for a long crawl (``CRAWLER_GC_THRESHOLDS``).

    When the engine starts, everything alive (modules, settings, components: tens of
    thousands of objects that live as long as the crawl) is frozen out of the collector's
    view (``gc.freeze``), and collections run after more allocations than CPython's
    default (700): with the defaults a crawl spends ~10 % of the engine's time re-scanning
    those objects.  Cycles (Twisted Failures, Deferred chains) are still collected, so
    memory stays bounded.  ``CRAWLER_GC_THRESHOLDS = []`` keeps the defaults.
    """

    def __init__(self, crawler: Any):
        self.thresholds = [int(x) for x in crawler.settings.getlist("CRAWLER_GC_THRESHOLDS")]
        self._saved: tuple[int, ...] | None = None
        if self.thresholds:
            crawler.signals.connect(self.engine_started, signal=signals.engine_started)
            crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Any) -> GcTuning:
        return cls(crawler)

    def engine_started(self) -> None:
        self._saved = gc.get_threshold()
        gc.collect()
        gc.freeze()
        gc.set_threshold(*self.thresholds)

    def engine_stopped(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            gc.unfreeze()
            self._saved = None


class Progress:
    """A one-line live progress display on a terminal (pages/s, queued, articles, errors)."""

    def __init__(self, crawler: Any, interval: float = 1.0):
        self.crawler = crawler
        self.interval = interval
        self.enabled = crawler.settings.getbool("CRAWLER_PROGRESS", sys.stderr.isatty())
        self._task: task.LoopingCall | None = None
        self._live: Any = None
        self._start = time.monotonic()
        if self.enabled:
            crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
            crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> Progress:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        import atexit

        from rich.console import Console
        from rich.live import Live

        self._live = Live(self._render(), console=Console(stderr=True), refresh_per_second=4,
                          transient=True)
        self._live.start()  # hides the cursor
        # A forced stop (second Ctrl-C) stops the reactor without spider_closed: the
        # cursor must come back all the same.
        atexit.register(self.stop_display)
        self._task = task.LoopingCall(self._tick)
        self._task.start(self.interval, now=False)

    def stop_display(self) -> None:
        live, self._live = self._live, None
        if live is None:
            return
        try:
            live.stop()
        except Exception:  # noqa: BLE001 - at exit: never fail, but always show the cursor
            pass
        try:
            sys.stderr.write("\x1b[?25h")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass

    def _render(self) -> Any:
        from rich.text import Text

        stats = self.crawler.stats
        pages = stats.get_value("response_received_count", 0)
        elapsed = max(time.monotonic() - self._start, 1e-6)
        queued = 0
        engine = self.crawler.engine
        try:
            queued = len(engine._slot.scheduler)  # type: ignore[union-attr]
        except Exception:  # scheduler without __len__
            pass
        errors = sum(v for k, v in stats.get_stats().items()
                     if k.startswith(("fetch/failed/", "extract/error")) and isinstance(v, int))
        return Text(
            f"crawling  pages {pages}  ({pages / elapsed:.1f}/s)  queued {queued}  "
            f"articles {stats.get_value('articles/written', 0)}  errors {errors}",
        )

    def _tick(self) -> None:
        if self._live is not None:
            self._live.update(self._render())

    def spider_closed(self, spider: Any) -> None:
        if self._task and self._task.running:
            self._task.stop()
        self.stop_display()
