"""Streaming the article records of a store (:func:`read_articles`)."""

from __future__ import annotations

import dataclasses
import json
import os
from collections import defaultdict
from typing import Any, Iterable, Iterator

from crawler.record import Article, WarcPointer
from crawler.storage.base import Store
from crawler.reader.base import (
    _article_keys, _Bound, _bound, _finished_key, _iter_lines, _iter_manifests, _parse_ts,
    _partition_ok, _ts_key, ArticleKey, CRAWL_ID_RE, open_any_store, parse_article_key,
    ReaderError, site_partition,
)
from crawler.reader.versions import _latest_versions, _record_id, _Runs, _runs_holding

def _runs_since(st: Store, since: str) -> list[dict[str, Any]]:
    """Manifests of the runs that added files after ``since`` (a crawl id or timestamp).

    A run id is resolved to its manifest's ``finished_at``: runs finishing after it are
    returned (ties broken by crawl id), so an overlapping run that started earlier but
    finished later is not missed.  An id without a manifest falls back to comparing
    crawl ids (they sort by start time).  Runs still in progress (no manifest yet) are
    not returned; they show up once their manifest is written.
    """
    since = since.strip()
    manifests = [_slim_manifest(m) for m in _iter_manifests(st)]
    by_id = {m["crawl_id"]: m for m in manifests}
    if since in by_id:
        cutoff = _finished_key(by_id[since])
        selected = [m for m in manifests if _finished_key(m) > cutoff]
    elif CRAWL_ID_RE.match(since):
        selected = [m for m in manifests if str(m["crawl_id"]) > since]
    else:
        ts = _parse_ts(since)
        selected = [m for m in manifests if _finished_key(m)[0] > ts]
    selected.sort(key=_finished_key)
    return selected


def _slim_manifest(m: dict[str, Any]) -> dict[str, Any]:
    """Only what the reader needs (keeps memory small for stores with many runs)."""
    return {
        "crawl_id": m.get("crawl_id"),
        "started_at": m.get("started_at"),
        "finished_at": m.get("finished_at"),
        "recovered_at": m.get("recovered_at"),
        "status": m.get("status"),
        "files": [f for f in m.get("files", []) if f.get("kind") == "articles"],
    }




# --------------------------------------------------------------------------- records
_ARTICLE_FIELDS = [f for f in dataclasses.fields(Article)]
_WARC_FIELDS = {f.name for f in dataclasses.fields(WarcPointer)}
_LIST_FIELDS = {"authors", "tags", "categories"}


def article_from_dict(data: dict[str, Any]) -> Article:
    """An :class:`Article` from a JSON record; unknown (newer) fields are ignored and
    missing ones get ``None``/``[]`` (records of an older minor schema version)."""
    kwargs: dict[str, Any] = {}
    for f in _ARTICLE_FIELDS:
        if f.name in data:
            kwargs[f.name] = data[f.name]
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            kwargs[f.name] = [] if f.name in _LIST_FIELDS else None
    warc = kwargs.get("warc")
    if isinstance(warc, dict):
        kwargs["warc"] = WarcPointer(**{k: v for k, v in warc.items() if k in _WARC_FIELDS})
    return Article(**kwargs)


