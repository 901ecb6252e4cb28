"""Run one crawl in this process and summarise it.

Twisted's reactor cannot be restarted, so one process runs one crawl; the scheduler
(later) starts each run as a subprocess.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import defaults
from crawler.clierror import cli_error
from crawler.context import new_crawl_id
from crawler.exitcodes import (EXIT_BUSY, EXIT_FAILED as EXIT_CRAWL_FAILED, EXIT_NOTHING_FETCHED, EXIT_OK,
                               EXIT_PENDING_UPLOAD, EXIT_STORE, EXIT_USAGE)
from crawler.humansize import human_size
from crawler.storage import StoreError, layout, open_store

logger = logging.getLogger(__name__)

#: the store's crawl lock (``state/crawl.lock``): one plain crawl per store at a time
STORE_LOCK = "crawl.lock"

_SECRET_KEY = re.compile(
    r"""(['"]?\w*(?:SECRET|PASSWORD|PASSWD|TOKEN|ACCESS_KEY|CREDENTIAL|PROXY)\w*['"]?\s*[:=]\s*)(['"]?)[^'",\s}]+""",
    re.IGNORECASE)
_URL_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s:@'\"]+:[^/\s@'\"]+@", re.IGNORECASE)


def mask_secrets(text: str) -> str:
    """Hide setting values that look like credentials and ``user:password@`` in URLs."""
    text = _URL_USERINFO.sub(r"\1***:***@", text)
    return _SECRET_KEY.sub(lambda m: m.group(1) + m.group(2) + "***", text)


class SecretFilter(logging.Filter):
    """Masks credentials in log records (e.g. Scrapy's 'Overridden settings' line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is not ours to fix
            return True
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def install_secret_filter() -> None:
    for name in ("scrapy.crawler", "scrapy.utils.log", "scrapy.core.engine", "scrapy.middleware"):
        lg = logging.getLogger(name)
        if not any(isinstance(f, SecretFilter) for f in lg.filters):
            lg.addFilter(SecretFilter())


class CrawlSetupError(Exception):
    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class CrawlResult:
    crawl_id: str
    exit_code: int
    manifest: dict[str, Any] = field(default_factory=dict)


def build_settings(overrides: dict[str, Any], verbose: int = 0) -> Settings:
    settings = Settings()
    settings.setmodule(defaults, priority="project")
    if not verbose:  # on a terminal too: the progress line, warnings and the summary
        settings.set("LOG_LEVEL", "WARNING", priority="project")
    else:
        settings.set("LOG_LEVEL", "DEBUG" if verbose > 1 else "INFO", priority="project")
    for key, value in overrides.items():
        if value is not None:
            settings.set(key, value, priority="cmdline")
    # CRAWLER_MAX_PAGES is enforced by the frontier (crawler.discovery.frontier), exactly
    return settings


def check_settings(overrides: dict[str, Any]) -> None:
    """Bad setting values -> CrawlSetupError (exit 2) before anything starts; unknown
    setting names -> a warning with the nearest known name."""
    from crawler.settingcheck import check_overrides

    errors, warnings = check_overrides(overrides, lambda name: f"setting {name}")
    for w in warnings:
        print(f"crawler: warning: {w}", file=sys.stderr)
    if errors:
        raise CrawlSetupError("\n".join(errors), EXIT_USAGE)


def checked_seeds(seeds: list[str], seeds_file: str | None = None) -> list[str]:
    """The seeds (arguments, then the lines of ``seeds_file``) as http(s) URLs;
    CrawlSetupError (exit 2) naming every bad one (``file:line`` for the file)."""
    from crawler.discovery.spider import split_seeds
    from crawler.discovery.urls import normalize_seed

    out: list[str] = []
    problems: list[str] = []
    for seed in split_seeds(seeds):
        try:
            out.append(normalize_seed(seed))
        except ValueError as exc:
            problems.append(f"seed {seed!r}: {exc}")
    if seeds_file:
        try:
            with open(seeds_file, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CrawlSetupError(f"seeds file {seeds_file}: {getattr(exc, 'strerror', None) or exc}",
                                  EXIT_USAGE) from None
        for n, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                out.append(normalize_seed(line))
            except ValueError as exc:
                problems.append(f"{seeds_file}:{n}: {line!r}: {exc}")
    if problems:
        raise CrawlSetupError("\n".join(problems), EXIT_USAGE)
    if not out:
        raise CrawlSetupError("no valid seed URL given (expected http:// or https:// URLs)", EXIT_USAGE)
    return out


def check_browser(settings: Settings) -> None:
    """``--browser`` without Playwright or Chromium: one clear line, exit 2, before anything starts."""
    if settings.getbool("CRAWLER_BROWSER"):
        from crawler.browser.chromium import BrowserUnavailable, check_available

        try:
            check_available(settings.get("CRAWLER_BROWSER_EXECUTABLE") or None)
        except BrowserUnavailable as exc:
            raise CrawlSetupError(str(exc), EXIT_USAGE) from None


def run_crawl(seeds: list[str], overrides: dict[str, Any] | None = None, *,
              seeds_file: str | None = None, verbose: int = 0) -> CrawlResult:
    """Crawl ``seeds`` with the given setting overrides; returns the run's manifest."""
    from crawler.crawlid import CrawlIdError, check_crawl_id

    overrides = dict(overrides or {})
    wanted_id = overrides.get("CRAWLER_CRAWL_ID")
    if wanted_id is not None:
        try:
            check_crawl_id(wanted_id, "--crawl-id")
        except CrawlIdError as exc:
            raise CrawlSetupError(str(exc), EXIT_USAGE) from None
    check_settings(overrides)
    valid = checked_seeds(seeds, seeds_file)
    store = open_store(overrides.get("CRAWLER_STORE") or defaults.CRAWLER_STORE)
    store.check_writable()
    distributed = bool(build_settings(overrides, verbose).get("CRAWLER_REDIS_URL"))
    # One plain crawl per store (per local state folder, for S3) at a time: two would
    # fetch the same pages and share one dedup cache file.  Workers of a distributed
    # crawl share their frontier and index through Redis instead.
    lock = None if distributed else lock_store(store)
    try:
        return _run_crawl(store, lock, valid, overrides, verbose, distributed)
    finally:
        if lock is not None:
            lock.release()


