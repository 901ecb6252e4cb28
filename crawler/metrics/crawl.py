"""The crawl's Prometheus metrics: a Scrapy extension (``CRAWLER_METRICS_PORT``).

Each crawl gets its own :class:`~prometheus_client.CollectorRegistry` (never the global
one: tests and embedding code may run several crawlers in one process).  Pages are
counted from the ``response_received`` signal by status and discovery source
(``request.meta["source"]``); everything else is read from the crawl's own state --
Scrapy's stats, the scheduler, the extraction pool, the WARC writer, the store's
pending uploads -- into a snapshot taken on the reactor thread once a second, which the
HTTP thread turns into metric families.  So scrapes never touch the crawl's objects
from another thread, and a scrape costs the crawl nothing.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily
from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.metrics.server import MetricsServer, announce

logger = logging.getLogger(__name__)

P = "newsarchiver_"
#: ``request.meta["source"]`` values; anything else is counted as ``other``.
SOURCES = ("robots", "sitemap", "feed", "seed", "listing", "link", "resource")
#: Older or finer source names, counted under one of :data:`SOURCES`.
SOURCE_ALIASES = {"news-sitemap": "sitemap", "sitemap-index": "sitemap", "page": "link"}
#: Extraction latency buckets (seconds): pages take ~10-100 ms, a stuck one up to the timeout.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def error_kind(key: str) -> str | None:
    """The ``kind`` label of an error counter among the Scrapy stats keys (None: not one)."""
    if key.startswith("fetch/errors/"):
        name = key[len("fetch/errors/"):]
        return name.replace("http_", "http ", 1) if name.startswith("http_") else f"fetch {name}"
    if key == "extract/error":
        return "extraction"
    if key in ("discovery/sitemap_invalid", "discovery/feed_invalid", "discovery/link_extraction_errors"):
        return key.split("/", 1)[1]
    if key.startswith("netguard/blocked/"):
        return "blocked " + key.rsplit("/", 1)[1]
    return None


#: Duplicates by kind, from the stats keys.
DUPLICATE_KEYS = {
    "revisit": "dedup/revisits",                  # payload already archived: revisit record
    "near_duplicate": "articles/near_duplicates",  # article marked duplicate_of
    "unchanged": "dedup/unchanged_pages",          # 304 / unchanged page: no extraction
    "link": "discovery/repeated_links",            # link already seen in the run
}


class CrawlMetrics:
    """Serves the crawl's metrics on ``CRAWLER_METRICS_HOST:CRAWLER_METRICS_PORT``
    (off when the port is 0 / unset) from ``engine_started`` until the engine stops."""

    def __init__(self, crawler: Any):
        settings = crawler.settings
        self.port = settings.getint("CRAWLER_METRICS_PORT", 0)
        if self.port <= 0:
            raise NotConfigured  # no message: Scrapy would log a WARNING on every crawl without metrics
        self.host = settings.get("CRAWLER_METRICS_HOST") or "127.0.0.1"
        self.interval = settings.getfloat("CRAWLER_METRICS_INTERVAL", 1.0)
        self.worker = str(settings.get("CRAWLER_WORKER_NAME") or "") if settings.get("CRAWLER_REDIS_URL") else ""
        self.crawler = crawler
        self.registry = CollectorRegistry(auto_describe=True)
        self.pages = Counter(P + "pages_fetched", "Responses received, by HTTP status and discovery source",
                             ["status", "source"], registry=self.registry)
        self.latency = Histogram(P + "extraction_seconds", "Time from handing a page to the extraction "
                                 "pool to its result (queueing included)", buckets=LATENCY_BUCKETS,
                                 registry=self.registry)
        self.registry.register(_Snapshot(self))
        self.snapshot: dict[str, Any] = {}
        self.started = time.time()
        self.running = True
        self.server: MetricsServer | None = None
        self._announced: Any = None
        self._loop: task.LoopingCall | None = None
        self._pool: Any = None
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlMetrics:
        return cls(crawler)

    # -- lifecycle ---------------------------------------------------------------------
    def engine_started(self) -> None:
        self.started = time.time()
        self.refresh()
        try:
            self.server = MetricsServer(self.registry, self.port, self.host)
        except OSError as exc:
            logger.error("cannot serve metrics on %s:%s: %s (the crawl goes on without them)",
                         self.host, self.port, exc)
            return
        logger.info("metrics on %s", self.server.url)
        try:
            from crawler.context import RunContext

            ctx = RunContext.of(self.crawler)
            self._announced = announce(ctx.store.state_dir(), ctx.crawl_id, self.server.url)
        except Exception as exc:  # noqa: BLE001 - announcing is a convenience for the dashboard
            logger.debug("metrics endpoint not announced: %s", exc)
        self._loop = task.LoopingCall(self.refresh)
        self._loop.start(self.interval, now=False)

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.refresh()
        self.running = False
        self.snapshot["running"] = 0

    def engine_stopped(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self._announced is not None:
            self._announced.unlink(missing_ok=True)
        if self.server is not None:
            self.server.close()
            self.server = None

    # -- signals -------------------------------------------------------------------------
    def response_received(self, response: Any, request: Any, spider: Any) -> None:
        source = request.meta.get("source")
        if not source:  # Scrapy's robots.txt middleware sends its own requests
            source = "robots" if request.url.endswith("/robots.txt") else "other"
        source = SOURCE_ALIASES.get(source, source)
        self.pages.labels(str(response.status), source if source in SOURCES else "other").inc()

    # -- the snapshot (reactor thread) ------------------------------------------------------
    def refresh(self) -> None:
        try:
            self.snapshot = self._take()
        except Exception as exc:  # noqa: BLE001 - metrics must never break a crawl
            logger.debug("metrics snapshot failed: %s", exc)

    def _take(self) -> dict[str, Any]:
        stats = dict(self.crawler.stats.get_stats())
        snap: dict[str, Any] = {"stats": stats, "running": 1 if self.running else 0}
        engine = self.crawler.engine
        try:
            snap["queue"] = len(engine._slot.scheduler)  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - no engine slot yet / a scheduler without __len__
            snap["queue"] = None
        try:
            snap["inflight"] = len(engine.downloader.active)
        except Exception:  # noqa: BLE001
            snap["inflight"] = None
        snap["pool"] = self._pool_state()
        snap.update(self._archive_state())
        return snap

    def _pool_state(self) -> dict[str, Any] | None:
        from crawler.pipelines import extraction_pool_of

        pool = extraction_pool_of(self.crawler)
        if pool is None:
            return None
        if pool is not self._pool:  # observe every page job's latency
            self._pool = pool
            observers = getattr(pool, "latency_observers", None)
            if observers is not None:
                observers.append(self.latency.observe)
        live = [w for w in list(getattr(pool, "_pool", [])) if not w.dead]
        s = pool.stats
        return {"workers": len(live), "configured": pool.workers, "queued": len(getattr(pool, "_pending", ())),
                "inflight": sum(len(w.inflight) for w in live), "submitted": s.submitted,
                "completed": s.completed, "crashes": s.crashes, "restarts": s.restarts,
                "hard_timeouts": s.hard_timeouts, "recycled": s.recycled,
                "broken": 1 if getattr(pool, "_broken", None) else 0}

    def _archive_state(self) -> dict[str, Any]:
        from crawler.context import RunContext

        out: dict[str, Any] = {}
        ctx = RunContext.of(self.crawler)
        out["crawl_id"], out["store"] = ctx.crawl_id, ctx.store.uri
        stored = sum(int(f.get("size") or 0) for f in list(ctx.files) if f.get("kind") == "warc")
        writer = getattr(getattr(self.crawler, "_newsarchiver_archiver", None), "writer", None)
        out["warc_bytes"] = stored + int(getattr(writer, "_pos", 0) or 0)
        pending_root = getattr(ctx.store, "pending_root", None)
        files = size = 0
        if pending_root is not None and pending_root.is_dir():
            for p in pending_root.rglob("*"):
                if p.is_file():
                    files += 1
                    size += p.stat().st_size
        out["pending_files"], out["pending_bytes"] = files, size
        return out


class _Snapshot:
    """Turns the latest snapshot into metric families (runs in the HTTP thread)."""

    def __init__(self, owner: CrawlMetrics):
        self.owner = owner

    def describe(self) -> list[Any]:
        return []  # names vary with the snapshot; nothing to check at registration

    def collect(self) -> Iterator[Any]:
        snap = self.owner.snapshot
        stats: dict[str, Any] = snap.get("stats") or {}

        def num(key: str) -> float:
            v = stats.get(key, 0)
            return float(v) if isinstance(v, (int, float)) else 0.0

        info = InfoMetricFamily(P + "crawl", "The crawl this process runs")
        labels = {"crawl_id": str(snap.get("crawl_id") or ""), "store": str(snap.get("store") or "")}
        if self.owner.worker:
            labels["worker"] = self.owner.worker  # a worker of a distributed crawl
        info.add_metric([], labels)
        yield info
        yield _gauge("crawl_running", "1 while the crawl runs, 0 once it is closing", snap.get("running", 1))
        yield _gauge("crawl_start_time_seconds", "When the crawl's engine started (Unix time)", self.owner.started)
        yield _counter("articles_written", "Article records written to JSON Lines", num("articles/written"))
        dup = CounterMetricFamily(P + "duplicates", "Duplicates by kind: revisit (payload already "
                                  "archived), near_duplicate (article marked duplicate_of), unchanged "
                                  "(page not modified), link (link already seen)", labels=["kind"])
        for kind, key in DUPLICATE_KEYS.items():
            dup.add_metric([kind], num(key))
        yield dup
        err = CounterMetricFamily(P + "errors", "Errors by kind (fetch <exception>, http <status>, "
                                  "extraction, sitemap_invalid, feed_invalid, blocked <reason>...)",
                                  labels=["kind"])
        for key in sorted(stats):
            kind = error_kind(key)
            if kind is not None:
                err.add_metric([kind], num(key))
        yield err
        yield _counter("warc_records", "WARC response records written (revisits: see duplicates)",
                       num("warc/records/response"))
        yield _counter("archived_bytes", "Bytes of WARC files written (gzip, as stored)", snap.get("warc_bytes", 0))
        yield _counter("response_bytes", "Bytes of response bodies received (decoded)",
                       num("downloader/response_bytes"))
        if snap.get("queue") is not None:
            yield _gauge("queue_size", "Requests waiting in the scheduler (frontier)", snap["queue"])
        if snap.get("inflight") is not None:
            yield _gauge("requests_in_flight", "Requests being downloaded", snap["inflight"])
        pool = snap.get("pool")
        if pool:
            yield _gauge("extraction_workers", "Live extraction worker processes", pool["workers"])
            yield _gauge("extraction_workers_configured", "Extraction workers the pool is sized for",
                         pool["configured"])
            yield _gauge("extraction_queue", "Page jobs waiting for a worker", pool["queued"])
            yield _gauge("extraction_in_flight", "Page jobs running in workers", pool["inflight"])
            yield _counter("extraction_jobs", "Page jobs completed by the pool", pool["completed"])
            yield _counter("extraction_worker_crashes", "Extraction workers that died", pool["crashes"])
            yield _counter("extraction_worker_restarts", "Extraction workers replaced after a crash "
                           "or a hard timeout", pool["restarts"])
            yield _counter("extraction_hard_timeouts", "Page jobs killed at the hard timeout",
                           pool["hard_timeouts"])
            yield _counter("extraction_worker_recycles", "Workers replaced after their task or memory limit",
                           pool["recycled"])
            yield _gauge("extraction_pool_broken", "1 when the pool gave up (workers keep dying)",
                         pool["broken"])
        yield _gauge("pending_uploads", "Files spooled locally waiting for the object store",
                     snap.get("pending_files", 0))
        yield _gauge("pending_upload_bytes", "Bytes spooled locally waiting for the object store",
                     snap.get("pending_bytes", 0))


def _gauge(name: str, doc: str, value: Any) -> GaugeMetricFamily:
    return GaugeMetricFamily(P + name, doc, value=float(value or 0))


def _counter(name: str, doc: str, value: Any) -> CounterMetricFamily:
    return CounterMetricFamily(P + name, doc, value=float(value or 0))