def read_articles(
    store: str | os.PathLike[str] | Store = "./archive",
    *,
    since: str | None = None,
    date_from: Any = None,
    date_to: Any = None,
    sites: Iterable[str] | None = None,
    languages: Iterable[str] | None = None,
    unique_only: bool = False,
    crawl_id: str | None = None,
    as_objects: bool = False,
    versions: str = "latest",
) -> Iterator[dict[str, Any] | Article]:
    """Stream the article records of a store (dicts, or :class:`Article` objects).

    ``date_from``/``date_to``: UTC fetch days, inclusive (``"2026-11-26"``, a ``date``,
    or a timestamp/``datetime`` for a bound within the day).  ``sites``: hosts, or one host as a string (``www.``
    ignored).  ``languages``: ISO 639-1 codes.  ``unique_only`` drops records with
    ``duplicate_of`` set.  ``crawl_id``: the records of one run's captures (in their latest
    version, see ``versions``); a reprocess run's id gives the records that run wrote.  ``since``: a crawl id or
    ISO timestamp; only records of runs that finished after it (from the manifests).
    ``versions``: ``"latest"`` (default) gives each record ``id`` once, in its latest
    version — ``crawler reprocess`` writes new versions of existing records under its own
    run id; a reprocess version replaces the crawl's, and of two reprocess runs the one
    that started last wins; ``"all"`` gives every stored version.

    Records come part by part in key order (or, with ``since``, run by run in the order
    they finished).  Arguments are checked when this is called, not on first ``next``.
    """
    st = open_any_store(store)
    lo = _bound(date_from)
    hi = _bound(date_to)
    if isinstance(sites, str):  # sites="example.com": one site, not its characters
        sites = [sites]
    if isinstance(languages, str):
        languages = [languages]
    site_set = {site_partition(s) for s in sites} if sites else None
    langs = {lang.strip().lower() for lang in languages} if languages else None
    if since is not None and not str(since).strip():
        since = None
    if versions not in ("latest", "all"):
        raise ReaderError(f"versions must be 'latest' or 'all', not {versions!r}")
    runs = _runs_since(st, str(since)) if since is not None else None
    return _read(st, runs, lo, hi, site_set, langs, unique_only, crawl_id, as_objects,
                 versions == "latest")


def _read(st: Store, runs: list[dict[str, Any]] | None, lo: _Bound | None, hi: _Bound | None,
          sites: set[str] | None, langs: set[str] | None, unique_only: bool,
          crawl_id: str | None, as_objects: bool, latest: bool = True) -> Iterator[dict[str, Any] | Article]:
    if runs is None:
        keys: Iterable[ArticleKey] = _article_keys(st, lo, hi, sites)
    else:
        keys = _manifest_keys(st, runs, lo, hi, sites)
    known = _Runs(st)  # manifests, read once if the version logic needs them
    if crawl_id is not None:
        runs_of, is_reprocess = _runs_holding(known, crawl_id)
        keys = (ak for ak in keys if runs_of(ak.crawl_id))
        latest = latest and not is_reprocess  # a reprocess run's own output, as it wrote it
    ts_lo = _ts_key(lo.ts) if lo and lo.ts else None
    ts_hi = _ts_key(hi.ts) if hi and hi.ts else None
    versioned = _latest_versions(st, keys, by_partition=runs is None, runs=known) if latest else (
        (ak, None) for ak in keys)
    for ak, stale in versioned:
        for line in _iter_lines(st, ak.key):
            if stale and _record_id(line) in stale:
                continue  # a later run (a reprocess) wrote a newer version of this record
            rec = json.loads(line)
            if crawl_id is not None and ak.crawl_id != crawl_id and rec.get("crawl_id") != crawl_id:
                continue  # a reprocess part: only the versions of this run's captures
            if unique_only and rec.get("duplicate_of"):
                continue
            if langs is not None and (rec.get("language") or "").lower() not in langs:
                continue
            if ts_lo or ts_hi:
                t = _ts_key(rec.get("fetched_at") or "")
                if (ts_lo and t < ts_lo) or (ts_hi and t > ts_hi):
                    continue
            yield article_from_dict(rec) if as_objects else rec



def _manifest_keys(st: Store, runs: list[dict[str, Any]], lo: _Bound | None, hi: _Bound | None,
                   sites: set[str] | None) -> Iterator[ArticleKey]:


    """The article parts the selected runs added, run by run.

    A finished run's manifest lists every part.  A ``recovered`` run's manifest only
    lists what was rescued from the spool, not the parts the run had already handed to
    the store before it died: for those runs the listing is searched for parts named
    with their crawl id."""
    partial = {str(m["crawl_id"]) for m in runs if m.get("status") not in ("finished", None)}
    extra: dict[str, list[ArticleKey]] = defaultdict(list)
    if partial:
        for ak in _article_keys(st, lo, hi, sites):
            if ak.crawl_id in partial:
                extra[ak.crawl_id].append(ak)
    for m in runs:
        seen: set[str] = set()
        for f in sorted(m["files"], key=lambda f: f["key"]):
            ak = parse_article_key(f["key"])
            if ak and _partition_ok(ak, lo, hi, sites) and ak.key not in seen:
                seen.add(ak.key)
                yield ak
        for ak in extra.get(str(m["crawl_id"]), []):
            if ak.key not in seen:
                seen.add(ak.key)
                yield ak