def lock_store(store: Any) -> Any:
    """Take the store's crawl lock (an ``flock`` the kernel releases when the process
    dies, even on ``kill -9``), or raise :class:`CrawlSetupError` (exit 4)."""
    from pathlib import Path

    from crawler.schedule.lock import JobLock

    lock = JobLock(Path(store.state_dir()) / STORE_LOCK, name="store")
    if not lock.acquire(blocking=False):
        holder = lock.holder() or {}
        what = f"crawl {holder['crawl_id']}, " if holder.get("crawl_id") else ""
        raise CrawlSetupError(
            f"store {store.uri} is busy: another crawl is writing to it ({what}pid "
            f"{holder.get('pid', '?')} on {holder.get('host', '?')}); try again when it ends",
            EXIT_BUSY)
    return lock


def _run_crawl(store: Any, lock: Any, valid: list[str], overrides: dict[str, Any], verbose: int,
               distributed: bool) -> CrawlResult:
    from crawler.discovery.spider import NewsSpider
    from crawler.storage.uploader import flush_pending

    flush_pending(store)  # what earlier runs left spooled during an outage
    # -- distributed crawl (crawler.distributed): enqueue the seeds, then work as a worker --
    if distributed:
        from crawler.distributed.run import run_distributed_crawl

        try:
            return run_distributed_crawl(valid, overrides, verbose=verbose)
        except ValueError as exc:  # e.g. another crawl id is running in that job
            raise CrawlSetupError(str(exc), EXIT_USAGE) from exc
    # -- end distributed crawl --
    from crawler.crawlid import CrawlIdError, check_new_crawl_id

    wanted_id = overrides.get("CRAWLER_CRAWL_ID")
    crawl_id = wanted_id or new_crawl_id()
    if wanted_id is not None:
        try:
            check_new_crawl_id(store, wanted_id, "--crawl-id")
        except CrawlIdError as exc:
            raise CrawlSetupError(str(exc), EXIT_USAGE) from None
    overrides["CRAWLER_CRAWL_ID"] = crawl_id
    if lock is not None:
        lock.update(crawl_id=crawl_id)
    settings = build_settings(overrides, verbose)
    check_browser(settings)
    if settings.get("JOBDIR"):
        from crawler.schedule.jobdir import JobDirInUse, check_job_dir

        try:
            check_job_dir(settings.get("JOBDIR"))
        except JobDirInUse as exc:
            raise CrawlSetupError(str(exc), EXIT_USAGE) from exc
    install_secret_filter()
    process = CrawlerProcess(settings)
    failures: list[Any] = []
    process.crawl(NewsSpider, seeds=valid).addErrback(failures.append)  # no "Unhandled error in Deferred"
    process.start()
    _stop_progress(process)
    key = layout.manifest_key(crawl_id)
    if failures and not store.exists(key):
        exc = failures[0].value
        if verbose:
            print(failures[0].getTraceback(), file=sys.stderr)
        raise CrawlSetupError(f"the crawl could not run: {type(exc).__name__}: {exc}"
                              + ("" if verbose else " (-v for details)"), EXIT_CRAWL_FAILED)
    if not store.exists(key):
        return CrawlResult(crawl_id, EXIT_CRAWL_FAILED)
    with store.open_read(key) as fh:
        manifest = json.load(fh)
    pending = pending_upload(store, manifest)
    if pending:
        manifest["pending_upload"] = pending
    return CrawlResult(crawl_id, manifest_exit_code(manifest, pending), manifest)


