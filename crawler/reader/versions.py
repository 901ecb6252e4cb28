"""Record versions: which stored version of a record is the latest (``crawler reprocess``
writes new versions of existing records under its own run id)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Iterable, Iterator

from crawler.storage.base import Store
from crawler.reader.base import _crawl_id_time, _iter_lines, _iter_manifests, ArticleKey, logger

# --------------------------------------------------------------------------- versions
class _Runs:
    """What the version logic needs of the run manifests, read once, on first use."""

    def __init__(self, st: Store):
        self.st = st
        self._by_id: dict[str, dict[str, Any]] | None = None

    def all(self) -> dict[str, dict[str, Any]]:
        if self._by_id is None:
            self._by_id = {str(m["crawl_id"]): {k: m.get(k) for k in
                                                 ("kind", "status", "started_at", "source_crawl_ids")}
                           for m in _iter_manifests(self.st)}
        return self._by_id

    def described(self, run_id: str) -> dict[str, Any] | None:
        """The run's manifest if it says what the run was: not for a run without one (still
        running, or abandoned) nor for one written by crash recovery (which cannot know)."""
        m = self.all().get(run_id)
        return m if m is not None and (m.get("kind") or m.get("status") != "recovered") else None


def _runs_holding(runs: _Runs, crawl_id: str) -> tuple[Any, bool]:
    """A predicate on part run ids — may the run's parts hold records of ``crawl_id``'s
    captures? — and whether ``crawl_id`` is itself a reprocess run.  For a crawl: the run
    itself, the reprocess runs whose manifest names it as a source, and runs whose manifest
    does not say what they were (see :meth:`_Runs.described`); the records are then
    filtered by their ``crawl_id``.  For a reprocess run: its own parts."""
    own = runs.described(crawl_id)
    if own is not None and own.get("kind") == "reprocess":
        return (lambda run: run == crawl_id), True
    sources = {crawl_id} | {cid for cid, m in runs.all().items()
                            if m.get("kind") == "reprocess" and crawl_id in (m.get("source_crawl_ids") or [])}
    return (lambda run: run in sources or runs.described(run) is None), False


def _latest_versions(st: Store, keys: Iterable[ArticleKey], *, by_partition: bool,
                     runs: _Runs | None = None) -> Iterator[tuple[ArticleKey, set[str] | None]]:


    """Each key with the ids of its records that a newer version replaces (None: none).

    Only ``crawler reprocess`` writes a record ``id`` again: it keeps the capture's id
    and ``crawl_id`` and stores the parts under its own run id.  So only the parts of
    reprocess runs are read ahead, and only in partitions that hold parts of more than
    one run.  A reprocess version beats the crawl's; between reprocess runs the one that
    started last wins (:func:`version_rank`).  A run whose manifest does not say what it
    was (none yet: a reprocess still running; or ``recovered`` after a crash) is
    recognised by its first record, whose ``crawl_id`` is not the part's run.  Records are
    then streamed in the usual order and older versions skipped.

    ``by_partition``: the keys come partition by partition (a listing in key order), so
    the look-ahead holds the ids of one partition at a time; otherwise (``since``, run by
    run) the keys are collected first and the look-ahead covers all of them.
    """
    runs = runs or _Runs(st)
    ranks: dict[str, tuple] = {}

    def rank_of(ak: ArticleKey) -> tuple:
        if ak.crawl_id not in ranks:
            ranks[ak.crawl_id] = part_rank(st, runs, ak)
        return ranks[ak.crawl_id]

    def stale_of(group: list[ArticleKey]) -> dict[str, set[str] | None]:
        """Per part key of the group: the ids whose newest version is elsewhere."""
        if len({ak.crawl_id for ak in group}) < 2:
            return {}
        newest: dict[str, tuple] = {}
        for ak in group:
            rank = rank_of(ak)
            if not rank[0]:  # a crawl's parts: first versions only
                continue
            for line in _iter_lines(st, ak.key):
                rid = _record_id(line)
                if rid and (rid not in newest or newest[rid] < rank):
                    newest[rid] = rank
        if not newest:
            return {}
        out: dict[str, set[str] | None] = {}
        for ak in group:
            rank = rank_of(ak)
            out[ak.key] = {rid for rid, best in newest.items() if best > rank} or None
        return out

    if by_partition:
        group: list[ArticleKey] = []
        done: set[tuple[str, str]] = set()  # partitions passed (a few per site and day)
        warned = False
        for ak in keys:
            if group and (ak.date, ak.site) != (group[0].date, group[0].site):
                stale = stale_of(group)
                yield from ((g, stale.get(g.key)) for g in group)
                done.add((group[0].date, group[0].site))
                group = []
                if (ak.date, ak.site) in done and not warned:  # Store.list must sort its keys
                    warned = True
                    logger.warning("the store lists keys out of order (%s): older versions of "
                                   "re-extracted records may be returned too", st.uri)
            group.append(ak)
        if group:
            stale = stale_of(group)
            yield from ((g, stale.get(g.key)) for g in group)
        return
    collected = list(keys)
    partitions: dict[tuple[str, str], list[ArticleKey]] = defaultdict(list)
    for ak in collected:
        partitions[(ak.date, ak.site)].append(ak)
    stale_by: dict[str, set[str] | None] = {}
    for group in partitions.values():
        stale_by.update(stale_of(group))
    for ak in collected:
        yield ak, stale_by.get(ak.key)


def part_rank(st: Store, runs: _Runs, ak: ArticleKey) -> tuple:
    """The :func:`version_rank` of the records of part ``ak``: whether its run is a
    reprocess comes from the run's manifest, or, when the manifest does not say (none
    yet, or ``recovered``), from its first record (a reprocess keeps the capture's
    ``crawl_id``, which is then not the part's run)."""
    m = runs.described(ak.crawl_id)
    if m is not None:
        reprocess = m.get("kind") == "reprocess"
    else:
        reprocess = False
        for line in _iter_lines(st, ak.key):
            try:
                reprocess = json.loads(line).get("crawl_id") != ak.crawl_id
            except ValueError:
                pass
            break
    return version_rank(ak.crawl_id, reprocess, runs.all().get(ak.crawl_id))


def version_rank(run_id: str, reprocess: bool, manifest: dict[str, Any] | None) -> tuple:
    """Order of the versions of a record: the crawl's first, then reprocess runs by start
    (the manifest's ``started_at``, else — no manifest: still running, or abandoned — the
    time in the run id), then run id."""
    if not reprocess:
        return (0, "", run_id)
    started = (manifest or {}).get("started_at")
    if not started:
        t = _crawl_id_time(run_id)
        started = t.strftime("%Y-%m-%dT%H:%M:%S") if t else ""
    return (1, str(started), run_id)


_ID_PREFIX = b'{"id":"'


def _record_id(line: bytes) -> str | None:
    """The ``id`` of a JSON line; records are written with ``id`` first, so it is read
    from the start of the line without parsing the whole record when it can be."""
    if line.startswith(_ID_PREFIX):
        end = line.find(b'"', len(_ID_PREFIX))
        if end > 0 and b"\\" not in line[len(_ID_PREFIX):end]:
            return line[len(_ID_PREFIX):end].decode("utf-8", "replace")
    try:
        rid = json.loads(line).get("id")
    except (ValueError, AttributeError):
        return None
    return rid if isinstance(rid, str) else None
