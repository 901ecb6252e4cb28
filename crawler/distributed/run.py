"""Entry points: enqueue seeds, run one worker, ``crawl --redis`` (enqueue + work)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.distributed.coordinator import DEFAULT_JOB, Coordinator, default_worker_name, safe_name

logger = logging.getLogger(__name__)

LIMITER = "crawler.distributed.politeness.GlobalHostLimiter"
LOOP = "crawler.distributed.worker.WorkerLoop"


def redis_settings(url: str, job: str) -> dict[str, Any]:
    """The scrapy-redis settings of a job (queue, dupefilter, start URLs, serializer)."""
    from crawler.distributed.coordinator import Keys

    k = Keys(job)
    return {
        "REDIS_URL": url,
        "SCHEDULER": "crawler.distributed.scheduler.DistributedScheduler",
        "SCHEDULER_PERSIST": True,  # the frontier outlives any one worker
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": k.requests,
        "SCHEDULER_DUPEFILTER_KEY": k.dupefilter,
        "DUPEFILTER_CLASS": "crawler.distributed.dupefilter.CachedRFPDupeFilter",
        "SCHEDULER_SERIALIZER": "crawler.distributed.serializer",
        "REDIS_START_URLS_KEY": k.start_urls,
        "REDIS_START_URLS_AS_SET": False,
    }


def dedup_backend(url: str, job: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("namespace", job)
    return urlunsplit(parts._replace(query=urlencode(query)))


def seed_domains(seeds: list[str]) -> list[str]:
    from crawler.discovery.scope import registered_domain

    return sorted({registered_domain(urlsplit(s).hostname or "") for s in seeds} - {""})


def normalize_seeds(seeds: list[str]) -> tuple[list[str], list[str]]:
    from crawler.discovery.urls import canonicalize_url, is_http_url

    good, bad = [], []
    for s in seeds:
        s = s.strip()
        if not s:
            continue
        if "://" not in s:
            s = "http://" + s
        (good if is_http_url(s) else bad).append(s)
    return [canonicalize_url(s) for s in good], bad


def enqueue(url: str, seeds: list[str], job: str = DEFAULT_JOB, crawl_id: str | None = None) -> tuple[str, int]:
    """Add seeds to the job's start-URL list; returns (crawl id, seeds added)."""
    if crawl_id is not None:
        from crawler.crawlid import check_crawl_id

        check_crawl_id(crawl_id, "--crawl-id")
    coord = Coordinator(url, job, worker="enqueue")
    cid = coord.claim_crawl_id(crawl_id)
    n = coord.enqueue_seeds(seeds, seed_domains(seeds))
    return cid, n