def manifest_exit_code(manifest: dict[str, Any], pending: int = 0) -> int:
    """The exit code a run's manifest stands for (see crawler.exitcodes)."""
    from crawler.outcome import NOTHING_FETCHED

    if manifest.get("failure") == NOTHING_FETCHED:
        return EXIT_NOTHING_FETCHED
    code = EXIT_OK if manifest.get("status") == "finished" else EXIT_CRAWL_FAILED
    if code == EXIT_OK and (pending or manifest.get("dedup_state") == "pending"):
        code = EXIT_PENDING_UPLOAD
    return code


def pending_upload(store: Any, manifest: dict[str, Any]) -> int:
    """Files of the run still kept locally for upload (the manifest itself included)."""
    pending = getattr(store, "pending", None)
    if pending is None:
        return 0
    keys = {e["key"] for e in pending()}
    own = {f["key"] for f in manifest.get("files", []) if isinstance(f, dict) and "key" in f}
    own.add(layout.manifest_key(manifest.get("crawl_id") or ""))
    return len(keys & own)


def _stop_progress(process: CrawlerProcess) -> None:
    """After a forced stop (second Ctrl-C) the spider never closed: end the live progress
    line (and show the cursor) before the summary is printed."""
    from crawler.extensions import Progress

    for crawler in list(getattr(process, "crawlers", ())):
        for ext in getattr(getattr(crawler, "extensions", None), "middlewares", ()):
            if isinstance(ext, Progress):
                ext.stop_display()


def summarize(manifest: dict[str, Any]) -> dict[str, Any]:
    stats = manifest.get("stats", {})
    files = manifest.get("files", [])

    def total(kind: str) -> tuple[int, int]:
        sel = [f for f in files if f["kind"] == kind]
        return len(sel), sum(f["size"] for f in sel)

    warcs = total("warc")
    parts = total("articles")
    errors = sum(v for k, v in stats.items() if k.startswith("fetch/failed/") and isinstance(v, int))
    return {
        "crawl_id": manifest.get("crawl_id"),
        "status": manifest.get("status"),
        "elapsed_seconds": manifest.get("elapsed_seconds"),
        "pages_fetched": stats.get("response_received_count", 0) - stats.get("resources/responses", 0),
        "resources_fetched": stats.get("resources/responses", 0),
        "resources_bytes": stats.get("resources/bytes", 0),
        "html_pages": stats.get("pages/html", 0),
        "articles_written": stats.get("articles/written", 0),
        "listing_pages": stats.get("extract/listing", 0),
        "repeated_links": stats.get("dupefilter/filtered", 0) + stats.get("discovery/repeated_links", 0),
        "duplicate_articles": stats.get("articles/near_duplicates", 0) + stats.get("dedup/revisits", 0),
        "robots_forbidden": stats.get("robotstxt/forbidden", 0),
        "fetch_errors": errors,
        "extraction_errors": stats.get("extract/error", 0),
        "fetches": stats.get("frontier/fetched", 0),
        "ended_by": _ended_by(manifest),
        "yield_per_100_fetches": stats.get("frontier/yield_per_100_fetches"),
        "fetches_by_source": _breakdown(stats, "frontier/fetched/source/"),
        "fetches_by_status": _breakdown(stats, "frontier/fetched/status/"),
        "warc_files": warcs[0],
        "warc_bytes": warcs[1],
        "json_files": parts[0],
        "json_bytes": parts[1],
        "files": [(f["key"], f["size"]) for f in files],
        "pending_upload": manifest.get("pending_upload", 0),
        "dedup_state": manifest.get("dedup_state"),
        "store": manifest.get("store"),
    }


