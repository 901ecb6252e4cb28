"""Run context of one worker of a distributed crawl.

Every worker writes under the shared crawl id, into the shared store, but

* has its own spool folder ``<spool root>-workers/<crawl_id>/w<index>/`` (next to the
  store's ordinary spool, so the single-process recovery never mistakes it for a crawl;
  an ``owner.json`` names the worker, host and pid);
* stores its crawl log as ``logs/<crawl_id>.w<index>.crawl.log`` and its JSON Lines parts
  as ``part-<crawl_id>-<index><n:05d>.jsonl.gz`` (:class:`WorkerStore` rewrites the keys,
  so two workers never write the same key; readers parse the crawl id as before);
  WARC names carry the worker in their prefix (``news-w<index>-...``) besides host and pid;
* registers every stored file in Redis; at the end each worker leaves its manifest
  part (stats, files, status) in Redis and the last worker to close writes the merged
  ``manifests/<crawl_id>.json`` (files of every worker, summed stats, per-worker list).

Spools of dead workers: the worker that merges publishes, for the crawl being merged,
the complete records and lines a dead worker on the same machine left in its spool
(see :func:`recover_worker_spools`); a worker starting later does the same for older
crawls (adding the files to that crawl's manifest).  The ordinary start-of-run recovery
of :mod:`crawler.archive.recovery` still runs for ordinary spool folders.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import time
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from crawler.context import _ATTR as CONTEXT_ATTR
from crawler.context import RECORDED_SETTINGS, RunContext, _jsonable, claim_spool, spool_in_use, utc_now_iso
from crawler.distributed.coordinator import Coordinator, redact_url
from crawler.storage import Store, StoredObject, layout, open_store

logger = logging.getLogger(__name__)

OWNER_FILE = "owner.json"


def workers_spool_root(store: Store) -> Path:
    root = store.spool_dir("_").parent
    return root.with_name(root.name + "-workers")


class WorkerStore(Store):
    """A store view that gives one worker's crawl log and article parts their own keys."""

    def __init__(self, base: Store, crawl_id: str, index: int):
        self.base = base
        self.crawl_id = crawl_id
        self.index = int(index)
        self._part = re.compile(
            rf"^({layout.ARTICLES_PREFIX}/date=[^/]+/site=[^/]+/)part-{re.escape(crawl_id)}-(\d+)\.jsonl\.gz$")

    @property
    def uri(self) -> str:  # type: ignore[override]
        return self.base.uri

    def rewrite(self, key: str) -> str:
        if key == layout.crawl_log_key(self.crawl_id):
            return f"{layout.LOGS_PREFIX}/{self.crawl_id}.w{self.index}.crawl.log"
        m = self._part.match(key)
        if m:
            return f"{m.group(1)}part-{self.crawl_id}-{self.index}{int(m.group(2)):05d}.jsonl.gz"
        return key

    def check_writable(self) -> None:
        self.base.check_writable()

    def spool_dir(self, name: str) -> Path:
        return self.base.spool_dir(name)

    def state_dir(self) -> Path:
        return self.base.state_dir()

    def put_file(self, local_path: Path, key: str, **kw: Any) -> StoredObject:
        return self.base.put_file(local_path, self.rewrite(key), **kw)

    def put_bytes(self, key: str, data: bytes, **kw: Any) -> StoredObject:
        return self.base.put_bytes(self.rewrite(key), data, **kw)

    def open_read(self, key: str) -> BinaryIO:
        return self.base.open_read(key)

    def list(self, prefix: str = "") -> Iterator[str]:
        return self.base.list(prefix)

    def exists(self, key: str) -> bool:
        return self.base.exists(key)

    def local_path(self, key: str) -> Path | None:
        return self.base.local_path(key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)


def install_context(crawler: Any) -> DistributedRunContext:
    ctx = getattr(crawler, CONTEXT_ATTR, None)
    if not isinstance(ctx, DistributedRunContext):
        ctx = DistributedRunContext(crawler)
        setattr(crawler, CONTEXT_ATTR, ctx)
    return ctx