def run_worker(overrides: dict[str, Any], *, verbose: int = 0, seeds: list[str] | None = None) -> Any:
    """Run one worker in this process until the crawl is complete; returns a CrawlResult
    whose manifest is the merged one (last worker) or this worker's part."""
    from scrapy.crawler import CrawlerProcess

    from crawler.distributed.spider import DistributedNewsSpider
    from crawler.runner import (EXIT_CRAWL_FAILED, EXIT_OK, EXIT_PENDING_UPLOAD, CrawlResult,
                                build_settings)
    from crawler.storage import open_store

    overrides = dict(overrides)
    base = build_settings(overrides, verbose)
    from crawler.runner import CrawlSetupError, check_browser

    try:
        check_browser(base)
    except CrawlSetupError as exc:
        raise ValueError(str(exc)) from None
    url = base.get("CRAWLER_REDIS_URL")
    if not url:
        raise ValueError("no Redis URL (--redis / CRAWLER_REDIS_URL)")
    job = safe_name(base.get("CRAWLER_REDIS_JOB") or DEFAULT_JOB)
    name = safe_name(base.get("CRAWLER_WORKER_NAME") or default_worker_name())
    store = open_store(base.get("CRAWLER_STORE") or "./archive")
    store.check_writable()
    wanted = base.get("CRAWLER_CRAWL_ID")
    if wanted:
        from crawler.crawlid import check_crawl_id

        check_crawl_id(wanted, "--crawl-id")  # a ValueError: exit 2
    coord = Coordinator(url, job, worker=name, timeout=base.getfloat("CRAWLER_WORKER_TIMEOUT", 15.0))
    if wanted and coord.current_crawl_id() != wanted:
        from crawler.crawlid import check_new_crawl_id

        check_new_crawl_id(store, wanted, "--crawl-id")  # it would start a new crawl: the id must be new
    crawl_id = coord.claim_crawl_id(wanted)
    if seeds:
        coord.enqueue_seeds(seeds, seed_domains(seeds))
    index = coord.register()
    overrides.update({"CRAWLER_REDIS_URL": url, "CRAWLER_REDIS_JOB": job, "CRAWLER_WORKER_NAME": name,
                      "CRAWLER_WORKER_INDEX": index, "CRAWLER_CRAWL_ID": crawl_id})
    settings = build_settings(overrides, verbose)
    for key, value in redis_settings(url, job).items():
        settings.set(key, value, priority="cmdline")
    # --max-pages is the crawl's budget, counted in Redis (Coordinator.pop); a worker of
    # its own can be stopped after N responses (its unfinished requests go back).
    if settings.getint("CRAWLER_WORKER_MAX_PAGES"):
        settings.set("CLOSESPIDER_PAGECOUNT", settings.getint("CRAWLER_WORKER_MAX_PAGES"), priority="cmdline")
    if not settings.get("DEDUP_BACKEND"):
        settings.set("DEDUP_BACKEND", dedup_backend(url, job), priority="cmdline")
    settings.set("WARC_PREFIX", f"{settings.get('WARC_PREFIX') or 'news'}-w{index}", priority="cmdline")
    mws = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    mws.setdefault(LIMITER, 960)
    # robots.txt once per host per crawl, shared by the workers (same order as Scrapy's own).
    from crawler.distributed.robots import ROBOTS_MIDDLEWARES, SHARED_ROBOTS_MIDDLEWARE

    for path in ROBOTS_MIDDLEWARES:
        mws[path] = None
    mws.setdefault(SHARED_ROBOTS_MIDDLEWARE, 100)
    settings.set("DOWNLOADER_MIDDLEWARES", mws, priority="cmdline")
    exts = dict(settings.getdict("EXTENSIONS"))
    exts.setdefault(LOOP, 5)
    settings.set("EXTENSIONS", exts, priority="cmdline")
    logger.info("worker %s (w%d) of job %s, crawl %s", name, index, job, crawl_id)

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(DistributedNewsSpider)
    process.crawl(crawler)
    process.start()

    from crawler.context import _ATTR

    ctx = getattr(crawler, _ATTR, None)
    manifest = getattr(ctx, "merged", None)
    if manifest is None and getattr(ctx, "part", None) is not None:
        part = ctx.part
        manifest = {"crawl_id": crawl_id, "status": part["status"], "worker": name,
                    "elapsed_seconds": part["elapsed_seconds"], "stats": part["stats"],
                    "files": [f for f in ctx.files], "note": "this worker's part; the last "
                    "worker to finish writes the merged manifest"}
    if manifest is None:
        return CrawlResult(crawl_id, EXIT_CRAWL_FAILED)
    own = (getattr(ctx, "part", None) or {}).get("status")  # how this worker ended
    code = EXIT_OK if own == "finished" else EXIT_CRAWL_FAILED
    if getattr(ctx, "merged", None) is not None and manifest.get("failure"):
        from crawler.runner import manifest_exit_code

        code = manifest_exit_code(manifest)  # this worker closed the crawl: its outcome (e.g. 5)
    if code == EXIT_OK and any(isinstance(f, dict) and f.get("pending") for f in ctx.files):
        code = EXIT_PENDING_UPLOAD  # this worker's files wait for crawler upload --pending
    return CrawlResult(crawl_id, code, manifest)


def run_distributed_crawl(seeds: list[str], overrides: dict[str, Any], *, verbose: int = 0) -> Any:
    """``crawler crawl --redis``: enqueue the seeds, then work as a worker."""
    good, _bad = normalize_seeds(seeds)
    return run_worker(overrides, verbose=verbose, seeds=good)
