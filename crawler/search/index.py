"""The search index: SQLite FTS5 in the store's ``state/search.sqlite3``.

Why SQLite FTS5: it is in Python's standard library (no service, no native wheel to
build), ranks with BM25, makes snippets with the matches marked, and the index is one
file -- kept under ``state/`` like the dedup index, and for an object store cached
locally and uploaded after each update like other state.  Tantivy (tantivy-py) is
faster at very large scale but is a native wheel and a directory of segment files;
DuckDB's FTS extension is downloaded at first use (no network here) and rebuilds its
index in full on every change (no incremental updates).

Incremental: the ``parts`` table lists the JSON Lines parts already indexed; an update
lists ``articles/`` and reads only the new parts (parts are immutable once stored).
Versions: each record ``id`` is kept once, in its latest version (the reader's rule,
:func:`crawler.reader.versions.version_rank`): a reprocess part indexed later replaces
the crawl's version of its records, whatever the order the parts are met in.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from crawler.reader.base import (
    ArticleKey, ReaderError, _article_keys, _bound, _iter_lines, _ts_key, open_any_store, site_partition,
)
from crawler.reader.versions import _Runs, part_rank
from crawler.search.query import QueryError, to_match
from crawler.storage import layout
from crawler.storage.base import Store

logger = logging.getLogger(__name__)

INDEX_NAME = "search.sqlite3"
INDEX_KEY = f"{layout.STATE_PREFIX}/{INDEX_NAME}"
SCHEMA_VERSION = "1"
#: BM25 weights of the columns (title, text): a query word in the headline counts more.
TITLE_WEIGHT, TEXT_WEIGHT = 4.0, 1.0
#: Snippet markers (control characters: never in article text; turned into <mark> or bold).
MARK_START, MARK_END = "\x02", "\x03"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS parts (key TEXT PRIMARY KEY, records INTEGER, indexed_at TEXT);
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, url TEXT, title TEXT, site TEXT, day TEXT,
    language TEXT, fetched_at TEXT, ts TEXT, published TEXT, crawl_id TEXT, duplicate_of TEXT,
    part TEXT, line INTEGER, rank TEXT);
CREATE INDEX IF NOT EXISTS docs_ts ON docs (ts);
CREATE INDEX IF NOT EXISTS docs_site ON docs (site, ts);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5 (title, text, tokenize = 'unicode61 remove_diacritics 2');
"""


class SearchError(ValueError):
    """Bad search arguments (empty query, unparseable date) or no index to search."""


@dataclass
class Hit:
    id: str
    url: str
    title: str | None
    site: str
    day: str
    language: str | None
    fetched_at: str | None
    published: str | None
    crawl_id: str | None
    duplicate_of: str | None
    part: str
    line: int
    snippet: str
    score: float

    @property
    def timestamp14(self) -> str:
        return (re.sub(r"\D", "", self.fetched_at or "") + "0" * 14)[:14]

    def replay_path(self, collection: str = "archive") -> str:
        """pywb's path of the capture (``archive/<timestamp>/<url>``)."""
        return f"{collection}/{self.timestamp14}/{self.url}"

    def snippet_text(self, start: str = "[", end: str = "]") -> str:
        return self.snippet.replace(MARK_START, start).replace(MARK_END, end)

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in ("id", "url", "title", "site", "day", "language", "fetched_at",
                                          "published", "crawl_id", "duplicate_of", "part", "line")}
        d["score"] = round(-self.score, 4)  # bm25() is lower-is-better: report higher-is-better
        d["snippet"] = self.snippet_text()
        d["replay_path"] = self.replay_path()
        return d


@dataclass
class UpdateResult:
    parts: int = 0
    records: int = 0
    replaced: int = 0      # older versions replaced by a newer one
    skipped: int = 0       # versions older than the one indexed
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