class DistributedRunContext(RunContext):
    keeps_stored_list = False  # the crawl's file list is in Redis: a dead worker's files are in it

    def __init__(self, crawler: Any):  # noqa: D401 - same attributes as RunContext
        settings = crawler.settings
        self.crawler = crawler
        self.coord = Coordinator.of(crawler)
        self.crawl_id = self.coord.crawl_id
        self.base_store = open_store(settings.get("CRAWLER_STORE") or "./archive")
        self.base_store.check_writable()
        self.store = WorkerStore(self.base_store, self.crawl_id, self.coord.index)
        self.spool = workers_spool_root(self.base_store) / self.crawl_id / self.coord.tag
        self.spool.mkdir(parents=True, exist_ok=True)
        self._owner = claim_spool(self.spool)  # flock: released by the kernel if we die
        (self.spool / OWNER_FILE).write_text(json.dumps({
            "crawl_id": self.crawl_id, "job": self.coord.job, "worker": self.coord.worker,
            "index": self.coord.index, "host": socket.gethostname(), "pid": os.getpid(),
        }))
        self.recovered: list[str] = []
        if settings.getbool("CRAWLER_RECOVER_SPOOL", True):
            from crawler.archive.recovery import recover_spool

            self.recovered = recover_spool(self.base_store, self.base_store.spool_dir("_").parent,
                                           current=self.crawl_id)
            self.recovered += recover_worker_spools(self.base_store, self.coord, current=False)
        self.started_at = utc_now_iso()
        self.started_monotonic = time.monotonic()
        self.files: list[dict[str, Any]] = []
        self.seeds: list[str] = []
        self.recorded_settings = {
            k: settings.get(k) for k in RECORDED_SETTINGS if settings.get(k) is not None
        }
        self.part: dict[str, Any] | None = None
        self.merged: dict[str, Any] | None = None

    def store_file(self, local_path: Path, key: str, kind: str, **extra: Any) -> StoredObject:
        obj = super().store_file(local_path, key, kind, **extra)
        # (not self.files[-1]: files are also stored from the WARC finisher thread)
        self.coord.add_file({"kind": kind, **obj.to_dict(), **extra, "worker": self.coord.worker})
        return obj

    def make_part(self, stats: dict[str, Any], status: str) -> dict[str, Any]:
        return {
            "worker": self.coord.worker, "index": self.coord.index, "status": status,
            "host": socket.gethostname(), "pid": os.getpid(),
            "started_at": self.started_at, "finished_at": utc_now_iso(),
            "elapsed_seconds": round(time.monotonic() - self.started_monotonic, 3),
            "settings": self.recorded_settings, "stats": _jsonable(stats),
            "files": [f["key"] for f in self.files],
        }

    def write_manifest(self, stats: dict[str, Any], status: str) -> StoredObject:
        coord = self.coord
        self.part = self.make_part(stats, status)
        coord.put_part(self.part)
        coord.closing = True
        coord.requeue(coord.worker)
        obj = None
        coord.close_worker()
        if coord.is_finished():
            merge = coord.try_merge()
            # The crawl is complete: the other workers close within moments, or are dead
            # and their heartbeat expires within CRAWLER_WORKER_TIMEOUT.  Wait for that.
            deadline = time.monotonic() + coord.timeout + coord.grace + 5
            while merge is False and time.monotonic() < deadline:
                time.sleep(0.2)
                merge = coord.try_merge()
            if merge:
                obj = self.merge_manifest(status, final=True)
        elif coord.is_seeded() and coord.try_merge(lock=False):
            # Stopped (Ctrl-C, --max-pages...) before the crawl is complete, and no other
            # worker is running: write a provisional manifest; the frontier stays in Redis
            # and a worker started later resumes the crawl (and rewrites the manifest).
            obj = self.merge_manifest(status, final=False)
        _rmdir(self.spool / OWNER_FILE)
        self.release_spool()
        for d in (self.spool, self.spool.parent):
            try:
                d.rmdir()
            except OSError:
                pass
        if obj is None:
            data = json.dumps(self.part).encode()
            import hashlib

            obj = StoredObject(f"redis:{coord.keys.parts}#{coord.worker}", len(data),
                               hashlib.sha256(data).hexdigest())
        return obj

    def merge_manifest(self, status: str, final: bool = True) -> StoredObject:
        coord = self.coord
        recovered = recover_worker_spools(self.base_store, coord, current=True)
        finished = coord.is_finished()
        parts = coord.parts()
        workers_info = coord.workers()
        dead = coord.dead_workers()
        started = [p["started_at"] for p in parts.values()] or [self.started_at]
        raw_start = coord.client.get(coord.keys.started_at)
        elapsed = time.time() - float(raw_start) if raw_start else max(
            (p.get("elapsed_seconds") or 0) for p in parts.values()) if parts else 0.0
        workers = []
        for name, info in sorted(workers_info.items(), key=lambda kv: kv[1].get("index", 0)):
            part = parts.get(name)
            workers.append({
                "worker": name, "index": info.get("index"), "host": info.get("host"),
                "pid": info.get("pid"),
                "status": (part or {}).get("status") if name not in dead else "lost",
                "pages_fetched": ((part or {}).get("stats") or {}).get("response_received_count", 0),
                "files": len((part or {}).get("files") or []),
            })
        requeued = coord.requeued_urls()
        manifest = {
            "crawl_id": self.crawl_id,
            # A provisional manifest (crawl stopped, frontier kept in Redis) is "stopped"
            # even when this worker ended normally (e.g. its --max-pages).
            "status": "finished" if finished else ("stopped" if status == "finished" else status),
            "started_at": min(started),
            "finished_at": utc_now_iso(),
            "elapsed_seconds": round(elapsed, 3),
            "store": self.base_store.uri,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "seeds": coord.seeds(),
            "settings": self.recorded_settings,
            "stats": merge_stats([p.get("stats") or {} for p in parts.values()]),
            "files": coord.files(),
            "workers": workers,
            "distributed": {
                "redis": redact_url(coord.url), "job": coord.job, "workers": len(workers),
                "lost_workers": sorted(dead), "requeued_requests": len(requeued),
                "requeued_urls": requeued[:1000], "recovered_spools": recovered,
            },
        }
        counted = all("outcome/pages_fetched" in (p.get("stats") or {}) for p in parts.values())
        if manifest["status"] == "finished" and counted and not manifest["stats"].get("outcome/pages_fetched"):
            # The whole crawl archived no page (every worker closed and counted 0): it
            # failed, as a single crawl that fetched nothing does (exit 5).
            from crawler.outcome import NOTHING_FETCHED

            manifest.update(status="failed", failure=NOTHING_FETCHED,
                            reason="nothing archived: no page was fetched by any worker "
                                   f"(seeds: {', '.join(manifest['seeds']) or 'none'})")
        data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
        obj = self.base_store.put_bytes(layout.manifest_key(self.crawl_id), data)
        self.merged = manifest
        if final:
            coord.cleanup()
        logger.info("crawl %s: merged manifest of %d worker(s) written", self.crawl_id, len(workers))
        return obj


