"""Summaries of the runs (:func:`list_runs`) and of the whole store (:func:`store_stats`)."""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from typing import Any

from crawler.storage import layout
from crawler.storage.base import Store, StoreError
from crawler.reader.base import _article_keys, _iter_lines, _iter_manifests, open_any_store
from crawler.reader.versions import _latest_versions, _record_id

# --------------------------------------------------------------------------- runs
def _run_summary(m: dict[str, Any]) -> dict[str, Any]:
    files = m.get("files", [])
    arts = [f for f in files if f.get("kind") == "articles"]
    warcs = [f for f in files if f.get("kind") == "warc"]
    return {
        "crawl_id": m.get("crawl_id"),
        "kind": m.get("kind") or "crawl",  # "reprocess" for `crawler reprocess` runs
        "status": m.get("status"),
        "started_at": m.get("started_at"),
        "finished_at": m.get("finished_at"),
        "elapsed_seconds": m.get("elapsed_seconds"),
        "seeds": m.get("seeds", []),
        "article_files": len(arts),
        "records": sum(int(f.get("records") or 0) for f in arts),
        "warc_files": len(warcs),
        "warc_bytes": sum(int(f.get("size") or 0) for f in warcs),
        "stats": m.get("stats", {}),
    }


def list_runs(store: str | os.PathLike[str] | Store = "./archive") -> list[dict[str, Any]]:
    """One summary per run, sorted by crawl id.  Runs with files in the store but no
    manifest (crashed, or still running) are listed with status ``"incomplete"``."""
    st = open_any_store(store)
    runs = {}
    for m in _iter_manifests(st):
        runs[str(m["crawl_id"])] = _run_summary(m)
    seen_dirs: set[str] = set()
    for key in st.list(layout.WARC_PREFIX + "/"):
        parts = key.split("/")
        if len(parts) == 3:
            seen_dirs.add(parts[1])
    for cid in seen_dirs - set(runs):
        runs[cid] = {"crawl_id": cid, "status": "incomplete", "started_at": None,
                     "finished_at": None, "elapsed_seconds": None, "seeds": [],
                     "article_files": None, "records": None, "warc_files": None,
                     "warc_bytes": None, "stats": {}}
    # Runs started by `crawler run` / the scheduler: add the job name, and the runs that
    # never wrote a manifest (skipped because the job was running, killed, failed early).
    try:
        from crawler.schedule.history import list_history

        history = list_history(st)
    except Exception:  # noqa: BLE001 - a store without local state has no history
        history = []
    for h in history:
        cid = h.get("crawl_id")
        if cid and cid in runs:
            runs[cid].setdefault("job", h.get("job"))
            if runs[cid]["status"] == "incomplete" and h.get("status"):
                runs[cid]["status"] = h["status"]
        elif cid or h.get("status") == "skipped":
            key = cid or f"~{h.get('started') or ''}-{h.get('job') or ''}"
            runs[key] = {"crawl_id": cid, "job": h.get("job"), "status": h.get("status"),
                         "started_at": h.get("started"), "finished_at": h.get("finished"),
                         "elapsed_seconds": None, "seeds": [], "article_files": None, "records": None,
                         "warc_files": None, "warc_bytes": None, "stats": h.get("stats") or {}}
    return [runs[k] for k in sorted(runs)]


# --------------------------------------------------------------------------- stats
def _object_size(st: Store, key: str, known: dict[str, int]) -> int | None:
    if key in known:
        return known[key]
    size = getattr(st, "size", None)  # proposed optional Store.size(key)
    if callable(size):
        try:
            return int(size(key))
        except (OSError, StoreError, TypeError, ValueError):
            return None
    path = st.local_path(key)
    if path is not None:
        try:
            return path.stat().st_size
        except OSError:
            return None
    return None


def store_stats(store: str | os.PathLike[str] | Store = "./archive") -> dict[str, Any]:
    """Counts over the whole store (one streaming pass over the article records).

    ``articles``: total, unique, duplicates (``duplicate_of`` set), per site, per day,
    per site and day, per language — over the latest version of each record (as
    :func:`read_articles`); ``older_versions`` counts the versions a reprocess replaced.  ``storage``: files and bytes under ``warc/``,
    ``articles/``, ``indexes/``.  ``runs``: number per status and the latest run.
    """
    st = open_any_store(store)
    runs = list_runs(st)
    known: dict[str, int] = {}
    for m in _iter_manifests(st):
        for f in m.get("files", []):
            if "key" in f and f.get("size") is not None:
                known[f["key"]] = int(f["size"])

    per_site: Counter[str] = Counter()
    per_day: Counter[str] = Counter()
    per_site_day: dict[str, Counter[str]] = defaultdict(Counter)
    langs: Counter[str] = Counter()
    total = dups = superseded = 0
    for ak, stale in _latest_versions(st, _article_keys(st, None, None, None), by_partition=True):
        for line in _iter_lines(st, ak.key):
            if stale and _record_id(line) in stale:
                superseded += 1  # an older version of a re-extracted record
                continue
            rec = json.loads(line)
            total += 1
            per_site[ak.site] += 1
            per_day[ak.date] += 1
            per_site_day[ak.site][ak.date] += 1
            langs[rec.get("language") or "unknown"] += 1
            if rec.get("duplicate_of"):
                dups += 1

    storage: dict[str, Any] = {}
    for prefix in (layout.WARC_PREFIX, layout.ARTICLES_PREFIX, layout.INDEX_PREFIX):
        files = 0
        size = 0
        unknown = 0
        for key in st.list(prefix + "/"):
            files += 1
            s = _object_size(st, key, known)
            if s is None:
                unknown += 1
            else:
                size += s
        storage[prefix] = {"files": files, "bytes": size}
        if unknown:
            storage[prefix]["files_of_unknown_size"] = unknown

    statuses = Counter(str(r["status"]) for r in runs)
    return {
        "store": st.uri,
        "articles": {
            "total": total,
            "unique": total - dups,
            "duplicates": dups,
            "older_versions": superseded,
            "sites": len(per_site),
            "days": len(per_day),
            "per_site": dict(sorted(per_site.items())),
            "per_day": dict(sorted(per_day.items())),
            "per_site_day": {s: dict(sorted(c.items())) for s, c in sorted(per_site_day.items())},
            "languages": dict(langs.most_common()),
        },
        "storage": storage,
        "runs": {
            "total": len(runs),
            "by_status": dict(sorted(statuses.items())),
            "latest": runs[-1]["crawl_id"] if runs else None,
        },
    }


