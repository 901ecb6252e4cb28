"""What the dashboard shows, read from the store (never written), with short-lived caches
so a page load does not re-read every manifest."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict, defaultdict
from typing import Any, Callable

from crawler.reader import list_runs, open_any_store, parse_article_key, read_articles
from crawler.reader.base import _article_keys, _iter_manifests
from crawler.storage.base import Store

#: Seconds a computed view is reused.
CACHE_SECONDS = 10.0


class StoreView:
    """Read-only views of one store for the dashboard."""

    def __init__(self, store: Store | str, metrics_urls: list[str] | None = None):
        self.store = open_any_store(store)
        self.metrics_urls = list(metrics_urls or [])
        self._cache: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._records: OrderedDict[str, dict[str, Any]] = OrderedDict()  # id -> record, recently shown

    def _cached(self, name: str, fn: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(name)
            if hit and now - hit[0] < CACHE_SECONDS:
                return hit[1]
        value = fn()
        with self._lock:
            self._cache[name] = (now, value)
        return value

    # -- runs ------------------------------------------------------------------------------
    def runs(self) -> list[dict[str, Any]]:
        """Run summaries (newest first) with duration, pages, articles, errors and yield."""
        return self._cached("runs", self._runs)

    def _runs(self) -> list[dict[str, Any]]:
        from crawler.charts import run_yield

        out = []
        for r in list_runs(self.store):
            stats = r.get("stats") or {}
            pages = stats.get("response_received_count", stats.get("pages_fetched"))
            articles = stats.get("articles/written", stats.get("articles_written", r.get("records")))
            errors = sum(v for k, v in stats.items() if isinstance(v, int) and (
                k.startswith("fetch/errors/") or k == "extract/error"))
            if not errors and isinstance(stats.get("fetch_errors"), int):
                errors = stats["fetch_errors"]
            out.append({**r, "pages": pages, "articles": articles, "errors": errors, "yield": run_yield(r)})
        out.sort(key=lambda r: str(r.get("started_at") or r.get("crawl_id") or ""), reverse=True)
        return out

    def run(self, crawl_id: str) -> dict[str, Any] | None:
        return next((r for r in self.runs() if r.get("crawl_id") == crawl_id), None)

    def manifest(self, crawl_id: str) -> dict[str, Any] | None:
        from crawler.storage import layout

        key = layout.manifest_key(crawl_id)
        try:
            with self.store.open_read(key) as fh:
                return json.loads(fh.read())
        except (OSError, ValueError):
            return None

    # -- articles per site and day -------------------------------------------------------------
    def per_site_day(self) -> dict[str, dict[str, int]]:
        """Articles per site and fetch day, from the run manifests (each lists its parts with
        their record counts): no record is read.  Reprocess runs are left out (they write
        new versions of records already counted)."""
        return self._cached("per_site_day", self._per_site_day)

    def _per_site_day(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for m in _iter_manifests(self.store):
            if m.get("kind") == "reprocess":
                continue
            for f in m.get("files", []):
                ak = parse_article_key(str(f.get("key", ""))) if f.get("kind") == "articles" else None
                if ak is not None:
                    out[ak.site][ak.date] += int(f.get("records") or 0)
        return {s: dict(v) for s, v in out.items()}

    # -- articles ------------------------------------------------------------------------------
    def _remember(self, records: list[dict[str, Any]]) -> None:
        with self._lock:
            for rec in records:
                self._records[rec["id"]] = rec
                self._records.move_to_end(rec["id"])
            while len(self._records) > 5000:
                self._records.popitem(last=False)

    def latest_articles(self, n: int = 20) -> list[dict[str, Any]]:
        """The ``n`` most recently fetched articles (latest versions), from the newest days."""
        return self._cached(f"latest:{n}", lambda: self._latest(n))

    def _latest(self, n: int) -> list[dict[str, Any]]:
        days = sorted({ak.date for ak in _article_keys(self.store, None, None, None)}, reverse=True)
        found: list[dict[str, Any]] = []
        for i, day in enumerate(days):
            found += list(read_articles(self.store, date_from=day, date_to=day))
            if len(found) >= n or i >= 13:
                break
        found.sort(key=lambda r: r.get("fetched_at") or "", reverse=True)
        self._remember(found[:n])
        return found[:n]

    def run_articles(self, crawl_id: str, limit: int = 500) -> list[dict[str, Any]]:
        records = []
        for rec in read_articles(self.store, crawl_id=crawl_id):
            records.append(rec)
            if len(records) >= limit:
                break
        records.sort(key=lambda r: r.get("fetched_at") or "", reverse=True)
        self._remember(records)
        return records

    def article(self, rid: str) -> dict[str, Any] | None:
        """One record (latest version) by id: recently shown, else through the search index
        (if there is one), else a scan of the store."""
        with self._lock:
            if rid in self._records:
                return self._records[rid]
        rec = self._from_index(rid)
        if rec is None:
            rec = next((r for r in read_articles(self.store) if r.get("id") == rid), None)
        if rec is not None:
            self._remember([rec])
        return rec

    def _from_index(self, rid: str) -> dict[str, Any] | None:
        from crawler.search.index import SearchError, read_record

        try:
            index = self.search_index()
        except SearchError:
            return None
        try:
            loc = index.location(rid)
        finally:
            index.close()
        if loc is None:
            return None
        rec = read_record(self.store, *loc)
        return rec if rec and rec.get("id") == rid else None

    # -- search ----------------------------------------------------------------------------------
    def search_index(self) -> Any:
        from crawler.search.index import open_index

        return open_index(self.store, readonly=True)

    # -- live crawls -------------------------------------------------------------------------------
    def live(self) -> list[dict[str, Any]]:
        """Progress of running crawls, from their metrics endpoints (announced in the
        store's state folder, or given with --metrics)."""
        from crawler.metrics.server import announced, scrape, total
        from crawler.schedule.history import state_dir_of

        urls: dict[str, str | None] = {u: None for u in self.metrics_urls}
        try:
            for info in announced(state_dir_of(self.store, create=False)):
                urls.setdefault(info["url"], info.get("crawl_id"))
        except Exception:  # noqa: BLE001 - no local state folder: nothing announced
            pass
        out = []
        for url, crawl_id in urls.items():
            try:
                s = scrape(url, timeout=1.5)
            except Exception as exc:  # noqa: BLE001 - a crawl that just ended, or unreachable
                out.append({"url": url, "crawl_id": crawl_id, "error": str(exc)})
                continue
            info = next((k for k in s if k.startswith("newsarchiver_crawl_info{")), "")
            cid = crawl_id or (info.split('crawl_id="', 1)[1].split('"', 1)[0] if 'crawl_id="' in info else "?")
            started = s.get("newsarchiver_crawl_start_time_seconds") or time.time()
            elapsed = max(time.time() - started, 1e-6)
            pages = total(s, "newsarchiver_pages_fetched_total")
            out.append({
                "url": url, "crawl_id": cid, "running": bool(s.get("newsarchiver_crawl_running", 1)),
                "elapsed": elapsed, "pages": int(pages), "pages_per_s": pages / elapsed,
                "articles": int(total(s, "newsarchiver_articles_written_total")),
                "errors": int(total(s, "newsarchiver_errors_total")),
                "queue": int(s.get("newsarchiver_queue_size", 0)),
                "bytes": int(total(s, "newsarchiver_archived_bytes_total")),
                "workers": int(s.get("newsarchiver_extraction_workers", 0)),
                "pending_uploads": int(s.get("newsarchiver_pending_uploads", 0)),
            })
        seen = {c.get("crawl_id") for c in out}
        out += [c for c in self.spooling() if c["crawl_id"] not in seen]
        return out

    def spooling(self) -> list[dict[str, Any]]:
        """Crawls writing on this machine without a metrics endpoint: their spool folder is
        held by a live process (the owner lock); what they have written so far."""
        from crawler.context import OWNER_FILE, spool_in_use
        from crawler.storage.base import LocalStore

        root = getattr(self.store, "spool_root", None)
        if root is None and isinstance(self.store, LocalStore):
            root = self.store.root / ".spool"
        out: list[dict[str, Any]] = []
        if root is None or not root.is_dir():
            return out
        for folder in sorted(root.iterdir()):
            if not (folder / OWNER_FILE).exists() or not spool_in_use(folder):
                continue
            files = [f for f in folder.rglob("*") if f.is_file() and f.name != OWNER_FILE]
            out.append({"crawl_id": folder.name, "spool": True, "files": len(files),
                        "bytes": sum(f.stat().st_size for f in files)})
        return out