def _rmdir(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


_MAX_KEYS = ("max", "peak")
_MIN_KEYS = ("start_time",)


def merge_stats(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Sum the numeric stats of the workers (``max`` for maxima, finish times, elapsed
    times; ``min`` for start times); other values: the first worker's."""
    out: dict[str, Any] = {}
    for stats in parts:
        for k, v in stats.items():
            if k not in out:
                out[k] = v
                continue
            cur = out[k]
            low = k.lower()
            if isinstance(v, bool) or isinstance(cur, bool):
                continue
            if low.endswith(_MIN_KEYS):
                out[k] = min(cur, v)
            elif any(m in low for m in _MAX_KEYS) or "finish_time" in low or "elapsed" in low:
                out[k] = max(cur, v)
            elif isinstance(v, (int, float)) and isinstance(cur, (int, float)):
                out[k] = cur + v
    return dict(sorted(out.items()))


# ---------------------------------------------------------------------------- recovery
def recover_worker_spools(store: Store, coord: Coordinator, *, current: bool) -> list[str]:
    """Publish what dead workers on this machine left in their spool folders.

    ``current=True``: folders of ``coord.crawl_id`` (the crawl being merged), files go
    to the crawl's Redis file list.  ``current=False``: folders of other crawls that
    are no longer running; files are added to that crawl's manifest (one with status
    ``recovered`` is written if there is none).  Returns the folders recovered.
    """
    root = workers_spool_root(store)
    if not root.exists():
        return []
    done = []
    host = socket.gethostname()
    for crawl_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        crawl_id = crawl_dir.name
        if (crawl_id == coord.crawl_id) != current:
            continue
        for folder in sorted(p for p in crawl_dir.iterdir() if p.is_dir()):
            try:
                owner = json.loads((folder / OWNER_FILE).read_text())
            except (OSError, ValueError):
                continue
            if owner.get("host") != host or owner.get("pid") == os.getpid():
                continue
            if spool_in_use(folder):  # its writer holds the flock: alive
                continue
            if not current and _crawl_running(coord, owner):
                continue
            files = recover_worker_folder(store, folder, crawl_id, int(owner.get("index") or 0))
            for f in files:
                f["worker"] = owner.get("worker")
                f["recovered"] = True
            if current:
                for f in files:
                    coord.add_file(f)
            else:
                _add_to_manifest(store, crawl_id, files, owner)
            done.append(f"{crawl_id}/{folder.name}")
            logger.warning("published %d file(s) left by dead worker %s of crawl %s",
                           len(files), owner.get("worker"), crawl_id)
        try:
            crawl_dir.rmdir()
        except OSError:
            pass
    return done


def _crawl_running(coord: Coordinator, owner: dict[str, Any]) -> bool:
    from crawler.distributed.coordinator import Keys

    try:
        raw = coord.client.get(Keys(owner.get("job") or "").crawl_id)
    except Exception:
        return True
    return raw is not None and raw.decode() == owner.get("crawl_id")


def recover_worker_folder(store: Store, folder: Path, crawl_id: str, index: int) -> list[dict[str, Any]]:
    """Complete WARC records (with a CDXJ index), JSON lines and the crawl log of a
    dead worker's spool, under that worker's keys."""
    from crawler.archive.recovery import recover_folder

    files = recover_folder(WorkerStore(store, crawl_id, index), folder, crawl_id)
    _rmdir(folder / OWNER_FILE)
    try:
        folder.rmdir()
    except OSError:
        logger.info("left unknown files in %s", folder)
    return files


def _add_to_manifest(store: Store, crawl_id: str, files: list[dict[str, Any]], owner: dict[str, Any]) -> None:
    key = layout.manifest_key(crawl_id)
    manifest: dict[str, Any]
    if store.exists(key):
        with store.open_read(key) as fh:
            manifest = json.load(fh)
    else:
        manifest = {"crawl_id": crawl_id, "status": "recovered", "files": [],
                    "note": "distributed run ended abnormally; complete records were kept"}
    manifest.setdefault("files", []).extend(files)
    manifest.setdefault("recovered_workers", []).append(owner.get("worker"))
    store.put_bytes(key, json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))