def parse_since(value: str | None, now: datetime | None = None) -> str | None:
    """``7d`` / ``12h`` / ``30m`` (ago), an ISO date or timestamp -> a comparable ``ts`` key."""
    if value is None or not str(value).strip():
        return None
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*", str(value))
    if m:
        secs = float(m.group(1)) * {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}[m.group(2)]
        t = (now or datetime.now(timezone.utc)) - timedelta(seconds=secs)
        return _ts_key(t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    try:
        b = _bound(value)
    except ReaderError as exc:
        raise SearchError(f"--since: {exc} (expected e.g. 7d, 2026-11-01 or an ISO timestamp)") from None
    return _ts_key(b.ts if b and b.ts else f"{b.day}T00:00:00Z") if b else None


class SearchIndex:
    """One index file.  ``readonly`` opens it without ever writing (the dashboard)."""

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        if readonly:
            if not self.path.exists():
                raise SearchError(f"no search index at {self.path}")
            self.conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                        check_same_thread=False)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, check_same_thread=False)
            self.conn.execute("PRAGMA busy_timeout = 30000")
            # the index is a cache of the JSON Lines (rebuilt with --reindex): no fsync per
            # part; a crash loses at most the last parts, which the next update reads again
            self.conn.execute("PRAGMA synchronous = OFF")
            self.conn.execute("PRAGMA cache_size = -65536")
            self.conn.executescript(_SCHEMA)
            row = self.conn.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
            if row is None:
                with self.conn:
                    self.conn.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            elif row[0] != SCHEMA_VERSION:
                raise SearchError(f"{self.path} has index schema {row[0]}; rebuild it with --reindex")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- building ----------------------------------------------------------------------
    def update(self, store: str | os.PathLike[str] | Store,
               progress: Callable[[UpdateResult], None] | None = None) -> UpdateResult:
        """Index the parts not indexed yet; returns what was done."""
        if self.readonly:
            raise SearchError("the index is open read-only")
        st = open_any_store(store)
        t0 = time.perf_counter()
        done = {k for (k,) in self.conn.execute("SELECT key FROM parts")}
        result = UpdateResult()
        runs = _Runs(st)
        for ak in _article_keys(st, None, None, None):
            if ak.key in done:
                continue
            self._index_part(st, ak, part_rank(st, runs, ak), result)
            result.parts += 1
            result.seconds = time.perf_counter() - t0
            if progress is not None:
                progress(result)
        if result.records > 50_000:  # a big build: merge the b-tree segments once
            with self.conn:
                self.conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        result.seconds = time.perf_counter() - t0
        return result

    def _index_part(self, st: Store, ak: ArticleKey, rank: tuple, result: UpdateResult) -> None:
        conn = self.conn
        rank_text = json.dumps(list(rank))
        n = -1
        with conn:  # one transaction per part: an interrupted update leaves whole parts
            for n, line in enumerate(_iter_lines(st, ak.key)):
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                rid = rec.get("id")
                if not isinstance(rid, str):
                    continue
                old = conn.execute("SELECT rowid, rank FROM docs WHERE id = ?", (rid,)).fetchone()
                if old is not None:
                    if tuple(json.loads(old[1])) >= rank:
                        result.skipped += 1
                        continue
                    conn.execute("DELETE FROM fts WHERE rowid = ?", (old[0],))
                    conn.execute("DELETE FROM docs WHERE rowid = ?", (old[0],))
                    result.replaced += 1
                fetched = rec.get("fetched_at") or ""
                cur = conn.execute(
                    "INSERT INTO docs (id, url, title, site, day, language, fetched_at, ts, published, crawl_id,"
                    " duplicate_of, part, line, rank) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (rid, rec.get("url"), rec.get("title"), ak.site, ak.date,
                     (rec.get("language") or "").lower() or None, fetched, _ts_key(fetched),
                     rec.get("published"), rec.get("crawl_id") or ak.crawl_id, rec.get("duplicate_of"),
                     ak.key, n, rank_text))
                conn.execute("INSERT INTO fts (rowid, title, text) VALUES (?, ?, ?)",
                             (cur.lastrowid, rec.get("title") or "", rec.get("text") or ""))
                result.records += 1
            conn.execute("INSERT OR REPLACE INTO parts VALUES (?, ?, ?)",
                         (ak.key, n + 1, datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")))

    # -- querying ----------------------------------------------------------------------
    def search(self, query: str, *, sites: Iterable[str] | None = None, since: str | None = None,
               languages: Iterable[str] | None = None, limit: int = 20,
               offset: int = 0) -> tuple[list[Hit], int]:
        """Ranked hits (best first) and the number of matches in all."""
        try:
            match = to_match(query)
        except QueryError as exc:
            raise SearchError(str(exc)) from None
        where = ["fts MATCH ?"]
        args: list[Any] = [match]
        site_list = sorted({site_partition(s) for s in sites or [] if s.strip()})
        if site_list:
            where.append(f"d.site IN ({','.join('?' * len(site_list))})")
            args += site_list
        ts = parse_since(since)
        if ts:
            where.append("d.ts >= ?")
            args.append(ts)
        langs = sorted({lang.strip().lower() for lang in languages or [] if lang.strip()})
        if langs:
            where.append(f"d.language IN ({','.join('?' * len(langs))})")
            args += langs
        cond = " AND ".join(where)
        sql = (f"SELECT d.id, d.url, d.title, d.site, d.day, d.language, d.fetched_at, d.published, d.crawl_id,"
               f" d.duplicate_of, d.part, d.line,"
               f" snippet(fts, 1, '{MARK_START}', '{MARK_END}', ' … ', 24),"
               f" bm25(fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}) AS score"
               f" FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE {cond} ORDER BY score LIMIT ? OFFSET ?")
        try:
            rows = self.conn.execute(sql, [*args, int(limit), int(offset)]).fetchall()
            count = self.conn.execute(f"SELECT count(*) FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE {cond}",
                                      args).fetchone()[0]
        except sqlite3.OperationalError as exc:
            raise SearchError(f"cannot search for {query!r}: {exc}") from None
        return [Hit(*r) for r in rows], int(count)

    def stats(self) -> dict[str, Any]:
        docs = self.conn.execute("SELECT count(*) FROM docs").fetchone()[0]
        parts = self.conn.execute("SELECT count(*) FROM parts").fetchone()[0]
        return {"articles": docs, "parts": parts, "path": str(self.path),
                "bytes": self.path.stat().st_size if self.path.exists() else 0}

    def location(self, rid: str) -> tuple[str, int] | None:
        """(part key, line number) of record ``rid``'s indexed version."""
        row = self.conn.execute("SELECT part, line FROM docs WHERE id = ?", (rid,)).fetchone()
        return (row[0], int(row[1])) if row else None


def read_record(store: Store, part: str, line: int) -> dict[str, Any] | None:
    """The record at ``line`` (0-based, blank lines not counted) of article part ``part``."""
    for n, raw in enumerate(_iter_lines(store, part)):
        if n == line:
            return json.loads(raw)
    return None


# --------------------------------------------------------------------------- location
def index_path(store: Store) -> Path:
    """Where the index file lives: in the store's ``state/`` folder (local store), else in
    the store's local state cache (object store)."""
    local = store.local_path(INDEX_KEY)
    return Path(local) if local is not None else Path(store.state_dir()) / INDEX_NAME


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sync.json")


def _read_sidecar(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(_sidecar(path).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_sidecar(path: Path, identity: str, etag: str | None) -> None:
    tmp = _sidecar(path).with_suffix(".tmp")
    tmp.write_text(json.dumps({"identity": identity, "etag": etag}))
    os.replace(tmp, _sidecar(path))


def _identity(store: Store) -> str:
    return str(getattr(store, "identity", None) or store.uri)


def open_index(store: Store, *, reindex: bool = False, readonly: bool = False,
               path: Path | None = None) -> SearchIndex:
    """The store's index.  For an object store the local file is a cache of the store's
    ``state/search.sqlite3``: a sidecar (``search.sqlite3.sync.json``) records which store
    and which version (ETag) it is a copy of, and a newer version in the store replaces it
    (one HEAD per open; the store unreachable: the cache is used).  ``reindex`` starts
    from scratch instead."""
    path = Path(path) if path else index_path(store)
    remote = store.local_path(INDEX_KEY) is None
    if reindex and not readonly:
        for p in (path, path.with_name(path.name + "-journal"), _sidecar(path)):
            p.unlink(missing_ok=True)
    elif remote:
        _refresh(store, path)
    return SearchIndex(path, readonly=readonly)


def _refresh(store: Store, path: Path) -> None:
    """Make the local cache the store's published version when that is newer."""
    from crawler.storage.base import StoreError

    side = _read_sidecar(path)
    identity = _identity(store)
    if side.get("identity") not in (None, identity):  # a cache of another store
        path.unlink(missing_ok=True)
        side = {}
    head = getattr(store, "head_etag", None)
    try:
        etag = head(INDEX_KEY) if callable(head) else ("" if store.exists(INDEX_KEY) else None)
        if etag is None or (path.exists() and etag and side.get("etag") == etag):
            return  # nothing published, or the cache is that version
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".download")
        get = getattr(store, "get_file", None)
        if callable(get):
            etag = get(INDEX_KEY, tmp)
            if etag is None:
                return
        else:
            with store.open_read(INDEX_KEY) as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(tmp, path)
        path.with_name(path.name + "-journal").unlink(missing_ok=True)
        _write_sidecar(path, identity, etag or None)
    except (StoreError, OSError) as exc:
        logger.warning("search index: using the local copy (%s)", exc)


class IndexConflict(SearchError):
    """Another machine published the index meanwhile (see :func:`publish`)."""


def publish(store: Store, index: SearchIndex) -> bool:
    """Upload an object store's index to ``state/search.sqlite3`` (a consistent copy, via
    SQLite's backup API).  A local store's index is already in place: nothing to do.

    Where the store has conditional writes (S3), the upload replaces only the version the
    cache was made from; if another machine published meanwhile, :class:`IndexConflict`
    is raised: reopen the index (which takes the store's version), update it, publish
    again (:func:`update_and_publish` does).  Nothing is lost either way: the index is
    derived from the store's parts."""
    if store.local_path(INDEX_KEY) is not None:
        return False
    identity = _identity(store)
    with tempfile.TemporaryDirectory(prefix="newsarchiver-search-") as tmp:
        copy = Path(tmp) / INDEX_NAME
        dst = sqlite3.connect(copy)
        try:
            index.conn.backup(dst)
        finally:
            dst.close()
        put_if = getattr(store, "put_if", None)
        if callable(put_if):
            side = _read_sidecar(index.path)
            try:
                etag = put_if(copy, INDEX_KEY, side.get("etag") if side.get("identity") == identity else None)
            except Exception as exc:  # noqa: BLE001 - StateConflict lives in the S3 backend
                if type(exc).__name__ == "StateConflict":
                    raise IndexConflict("the store's search index changed meanwhile") from None
                raise
            _write_sidecar(index.path, identity, etag)
            return True
        try:
            store.put_file(copy, INDEX_KEY, overwrite=True)  # type: ignore[call-arg]
        except TypeError:
            store.put_file(copy, INDEX_KEY)
    return True


def update_and_publish(store: Store, index: SearchIndex, *, attempts: int = 3,
                       progress: Callable[[UpdateResult], None] | None = None) -> tuple[SearchIndex, UpdateResult]:
    """Index the new parts and, for an object store, publish the index; on a conflict
    take the store's newer version, index what it lacks, and try again.  Returns the
    (possibly reopened) index and what this call indexed."""
    total = UpdateResult()
    for attempt in range(attempts):
        r = index.update(store, progress)
        total.parts += r.parts
        total.records += r.records
        total.replaced += r.replaced
        total.skipped += r.skipped
        total.seconds += r.seconds
        if not r.parts and attempt == 0 and store.local_path(INDEX_KEY) is None and \
                _read_sidecar(index.path).get("etag") is not None:
            return index, total  # nothing new and the cache is the published version
        try:
            publish(store, index)
            return index, total
        except IndexConflict:
            if attempt + 1 == attempts:
                logger.warning("search index not published: the store's copy keeps changing")
                return index, total
            index.close()
            index = open_index(store)
    return index, total


def iter_hits_json(hits: list[Hit]) -> Iterator[str]:
    for h in hits:
        yield json.dumps(h.to_dict(), ensure_ascii=False)
