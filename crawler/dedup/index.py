"""The persistent dedup index: one interface, two backends (SQLite and Redis).

What it stores
--------------
* **payloads** — ``payload digest -> PayloadRef`` of the first archived response with
  that payload (this run or an earlier one).  A later response with the same digest is
  written as a ``revisit`` record referring to it.  :meth:`DedupIndex.add_payload` is
  first-writer-wins and atomic across processes/workers: when it returns ``True`` the
  caller owns the digest and writes the full response, when ``False`` it writes a
  revisit to :meth:`DedupIndex.lookup_payload` (or use :meth:`DedupIndex.claim_payload`,
  which does both).  Decide on the result of ``add_payload``/``claim_payload``, never on
  a prior ``lookup_payload`` (check-then-act races between workers).
* **URLs** — ``canonical URL -> UrlState`` (validators for conditional requests, the
  last payload digest/status/fetch time, the article id) for incremental crawls.
  Callers pass URLs already canonicalised (:func:`crawler.discovery.urls.canonicalize_url`).
* **near-duplicate articles** — MinHash signatures (:mod:`crawler.dedup.near`) plus their
  LSH band keys, looked up by exact band-key equality (an indexed query, nothing in RAM).

Backends
--------
* :class:`SQLiteDedupIndex` — one SQLite file (``<store state dir>/dedup.sqlite3``), WAL
  mode, several processes on one machine.  Writes are batched in ``BEGIN IMMEDIATE``
  transactions committed every ``batch_size`` writes or ``commit_interval`` seconds
  (a daemon thread commits an idle open transaction, so the write lock is never held
  longer than that) and by :meth:`flush`/:meth:`close`.  Holding the write lock while a
  batch is open is what makes first-writer-wins atomic: another process's
  ``INSERT OR IGNORE`` waits (busy timeout) for the commit and then sees the row.
  Waiting writers poll every ~1 ms and touch ``dedup.sqlite3.writers-waiting``; a
  process that sees it pauses 5 ms after each batch commit, so a busy writer cannot
  starve the others.  ``synchronous=NORMAL``: a process crash loses at most the last
  uncommitted batch, an OS crash the last few commits, never consistency (the index is a
  cache of what the WARCs hold; a lost entry only costs a duplicate full record).
* :class:`RedisDedupIndex` — the same contract on Redis (redis-py >= 4) for distributed
  crawls (scrapy-redis): ``HSETNX`` on per-kind hashes, a Lua script for near-dup adds.
  All keys share one hash tag (``newsarchiver:{namespace}:...``) so the Lua script and
  the index work on Redis Cluster too.

:func:`open_dedup_index` picks the backend from a spec string.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.dedup import near

__all__ = [
    "DEFAULT_SQLITE_NAME",
    "DedupIndex",
    "PayloadRef",
    "RedisDedupIndex",
    "SQLiteDedupIndex",
    "UrlState",
    "open_dedup_index",
]

DEFAULT_SQLITE_NAME = "dedup.sqlite3"
#: Identifies the near-dup signature format; an index built with another one is refused.
NEAR_SCHEME = (f"minhash-v1:perm={near.NUM_PERM}:bands={near.BANDS}x{near.ROWS}"
               f":shingle={near.SHINGLE_WORDS}")
#: At most this many candidates are verified per near-dup lookup (earliest first).
MAX_CANDIDATES = 500


@dataclass(frozen=True)
class PayloadRef:
    """Where the original capture of a payload is (the revisit's WARC-Refers-To-*)."""

    uri: str  # WARC-Refers-To-Target-URI
    date: str  # WARC-Refers-To-Date (the original's WARC-Date)
    record_id: str  # WARC-Refers-To (the original's WARC-Record-ID)
    filename: str | None = None
    offset: int | None = None
    length: int | None = None
    #: the run that wrote the original (its WARC is under ``warc/<crawl_id>/``); lets
    #: the workers of one distributed run trust each other's not yet stored captures
    crawl_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class UrlState:
    """What is known about a URL from earlier fetches (for conditional requests)."""

    etag: str | None = None
    last_modified: str | None = None
    payload_digest: str | None = None
    last_fetched: str | None = None  # ISO 8601
    last_status: int | None = None
    article_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


_URL_FIELDS = tuple(f.name for f in dataclasses.fields(UrlState))
_REF_FIELDS = tuple(f.name for f in dataclasses.fields(PayloadRef))


def _url_row(state: UrlState) -> tuple[Any, ...]:
    return (state.etag, state.last_modified, state.payload_digest, state.last_fetched,
            state.last_status, state.article_id)


def _ref_values(ref: PayloadRef) -> tuple[Any, ...]:
    return (ref.uri, ref.date, ref.record_id, ref.filename, ref.offset, ref.length, ref.crawl_id)


def _url_state(info: dict[str, Any]) -> UrlState:
    unknown = set(info) - set(_URL_FIELDS)
    if unknown:
        raise TypeError(f"unknown UrlState field(s): {', '.join(sorted(unknown))}")
    return UrlState(**info)


class DedupIndex(ABC):
    """Persistent dedup state shared by the workers of a crawl (and across runs)."""

    # -- exact payload dedup ----------------------------------------------------------
    @abstractmethod
    def lookup_payload(self, digest: str) -> PayloadRef | None:
        """The first archived capture with this payload digest, if any."""

    @abstractmethod
    def add_payload(self, digest: str, ref: PayloadRef) -> bool:
        """Record ``ref`` as the original for ``digest`` unless one exists already.

        Returns ``True`` if this call stored it (the caller writes a full response),
        ``False`` if the digest was already known (the caller writes a revisit)."""

    def claim_payload(self, digest: str, ref: PayloadRef) -> PayloadRef | None:
        """``None`` if ``ref`` is now the original, else the existing original."""
        if self.add_payload(digest, ref):
            return None
        return self.lookup_payload(digest)

    @abstractmethod
    def replace_payload(self, digest: str, old_record_id: str, ref: PayloadRef) -> bool:
        """Make ``ref`` the original for ``digest`` if the stored original is still the
        one with ``old_record_id`` (compare-and-set; the stored one's capture is gone).
        ``True`` if replaced."""

    # -- URLs --------------------------------------------------------------------------
    @abstractmethod
    def seen_url(self, url: str) -> bool: ...

    @abstractmethod
    def add_url(self, url: str, **info: Any) -> bool:
        """Add ``url`` (with optional :class:`UrlState` fields) if absent; ``True`` if added."""

    @abstractmethod
    def get_url(self, url: str) -> UrlState | None: ...

    @abstractmethod
    def set_url(self, url: str, state: UrlState) -> None:
        """Insert or replace the state of ``url``."""

    def update_url(self, url: str, **changes: Any) -> UrlState:
        """Merge ``changes`` into the stored state (not atomic across processes)."""
        state = dataclasses.replace(self.get_url(url) or UrlState(), **changes)
        self.set_url(url, state)
        return state

    # -- near-duplicate articles ----------------------------------------------------------
    def find_near_duplicate(self, signature: bytes | None, article_id: str,
                            keys: list[int] | None = None) -> str | None:
        """Id of the earliest-added *other* article whose signature shares an LSH band
        with ``signature`` and is at least ``near.THRESHOLD`` similar (best match
        first; ties -> earliest).  ``None`` for a ``None`` signature (short text).
        ``keys``: the signature's ``near.band_keys`` when already computed."""
        if signature is None:
            return None
        best: tuple[float, int, str] | None = None
        for seq, other_id, other_sig in self._near_candidates(keys or near.band_keys(signature)):
            if other_id == article_id:
                continue
            sim = near.similarity(signature, other_sig)
            if sim >= near.THRESHOLD and (best is None or (-sim, seq) < (-best[0], best[1])):
                best = (sim, seq, other_id)
        return best[2] if best else None

    @abstractmethod
    def add_article(self, signature: bytes | None, article_id: str, url: str,
                    keys: list[int] | None = None) -> None:
        """Index an article's signature (no-op for ``None`` or an already indexed id)."""

    @abstractmethod
    def _near_candidates(self, keys: list[int]) -> list[tuple[int, str, bytes]]:
        """``(seq, article_id, signature)`` of articles sharing any of the band keys."""

    # -- misc ----------------------------------------------------------------------------
    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Number of payloads, urls and articles stored."""

    def flush(self) -> None:
        """Make pending writes durable/visible to other processes."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> DedupIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------------------------
# SQLite
# ---------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS payload (
    digest TEXT PRIMARY KEY, uri TEXT NOT NULL, date TEXT NOT NULL, record_id TEXT NOT NULL,
    filename TEXT, "offset" INTEGER, length INTEGER, crawl_id TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS url (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, payload_digest TEXT,
    last_fetched TEXT, last_status INTEGER, article_id TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS near_article (
    seq INTEGER PRIMARY KEY, article_id TEXT NOT NULL UNIQUE, url TEXT, sig BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS near_band (
    band INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (band, seq)
) WITHOUT ROWID;
"""


class SQLiteDedupIndex(DedupIndex):
    """Dedup index in one SQLite file (WAL), shared by processes on one machine.

    Open one instance per process (do not share it across ``fork``).  Thread-safe.
    """

    #: After a batch commit, a process that knows other writers are waiting pauses this
    #: long before taking the write lock again, so waiters (polling every ~1 ms) get in.
    YIELD_SECONDS = 0.005

    def __init__(self, path: str | Path, *, batch_size: int = 10_000, commit_interval: float = 0.5,
                 busy_timeout: float = 60.0, cache_mb: int = 16):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.batch_size = int(batch_size)
        self.commit_interval = float(commit_interval)
        self.busy_timeout = float(busy_timeout)
        # Writers waiting for the lock touch this file; the lock holder reads its mtime
        # once per batch and, if recent, yields after committing (no starvation).
        self._wait_flag = self.path.with_name(self.path.name + ".writers-waiting")
        self._last_commit = 0.0
        self._last_flag_touch = 0.0
        self._lock = threading.RLock()
        self._pending = 0
        self._txn_started = 0.0
        self._closed = False
        self._db = sqlite3.connect(str(self.path), timeout=busy_timeout, isolation_level=None,
                                   check_same_thread=False)
        db = self._db
        db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")
        db.execute("BEGIN IMMEDIATE")
        try:
            for stmt in filter(str.strip, _SCHEMA.split(";")):
                db.execute(stmt)
            if "crawl_id" not in {r[1] for r in db.execute("PRAGMA table_info(payload)")}:
                db.execute("ALTER TABLE payload ADD COLUMN crawl_id TEXT")  # older index
            db.execute("INSERT OR IGNORE INTO meta VALUES ('near_scheme', ?)", (NEAR_SCHEME,))
            (scheme,) = db.execute("SELECT value FROM meta WHERE key='near_scheme'").fetchone()
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            db.close()
            raise
        if scheme != NEAR_SCHEME:
            db.close()
            raise ValueError(f"{self.path}: near-dup index built with {scheme!r}, "
                             f"this version uses {NEAR_SCHEME!r}")
        self._stop = threading.Event()
        self._timer = threading.Thread(target=self._commit_loop, name="dedup-sqlite-commit",
                                       daemon=True)
        self._timer.start()

    # -- transactions --------------------------------------------------------------------
    def _write(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> sqlite3.Cursor:
        """Execute a write inside the current batch transaction (opening one if needed)."""
        if self._closed:
            raise ValueError("dedup index is closed")
        if not self._db.in_transaction:
            self._begin()
        return self._db.execute(sql, params)

    def _others_waiting(self) -> bool:
        try:
            return time.time() - self._wait_flag.stat().st_mtime < 1.0
        except FileNotFoundError:
            return False

    def _begin(self) -> None:
        """Take the database write lock (``BEGIN IMMEDIATE``), fairly.

        SQLite's own busy handler sleeps up to 100 ms between attempts, so a process that
        commits and immediately starts its next batch could starve the others.  Instead
        waiters poll every ~1 ms (jittered) and advertise themselves via a flag file, and
        a holder that sees the flag pauses YIELD_SECONDS after each batch commit."""
        if self._last_commit and self._others_waiting():
            pause = self._last_commit + self.YIELD_SECONDS - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        deadline = time.monotonic() + self.busy_timeout
        self._db.execute("PRAGMA busy_timeout=0")
        try:
            while True:
                try:
                    self._db.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as exc:
                    msg = str(exc).lower()
                    if ("locked" not in msg and "busy" not in msg) or time.monotonic() > deadline:
                        raise
                now = time.time()
                if now - self._last_flag_touch > 0.2:
                    self._last_flag_touch = now
                    self._wait_flag.touch()
                time.sleep(random.uniform(0.0005, 0.0015))
        finally:
            self._db.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        self._txn_started = time.monotonic()
        self._pending = 0

    def _wrote(self, n: int = 1) -> None:
        self._pending += n
        if (self._pending >= self.batch_size
                or time.monotonic() - self._txn_started >= self.commit_interval):
            self._commit()

    def _commit(self) -> None:
        if self._db.in_transaction:
            self._db.execute("COMMIT")
            self._last_commit = time.monotonic()
        self._pending = 0

    def _commit_loop(self) -> None:
        while not self._stop.wait(self.commit_interval / 2):
            with self._lock:
                if (not self._closed and self._db.in_transaction
                        and time.monotonic() - self._txn_started >= self.commit_interval):
                    self._commit()

    def flush(self) -> None:
        with self._lock:
            if not self._closed:
                self._commit()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._commit()
            self._closed = True
            self._stop.set()
            self._db.close()
        if self._timer is not threading.current_thread():
            self._timer.join(timeout=5)

    def snapshot(self, dest: str | Path) -> Path:
        """Write a consistent copy of the whole index to ``dest`` (a self-contained SQLite
        file, WAL content included) while the index stays open and usable — the safe way to
        upload it to a remote store.  Copying ``dedup.sqlite3`` by hand can miss commits
        that are still only in ``dedup.sqlite3-wal``."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.unlink(missing_ok=True)
        with self._lock:
            if self._closed:
                raise ValueError("dedup index is closed")
            self._commit()
            out = sqlite3.connect(str(dest))
            try:
                self._db.backup(out)
                out.execute("PRAGMA journal_mode=DELETE")
            finally:
                out.close()
        return dest

    def _read(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[tuple[Any, ...]]:
        if self._closed:
            raise ValueError("dedup index is closed")
        return self._db.execute(sql, params).fetchall()

    # -- payloads ------------------------------------------------------------------------
    def lookup_payload(self, digest: str) -> PayloadRef | None:
        with self._lock:
            rows = self._read('SELECT uri, date, record_id, filename, "offset", length, crawl_id '
                              "FROM payload WHERE digest=?", (digest,))
        return PayloadRef(*rows[0]) if rows else None

    def add_payload(self, digest: str, ref: PayloadRef) -> bool:
        with self._lock:
            cur = self._write('INSERT OR IGNORE INTO payload (digest, uri, date, record_id, '
                              'filename, "offset", length, crawl_id) VALUES (?,?,?,?,?,?,?,?)',
                              (digest, *_ref_values(ref)))
            added = cur.rowcount == 1
            self._wrote()
        return added

    def replace_payload(self, digest: str, old_record_id: str, ref: PayloadRef) -> bool:
        with self._lock:
            cur = self._write('UPDATE payload SET uri=?, date=?, record_id=?, filename=?, '
                              '"offset"=?, length=?, crawl_id=? WHERE digest=? AND record_id=?',
                              (*_ref_values(ref), digest, old_record_id))
            replaced = cur.rowcount == 1
            self._wrote()
        return replaced

    # -- URLs ----------------------------------------------------------------------------
    def seen_url(self, url: str) -> bool:
        with self._lock:
            return bool(self._read("SELECT 1 FROM url WHERE url=?", (url,)))

    def add_url(self, url: str, **info: Any) -> bool:
        row = (url, *_url_row(_url_state(info))) if info else (url, None, None, None, None, None, None)
        with self._lock:
            cur = self._write("INSERT OR IGNORE INTO url VALUES (?,?,?,?,?,?,?)", row)
            added = cur.rowcount == 1
            self._wrote()
        return added

    def get_url(self, url: str) -> UrlState | None:
        with self._lock:
            rows = self._read("SELECT etag, last_modified, payload_digest, last_fetched, "
                              "last_status, article_id FROM url WHERE url=?", (url,))
        return UrlState(*rows[0]) if rows else None

    def set_url(self, url: str, state: UrlState) -> None:
        with self._lock:
            self._write("INSERT OR REPLACE INTO url VALUES (?,?,?,?,?,?,?)",
                        (url, *_url_row(state)))
            self._wrote()

    # -- near duplicates -----------------------------------------------------------------
    def add_article(self, signature: bytes | None, article_id: str, url: str,
                    keys: list[int] | None = None) -> None:
        if signature is None:
            return
        keys = keys or near.band_keys(signature)
        with self._lock:
            cur = self._write("INSERT OR IGNORE INTO near_article (article_id, url, sig) "
                              "VALUES (?,?,?)", (article_id, url, signature))
            if cur.rowcount == 1:
                seq = cur.lastrowid
                self._db.executemany("INSERT OR IGNORE INTO near_band VALUES (?,?)",
                                     [(k, seq) for k in keys])
            self._wrote()

    def _near_candidates(self, keys: list[int]) -> list[tuple[int, str, bytes]]:
        marks = ",".join("?" * len(keys))
        with self._lock:
            return self._read(
                "SELECT seq, article_id, sig FROM near_article WHERE seq IN "
                f"(SELECT DISTINCT seq FROM near_band WHERE band IN ({marks}) "
                f"ORDER BY seq LIMIT {MAX_CANDIDATES}) ORDER BY seq", keys)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {name: self._read(f"SELECT count(*) FROM {table}")[0][0]
                    for name, table in (("payloads", "payload"), ("urls", "url"),
                                        ("articles", "near_article"))}


# ---------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------

# KEYS: ids, arts, bands, seq.  ARGV: article_id, value, max_bucket_bytes, band keys...
_ADD_ARTICLE_LUA = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
local n = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], ARGV[1], n)
redis.call('HSET', KEYS[2], n, ARGV[2])
local cap = tonumber(ARGV[3])
for i = 4, #ARGV do
  local cur = redis.call('HGET', KEYS[3], ARGV[i])
  if not cur then
    redis.call('HSET', KEYS[3], ARGV[i], n)
  elseif #cur < cap then
    redis.call('HSET', KEYS[3], ARGV[i], cur .. ' ' .. n)
  end
end
return n
"""


# KEYS: payload hash.  ARGV: digest, record id of the original to replace, new value.
_REPLACE_PAYLOAD_LUA = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
if cjson.decode(cur)[3] ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
"""


def _compact(values: tuple[Any, ...]) -> str:
    """JSON list of the dataclass fields in order, trailing ``None``s dropped (small in RAM)."""
    values = list(values)
    while values and values[-1] is None:
        values.pop()
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False)




class RedisDedupIndex(DedupIndex):
    """Dedup index on Redis (hashes ``<prefix>:payload``, ``<prefix>:url``, ``<prefix>:near:*``).

    ``prefix`` defaults to ``newsarchiver:{<namespace>}`` (a Redis Cluster hash tag).
    Every call is one round trip; writes are immediately visible to all workers.
    """

    def __init__(self, url: str = "redis://127.0.0.1:6379/0", *, namespace: str = "default",
                 prefix: str | None = None, client: Any = None):
        import redis  # imported lazily: only distributed crawls need it

        self.client = client if client is not None else redis.Redis.from_url(url)
        self.prefix = prefix if prefix is not None else f"newsarchiver:{{{namespace}}}"
        p = self.prefix
        self.k_payload = f"{p}:payload"
        self.k_url = f"{p}:url"
        self.k_ids = f"{p}:near:ids"
        self.k_arts = f"{p}:near:articles"
        self.k_bands = f"{p}:near:bands"
        self.k_seq = f"{p}:near:seq"
        self.k_meta = f"{p}:meta"
        self._add_article = self.client.register_script(_ADD_ARTICLE_LUA)
        self._replace_payload = self.client.register_script(_REPLACE_PAYLOAD_LUA)
        self.client.hsetnx(self.k_meta, "near_scheme", NEAR_SCHEME)
        scheme = self.client.hget(self.k_meta, "near_scheme")
        if scheme is not None and scheme.decode() != NEAR_SCHEME:
            raise ValueError(f"redis {self.prefix}: near-dup index built with {scheme.decode()!r}, "
                             f"this version uses {NEAR_SCHEME!r}")

    # -- payloads ------------------------------------------------------------------------
    def lookup_payload(self, digest: str) -> PayloadRef | None:
        raw = self.client.hget(self.k_payload, digest)
        return PayloadRef(*json.loads(raw)) if raw is not None else None

    def add_payload(self, digest: str, ref: PayloadRef) -> bool:
        return bool(self.client.hsetnx(self.k_payload, digest, _compact(_ref_values(ref))))

    def replace_payload(self, digest: str, old_record_id: str, ref: PayloadRef) -> bool:
        return bool(self._replace_payload(keys=[self.k_payload],
                                          args=[digest, old_record_id, _compact(_ref_values(ref))]))

    # -- URLs ----------------------------------------------------------------------------
    def seen_url(self, url: str) -> bool:
        return bool(self.client.hexists(self.k_url, url))

    def add_url(self, url: str, **info: Any) -> bool:
        state = _url_state(info) if info else UrlState()
        return bool(self.client.hsetnx(self.k_url, url, _compact(_url_row(state))))

    def get_url(self, url: str) -> UrlState | None:
        raw = self.client.hget(self.k_url, url)
        return UrlState(*json.loads(raw)) if raw is not None else None

    def set_url(self, url: str, state: UrlState) -> None:
        self.client.hset(self.k_url, url, _compact(_url_row(state)))

    # -- near duplicates -----------------------------------------------------------------
    @staticmethod
    def _band_field(key: int) -> bytes:
        return key.to_bytes(8, "little", signed=True)

    def add_article(self, signature: bytes | None, article_id: str, url: str,
                    keys: list[int] | None = None) -> None:
        if signature is None:
            return
        near._as_array(signature)  # validate
        value = signature + json.dumps([article_id, url], separators=(",", ":")).encode()
        fields = [self._band_field(k) for k in (keys or near.band_keys(signature))]
        self._add_article(keys=[self.k_ids, self.k_arts, self.k_bands, self.k_seq],
                          args=[article_id, value, 12 * MAX_CANDIDATES, *fields])

    def _near_candidates(self, keys: list[int]) -> list[tuple[int, str, bytes]]:
        buckets = self.client.hmget(self.k_bands, [self._band_field(k) for k in keys])
        seqs = sorted({int(s) for b in buckets if b for s in b.split()})[:MAX_CANDIDATES]
        if not seqs:
            return []
        out = []
        siglen = 4 * near.NUM_PERM
        for seq, raw in zip(seqs, self.client.hmget(self.k_arts, seqs)):
            if raw is not None:
                article_id, _url = json.loads(raw[siglen:])
                out.append((seq, article_id, bytes(raw[:siglen])))
        return out

    # -- misc ----------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        pipe = self.client.pipeline(transaction=False)
        pipe.hlen(self.k_payload)
        pipe.hlen(self.k_url)
        pipe.hlen(self.k_ids)
        payloads, urls, articles = pipe.execute()
        return {"payloads": payloads, "urls": urls, "articles": articles}

    def clear(self) -> None:
        """Delete every key of this index (tests, benchmarks, starting over)."""
        self.client.unlink(self.k_payload, self.k_url, self.k_ids, self.k_arts, self.k_bands,
                           self.k_seq, self.k_meta)

    def close(self) -> None:
        self.client.close()


# ---------------------------------------------------------------------------------------


def open_dedup_index(spec: str | None, state_dir: Path) -> DedupIndex:
    """Open the dedup index named by ``spec``.

    * ``None``, ``""`` or ``"sqlite"`` -> ``SQLiteDedupIndex(state_dir / "dedup.sqlite3")``
    * ``"sqlite:///abs/path.sqlite3"`` or ``"sqlite:relative/path"`` -> that file
      (relative to ``state_dir``); options as query: ``sqlite?batch_size=100&commit_interval=0.1``
      (also ``busy_timeout`` seconds, ``cache_mb``)
    * ``"redis://[:pw@]host:port/db?namespace=NAME&prefix=PREFIX"`` (also ``rediss://``,
      ``unix://``) -> :class:`RedisDedupIndex`; ``namespace``/``prefix`` are taken out of
      the query, everything else goes to ``redis.Redis.from_url``.
    """
    spec = (spec or "").strip()
    if spec in ("", "sqlite") or spec.startswith("sqlite:") or spec.startswith("sqlite?"):
        rest, _, query = spec[len("sqlite"):].partition("?")
        rest = rest[1:] if rest.startswith(":") else rest
        rest = rest[2:] if rest.startswith("//") else rest
        path = Path(rest) if rest else Path(DEFAULT_SQLITE_NAME)
        opts: dict[str, Any] = {}
        for key, value in parse_qsl(query):
            if key not in ("batch_size", "commit_interval", "busy_timeout", "cache_mb"):
                raise ValueError(f"unknown sqlite dedup option {key!r}")
            opts[key] = float(value) if key in ("commit_interval", "busy_timeout") else int(value)
        return SQLiteDedupIndex(path if path.is_absolute() else Path(state_dir) / path, **opts)
    scheme = spec.split(":", 1)[0].lower()
    if scheme in ("redis", "rediss", "unix"):
        parts = urlsplit(spec)
        query = parse_qsl(parts.query, keep_blank_values=True)
        opts = {k: v for k, v in query if k in ("namespace", "prefix")}
        rest = [(k, v) for k, v in query if k not in ("namespace", "prefix")]
        url = urlunsplit(parts._replace(query=urlencode(rest)))
        return RedisDedupIndex(url, namespace=opts.get("namespace") or "default",
                               prefix=opts.get("prefix"))
    raise ValueError(f"unknown dedup index spec {spec!r} (use 'sqlite', 'sqlite:PATH' or redis://...)")
