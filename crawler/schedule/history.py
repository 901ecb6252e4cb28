"""Run history: JSON lines in ``state/runs.jsonl`` of the job's store.

``crawler run`` appends one ``"event": "started"`` line when a crawl starts and one
``"event": "finished"`` line when it ends (and a single ``"event": "skipped"`` line
when the job was already running).  :func:`list_history` merges them into one dict
per run::

    {"job": "demo", "crawl_id": "20261126T151500Z-3fa9c1", "started": "...Z",
     "finished": "...Z", "status": "finished", "exit_code": 0, "pid": 4242,
     "crawl_pid": 4250, "host": "...", "stats": {"pages_fetched": 12, ...}}

``status``: ``running`` (no finish line yet and the pid is alive on this host),
``interrupted`` (no finish line and the process is gone), ``finished``,
``pending_upload`` (finished, but files are still in the local spool: the store was
unavailable; ``crawler upload --pending`` completes it),
``shutdown`` (stopped by a signal, manifest written), ``failed`` (no manifest or
crawl error), ``killed`` (the crawl died from a signal), ``skipped`` (already running).

Appends are ``O_APPEND`` writes of one line under an ``flock``, so several processes
can record into the same file.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HISTORY_FILE = "runs.jsonl"


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def state_dir_of(store: Any, create: bool = False) -> Path:
    """The local state folder of a Store, a store URI or a store folder path.

    With ``create=False`` a local store's folder is not created (read-only use)."""
    from crawler.storage import open_store
    from crawler.storage.base import LocalStore

    if not hasattr(store, "state_dir"):
        store = open_store(store)
    if not create and isinstance(store, LocalStore):
        return store.root / "state"
    return Path(store.state_dir())


def history_path(store: Any, create: bool = False) -> Path:
    """``<state dir>/runs.jsonl`` for a Store, a store URI or a store folder path."""
    return state_dir_of(store, create) / HISTORY_FILE


def append_event(store: Any, event: dict[str, Any]) -> None:
    path = history_path(store, create=True)
    line = (json.dumps(event, sort_keys=True, default=str) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
    finally:
        os.close(fd)  # also drops the flock


def record_start(store: Any, job: str, crawl_id: str, **extra: Any) -> dict[str, Any]:
    event = {"event": "started", "job": job, "crawl_id": crawl_id, "started": utc_now(),
             "pid": os.getpid(), "host": socket.gethostname(), **extra}
    append_event(store, event)
    return event


def record_finish(store: Any, job: str, crawl_id: str, *, status: str, exit_code: int | None,
                  stats: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    event = {"event": "finished", "job": job, "crawl_id": crawl_id, "finished": utc_now(),
             "status": status, "exit_code": exit_code, "stats": stats or {}, **extra}
    append_event(store, event)
    return event


def record_skipped(store: Any, job: str, reason: str, holder: dict[str, Any] | None = None) -> None:
    now = utc_now()
    append_event(store, {"event": "skipped", "job": job, "crawl_id": None, "started": now, "finished": now,
                         "status": "skipped", "exit_code": None, "reason": reason,
                         "pid": os.getpid(), "host": socket.gethostname(), "holder": holder or {}})


def _alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, TypeError, ValueError):
        return False
    return True


def list_history(store: Any, job: str | None = None) -> list[dict[str, Any]]:
    """Runs recorded in the store's ``state/runs.jsonl``, oldest first (optionally of one job).

    ``store``: a Store, a store URI or a store folder path."""
    path = history_path(store)
    if not path.exists():
        return []
    runs: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    host = socket.gethostname()
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            try:
                ev = json.loads(line)
            except ValueError:
                continue  # a torn line from a crash: ignore
            if job is not None and ev.get("job") != job:
                continue
            kind = ev.pop("event", None)
            key = ev.get("crawl_id") or f"#{n}"
            if kind == "finished" and key in runs:
                runs[key].update(ev)
                continue
            if key not in runs:
                order.append(key)
                runs[key] = {"job": ev.get("job"), "crawl_id": ev.get("crawl_id"), "started": None,
                             "finished": None, "status": None, "exit_code": None, "pid": None, "stats": {}}
            runs[key].update(ev)
    out = []
    for key in order:
        run = runs[key]
        if run["status"] is None:
            same_host = run.get("host") in (None, host)
            run["status"] = "running" if same_host and _alive(run.get("pid")) else "interrupted"
        out.append(run)
    out.sort(key=lambda r: r.get("started") or "")
    return out


def last_run(store: Any, job: str) -> dict[str, Any] | None:
    """The latest run of ``job`` that actually started a crawl (skips excluded)."""
    runs = [r for r in list_history(store, job) if r.get("status") != "skipped"]
    return runs[-1] if runs else None


def summarize_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    """A small stats summary for the history line (light: no Scrapy import)."""
    stats = manifest.get("stats", {}) or {}
    files = manifest.get("files", []) or []
    return {
        "elapsed_seconds": manifest.get("elapsed_seconds"),
        "pages_fetched": stats.get("response_received_count", 0),
        "articles_written": stats.get("articles/written", 0),
        "fetch_errors": sum(v for k, v in stats.items()
                            if k.startswith("fetch/failed/") and isinstance(v, int)),
        "warc_bytes": sum(f.get("size", 0) for f in files if f.get("kind") == "warc"),
        "finish_reason": stats.get("finish_reason"),
    }


__all__ = ["list_history", "last_run", "record_start", "record_finish", "record_skipped",
           "history_path", "state_dir_of", "summarize_manifest", "parse_time", "utc_now", "HISTORY_FILE"]