def print_summary(manifest: dict[str, Any], extra: list[tuple[str, str]] | None = None,
                  file: Any = None) -> None:
    from rich.console import Console
    from rich.table import Table

    s = summarize(manifest)
    console = Console(file=file or sys.stdout, highlight=False)
    table = Table(title=f"crawl {s['crawl_id']} — {s['status']}", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for label, key in [("pages fetched", "pages_fetched"), ("HTML pages", "html_pages"),
                       ("articles written", "articles_written"), ("listing pages (no article)", "listing_pages"),
                       ("duplicates: links already seen", "repeated_links"),
                       ("duplicates: articles / revisits", "duplicate_articles"),
                       ("blocked by robots.txt", "robots_forbidden"),
                       ("fetch errors", "fetch_errors"), ("extraction errors", "extraction_errors")]:
        table.add_row(label, str(s[key]))
    if s["resources_fetched"]:
        table.add_row("page resources", f"{s['resources_fetched']} ({human_size(s['resources_bytes'])})")
    if s["ended_by"]:
        table.add_row("ended by", s["ended_by"])
    if s["yield_per_100_fetches"] is not None:
        table.add_row("yield (articles per 100 fetches)", f"{s['yield_per_100_fetches']:.1f}")
    for label, key in [("fetches by source", "fetches_by_source"), ("fetches by status", "fetches_by_status")]:
        if s[key]:
            table.add_row(label, ", ".join(f"{k} {v}" for k, v in s[key].items()))
    table.add_row("WARC files", f"{s['warc_files']} ({human_size(s['warc_bytes'])})")
    table.add_row("JSON Lines files", f"{s['json_files']} ({human_size(s['json_bytes'])})")
    table.add_row("elapsed", f"{s['elapsed_seconds']:.1f} s" if s["elapsed_seconds"] else "-")
    if s["pending_upload"]:
        table.add_row("pending upload", f"{s['pending_upload']} file(s) kept locally")
    if s["dedup_state"] == "pending":
        table.add_row("dedup index", "not yet in the store")
    for label, value in extra or []:
        table.add_row(label, value)
    console.print(table)
    if s["pending_upload"] or s["dedup_state"] == "pending":
        what = (f"{s['pending_upload']} file(s) still pending upload" if s["pending_upload"]
                else "the dedup index is not yet in the store")
        console.print(f"[bold]the store was unavailable: {what}; complete the crawl with: "
                      f"crawler upload --pending --store {s['store']}[/bold]", soft_wrap=True)
    for key, size in s["files"]:
        console.print(f"  {key}  {human_size(size)}", soft_wrap=True)


def _breakdown(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    """``{suffix: count}`` of the stats under ``prefix``, largest first."""
    out = {k[len(prefix):]: v for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int)}
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def _ended_by(manifest: dict[str, Any]) -> str | None:
    """Which limit or event ended the crawl, when it did not simply run out of URLs."""
    stats = manifest.get("stats", {})
    reason = stats.get("frontier/ended_by") or stats.get("finish_reason")
    if reason == "max_pages":
        settings = manifest.get("settings") or {}
        limit = settings.get("CRAWLER_MAX_PAGES") or stats.get("frontier/fetched")
        return f"--max-pages limit ({limit} fetches; {stats.get('frontier/left_in_queue', 0)} URLs left queued)"
    if reason in (None, "finished"):
        return None
    return str(reason)


def report_crawl(run: Any, extra: Any = None, what: str = "crawl") -> int:
    """Run ``run()`` (returning a CrawlResult), print the summary, map errors to exit codes.

    ``extra(manifest)`` may add rows to the summary."""
    try:
        result = run()
    except CrawlSetupError as exc:
        return cli_error(exc, exc.exit_code)
    except StoreError as exc:
        return cli_error(exc, EXIT_STORE)
    except (FileNotFoundError, ValueError) as exc:
        return cli_error(exc, EXIT_USAGE)
    if result.exit_code == EXIT_NOTHING_FETCHED:  # one line says it all: no table of zeros
        print(f"crawler: error: {what} {result.crawl_id}: {result.manifest.get('reason')}", file=sys.stderr)
    elif result.manifest:
        print_summary(result.manifest, extra=extra(result.manifest) if extra else None)
    else:
        print(f"crawler: {what} {result.crawl_id} did not finish; no manifest written", file=sys.stderr)
    return result.exit_code


__all__ = ["run_crawl", "report_crawl", "print_summary", "summarize", "CrawlSetupError", "StoreError",
           "EXIT_OK", "EXIT_CRAWL_FAILED", "EXIT_USAGE", "EXIT_STORE", "EXIT_BUSY",
           "EXIT_PENDING_UPLOAD", "EXIT_NOTHING_FETCHED", "manifest_exit_code"]
