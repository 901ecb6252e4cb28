"""``crawler verify``: a fixity audit of a store (local folder or S3), through the Store interface.

What is checked (every problem names the file it is about):

* every file a run manifest lists is in the store, with the size and SHA-256 the
  manifest recorded (``missing``, ``pending``: still waiting in a local spool, ``size``,
  ``sha256``);
* every WARC reads cleanly -- gzip members, record headers, Content-Length -- and its
  block and payload digests match (``warc``, ``digest``; :mod:`crawler.verify.warcs`);
* every CDXJ line lands on a record of its WARC: same offset, length and URL (``cdxj``);
* every JSON Lines part decompresses and parses (``json``), and every record's ``warc``
  pointer names a ``response`` (or ``revisit``) record with that id, file, offset,
  length and URL (``pointer``) -- for an offline run (``crawler recrawl-offline``), whose
  manifest names the archive it read as its ``source``, in that store's WARCs (a source
  that cannot be read is one ``source`` problem, its pointers are left unchecked);
* every revisit resolves to its original (``WARC-Refers-To``) in the store, with the
  same URL and, for identical-payload revisits, the same payload digest (``revisit``);
* orphans: files under the store's data folders that no manifest lists (``state/``
  and ``manifests/`` themselves are not data; ``.spool/`` is never listed).

One pass over the data: each listed object is opened once and read front to back,
hashed and parsed as it streams (:class:`~crawler.verify.streams.HashingReader`); no file
is held in memory.  What must be cross-referenced (record ids, offsets, URLs of WARC
records; revisits) goes to a temporary SQLite file, so memory stays flat for any store.
WARCs are read first, so indexes and JSON records are resolved as they stream.  A
pointer into a WARC outside the audit (``--crawl-id``: a reprocess run's records point
into the crawl's WARCs; a revisit's original in an earlier crawl) is resolved with a
range read of that one record (found through the other crawls' CDXJ indexes for
revisits).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from crawler.storage import Store, StoreError, layout, open_store
from crawler.verify.report import Report
from crawler.verify.streams import CorruptStream, HashingReader
from crawler.verify.warcs import WarcReader

logger = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc.gz", ".warc")
NOT_DATA = (f"{layout.STATE_PREFIX}/", f"{layout.MANIFESTS_PREFIX}/")


class StoreMissing(Exception):
    """The store does not exist or cannot be read (exit 3)."""


class UnknownCrawl(Exception):
    """``--crawl-id`` names no run of the store (exit 2)."""


def _ts14(warc_date: str | None) -> str:
    return "".join(ch for ch in (warc_date or "") if ch.isdigit())[:14]


class Audit:
    def __init__(self, store: Store, crawl_id: str | None = None, *, tmp_dir: str | Path | None = None,
                 progress: Callable[[str], None] | None = None):
        self.store = store
        self.crawl_id = crawl_id
        self.report = Report(store.uri, crawl_id)
        self.progress = progress or (lambda _msg: None)
        self._tmp = tempfile.TemporaryDirectory(prefix="verify-", dir=tmp_dir)
        self.db = sqlite3.connect(Path(self._tmp.name) / "records.sqlite3")
        self.db.executescript("""
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE TABLE files (fid INTEGER PRIMARY KEY, key TEXT UNIQUE);
            CREATE TABLE records (fid INTEGER, offset INTEGER, length INTEGER, type TEXT, id TEXT,
                                  uri TEXT, date TEXT, payload TEXT, PRIMARY KEY (fid, offset)) WITHOUT ROWID;
            CREATE TABLE revisits (fid INTEGER, offset INTEGER, id TEXT, refers_to TEXT, refers_uri TEXT,
                                   refers_date TEXT, payload TEXT, profile TEXT);
        """)
        self.listing: set[str] = set()
        self.read_keys: set[str] = set()
        self.warc_fids: dict[str, int] = {}
        self._ids_indexed = False
        #: manifest key -> the ``source`` it names (an offline run's archive); opened once per URI
        self.manifest_sources: dict[str, dict[str, Any]] = {}
        self.expected: dict[str, dict[str, Any]] = {}
        self._sources: dict[tuple[str, str | None], _Source] = {}

    # ------------------------------------------------------------------ driver
    def run(self) -> Report:
        t0 = time.monotonic()
        try:
            self._list()
            expected = self.expected = self._manifests()
            for key in sorted(expected, key=self._order):
                self._check_file(key, expected[key])
            self._index_ids()
            self._resolve_revisits()
            self._orphans(expected)
        finally:
            self.report.elapsed = time.monotonic() - t0
            self.db.close()
            self._tmp.cleanup()
        return self.report

    def _list(self) -> None:
        root = getattr(self.store, "root", None)
        if root is not None and not Path(root).is_dir():
            raise StoreMissing(f"store {self.store.uri} does not exist")
        try:
            self.listing = {k for k in self.store.list("") if not k.startswith(f"{layout.STATE_PREFIX}/")}
        except (StoreError, OSError) as exc:
            raise StoreMissing(f"cannot list store {self.store.uri}: {exc}") from None
        if not self.listing:
            raise StoreMissing(f"store {self.store.uri} is empty (no manifests, no files)")

    @staticmethod
    def _order(key: str) -> tuple[int, str]:
        if key.startswith(f"{layout.WARC_PREFIX}/"):
            return 0, key
        if key.startswith(f"{layout.INDEX_PREFIX}/"):
            return 1, key
        return 2, key

    def _manifests(self) -> dict[str, dict[str, Any]]:
        r = self.report
        keys = sorted(k for k in self.listing if k.startswith(f"{layout.MANIFESTS_PREFIX}/") and k.endswith(".json"))
        if self.crawl_id is not None:
            wanted = layout.manifest_key(self.crawl_id)
            if wanted not in self.listing:
                raise UnknownCrawl(f"no run {self.crawl_id!r} in {self.store.uri} (no {wanted})")
            keys = [wanted]
        expected: dict[str, dict[str, Any]] = {}
        for key in keys:
            try:
                with self.store.open_read(key) as fh:
                    manifest = json.load(fh)
                files = manifest["files"]
            except (OSError, StoreError, ValueError, KeyError, TypeError) as exc:
                r.add(key, "manifest", f"unreadable manifest: {type(exc).__name__}: {exc}")
                continue
            r.counts["manifests"] += 1
            source = manifest.get("source")
            if isinstance(source, dict) and source.get("store"):
                self.manifest_sources[key] = source
            for f in files:
                fkey = f.get("key") if isinstance(f, dict) else None
                if not fkey:
                    r.add(key, "manifest", f"file entry without a key: {f!r}"[:200])
                    continue
                prev = expected.get(fkey)
                if prev is not None and (prev.get("size"), prev.get("sha256")) != (f.get("size"), f.get("sha256")):
                    r.add(fkey, "manifest", f"listed twice with different size/SHA-256 ({prev['manifest']}, {key})")
                expected[fkey] = {**f, "manifest": key}
        r.counts["files/listed"] = len(expected)
        return expected

    # ------------------------------------------------------------------ one file
    def _check_file(self, key: str, entry: dict[str, Any]) -> None:
        r = self.report
        if key not in self.listing:
            if entry.get("pending"):
                r.add(key, "pending", f"listed in {entry['manifest']} as pending upload; not in the store yet "
                                      "(crawler upload --pending)")
            else:
                r.add(key, "missing", f"listed in {entry['manifest']}, not in the store")
            return
        self.progress(key)
        try:
            raw = self.store.open_read(key)
        except (OSError, StoreError) as exc:
            r.add(key, "unreadable", f"{type(exc).__name__}: {exc}")
            return
        self.read_keys.add(key)
        stream = HashingReader(raw)
        try:
            with raw:
                try:
                    self._parse(key, stream)
                finally:
                    stream.drain()
        except (OSError, StoreError) as exc:
            r.add(key, "unreadable", f"read failed after {stream.size} bytes: {type(exc).__name__}: {exc}")
            return
        r.bytes_read += stream.size
        r.counts["files/read"] += 1
        if entry.get("size") is not None and stream.size != entry["size"]:
            r.add(key, "size", f"{stream.size} bytes, the manifest says {entry['size']}")
        if entry.get("sha256") and stream.hexdigest() != entry["sha256"]:
            r.add(key, "sha256", f"SHA-256 {stream.hexdigest()}, the manifest says {entry['sha256']}")

    def _parse(self, key: str, stream: HashingReader) -> None:
        name = key.rsplit("/", 1)[-1]
        try:
            if key.startswith(f"{layout.WARC_PREFIX}/") and name.endswith(WARC_SUFFIXES):
                self._warc(key, stream)
            elif key.startswith(f"{layout.INDEX_PREFIX}/") and name.endswith(".cdxj"):
                self._cdxj(key, stream)
            elif key.startswith(f"{layout.ARTICLES_PREFIX}/") and name.endswith((".jsonl.gz", ".jsonl")):
                self._articles(key, stream)
        except CorruptStream as exc:
            self.report.add(key, "warc", str(exc))

    # ------------------------------------------------------------------ WARC
    def _fid(self, key: str) -> int:
        fid = self.warc_fids.get(key)
        if fid is None:
            fid = self.db.execute("INSERT INTO files (key) VALUES (?)", (key,)).lastrowid
            self.warc_fids[key] = fid
        return fid

    def _warc(self, key: str, stream: HashingReader) -> None:
        r = self.report
        fid = self._fid(key)
        reader = WarcReader(stream, gzip=key.endswith(".gz"))
        batch: list[tuple] = []
        revisits: list[tuple] = []
        try:
            for rec in reader:
                for problem in rec.problems:
                    r.add(key, "digest" if "digest" in problem else "warc", problem)
                payload = rec.get("WARC-Payload-Digest")
                batch.append((fid, rec.offset, rec.length, rec.type, rec.record_id, rec.uri, rec.date, payload))
                if rec.type == "revisit":
                    revisits.append((fid, rec.offset, rec.record_id, rec.get("WARC-Refers-To"),
                                     rec.get("WARC-Refers-To-Target-URI"), rec.get("WARC-Refers-To-Date"),
                                     payload, rec.get("WARC-Profile")))
                if len(batch) >= 5000:
                    self._insert(batch, revisits)
        finally:
            self._insert(batch, revisits)
            r.counts["warc/records"] += reader.records
            r.counts["warc/digests"] += reader.digests_checked
        r.counts["warc/files"] += 1

    def _insert(self, batch: list[tuple], revisits: list[tuple]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO records VALUES (?,?,?,?,?,?,?,?)", batch)
        self.db.executemany("INSERT INTO revisits VALUES (?,?,?,?,?,?,?,?)", revisits)
        batch.clear()
        revisits.clear()

    # ------------------------------------------------------------------ CDXJ
    @staticmethod
    def _lines(stream: HashingReader) -> Iterator[tuple[int, str]]:
        text = io.TextIOWrapper(io.BufferedReader(_Raw(stream)), encoding="utf-8", errors="strict",
                                newline="\n")
        for n, line in enumerate(text, 1):
            if line.strip():
                yield n, line

    def _cdxj(self, key: str, stream: HashingReader) -> None:
        r = self.report
        crawl = "/".join(key.split("/")[1:-1])
        try:
            for n, line in self._lines(stream):
                r.counts["cdxj/lines"] += 1
                try:
                    _urlkey, _ts, rest = line.rstrip("\n").split(" ", 2)
                    fields = json.loads(rest)
                    wkey = layout.warc_key(crawl, fields["filename"])
                    offset, length, url = int(fields["offset"]), int(fields["length"]), fields.get("url")
                except (ValueError, KeyError, TypeError) as exc:
                    r.add(key, "cdxj", f"line {n}: not a CDXJ line ({type(exc).__name__}: {exc})")
                    continue
                fid = self.warc_fids.get(wkey)
                if fid is None:
                    r.add(key, "cdxj", f"line {n}: points into {wkey}, which is not in the store or not listed")
                    continue
                row = self.db.execute("SELECT length, uri FROM records WHERE fid = ? AND offset = ?",
                                      (fid, offset)).fetchone()
                if row is None:
                    r.add(key, "cdxj", f"line {n}: no record at offset {offset} of {wkey} ({url})")
                elif row[0] != length or (url is not None and row[1] != url):
                    r.add(key, "cdxj", f"line {n}: offset {offset} of {wkey} holds a record of length {row[0]} "
                                       f"for {row[1]}, the line says length {length} for {url}")
        except UnicodeDecodeError as exc:
            r.add(key, "cdxj", f"not UTF-8 text: {exc}")

    # ------------------------------------------------------------------ JSON Lines
    def _articles(self, key: str, stream: HashingReader) -> None:
        r = self.report
        raw: Any = _Raw(stream)
        fh = gzip.GzipFile(fileobj=io.BufferedReader(raw), mode="rb") if key.endswith(".gz") \
            else io.BufferedReader(raw)
        n = 0
        try:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except ValueError as exc:
                    r.add(key, "json", f"line {n}: invalid JSON ({exc})")
                    continue
                r.counts["json/records"] += 1
                self._pointer(key, n, rec)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            r.add(key, "json", f"unreadable after line {n}: {type(exc).__name__}: {exc}")

    def _index_ids(self) -> None:
        """Index the records by id once every WARC is in (pointers and revisits look them up)."""
        if not self._ids_indexed:
            self.db.execute("CREATE INDEX records_id ON records (id)")
            self._ids_indexed = True

    def _pointer(self, key: str, n: int, rec: Any) -> None:
        r = self.report
        self._index_ids()
        w = rec.get("warc") if isinstance(rec, dict) else None
        if not isinstance(w, dict):
            r.add(key, "pointer", f"line {n}: record has no warc pointer")
            return
        r.counts["json/pointers"] += 1
        try:
            wkey = layout.warc_key(str(rec["crawl_id"]), str(w["filename"]))
            offset, length, rid = int(w["offset"]), int(w["length"]), w["record_id"]
        except (KeyError, TypeError, ValueError) as exc:
            r.add(key, "pointer", f"line {n}: incomplete warc pointer ({type(exc).__name__}: {exc})")
            return
        url = rec.get("url")
        row = self.db.execute("SELECT files.key, offset, length, type, uri FROM records "
                              "JOIN files USING (fid) WHERE id = ?", (rid,)).fetchone()
        if row is None and wkey not in self.warc_fids:
            row = self._fetch_record(wkey, offset, length, rid)
        source_what = ""
        if row is None and wkey not in self.listing:
            source = self._source_of(key)
            if source is not None:  # an offline run's record: it points into its archive's WARCs
                if source.error is not None:
                    r.counts["json/pointers/unchecked"] += 1
                    return  # said once, on the manifest (see _source_of)
                wkey = source.warc_keys.get(str(w["filename"]), wkey)
                row = source.fetch(wkey, offset, length, rid)
                source_what = f" of source {source.uri}"
        what = f"line {n} ({url}): warc pointer{source_what} {wkey}@{offset}"
        if row is None:
            if source_what:
                missing = f"is not in {source.uri}" if wkey not in source.keys else f"has no record {rid}"
            else:
                missing = "is not in the store" if wkey not in self.listing else f"has no record {rid}"
            r.add(key, "pointer", f"{what}: {wkey} {missing}")
        elif (row[0], row[1], row[2]) != (wkey, offset, length):
            r.add(key, "pointer", f"{what}+{length}: record {rid} is at {row[0]}@{row[1]}+{row[2]}")
        elif row[3] not in ("response", "revisit"):
            r.add(key, "pointer", f"{what}: names a {row[3]} record, not a response")
        elif url is not None and row[4] != url:
            r.add(key, "pointer", f"{what}: names a record of {row[4]}")

    def _fetch_record(self, wkey: str, offset: int, length: int, rid: str | None) -> tuple | None:
        """A record outside the audited WARCs, by range read: (key, offset, length, type, uri) or None."""
        if wkey not in self.listing:
            return None
        return fetch_record(self.store, wkey, offset, length, rid)

    def _source_of(self, key: str) -> _Source | None:
        """The source store named by the manifest that lists ``key`` (None: it names none).

        A source that cannot be opened or listed is one ``source`` problem on that manifest,
        said once; the pointers into it are counted as unchecked."""
        entry = self.expected.get(key)
        manifest = entry.get("manifest") if entry else None
        spec = self.manifest_sources.get(manifest) if manifest else None
        if spec is None:
            return None
        ident = (str(spec["store"]), spec.get("crawl_id"))
        source = self._sources.get(ident)
        if source is None:
            source = self._sources[ident] = _Source.open(*ident)
        if source.error is not None and manifest not in source.reported:
            source.reported.add(manifest)
            crawl = f" (crawl {ident[1]})" if ident[1] else ""
            self.report.add(manifest, "source", f"its records' warc pointers lead into {ident[0]}{crawl}, "
                                                f"which cannot be read: {source.error}; they are not checked")
        return source

    # ------------------------------------------------------------------ revisits
    def _resolve_revisits(self) -> None:
        r = self.report
        rows = self.db.execute("""
            SELECT f.key, v.offset, v.id, v.refers_to, v.refers_uri, v.refers_date, v.payload, v.profile,
                   o.type, o.uri, o.payload, of.key
            FROM revisits v JOIN files f ON f.fid = v.fid
            LEFT JOIN records o ON o.id = v.refers_to
            LEFT JOIN files of ON of.fid = o.fid
            ORDER BY f.key, v.offset""")
        unresolved: list[tuple] = []
        for (key, offset, rid, refers_to, refers_uri, refers_date, payload, profile,
             o_type, o_uri, o_payload, o_key) in rows:
            r.counts["revisits"] += 1
            if o_type is None:
                unresolved.append((key, offset, rid, refers_to, refers_uri, refers_date, payload, profile))
                continue
            self._check_original(key, offset, refers_uri, payload, profile, o_key, o_type, o_uri, o_payload)
        if unresolved:
            self._resolve_elsewhere(unresolved)

    def _check_original(self, key: str, offset: int, refers_uri: str | None, payload: str | None,
                        profile: str | None, o_key: str, o_type: str, o_uri: str | None,
                        o_payload: str | None) -> None:
        r = self.report
        what = f"revisit at offset {offset} ({refers_uri})"
        if o_type != "response":
            r.add(key, "revisit", f"{what}: its original in {o_key} is a {o_type} record, not a response")
        elif refers_uri and o_uri != refers_uri:
            r.add(key, "revisit", f"{what}: its original in {o_key} is a capture of {o_uri}")
        elif payload and "identical-payload-digest" in (profile or "") and o_payload and o_payload != payload:
            r.add(key, "revisit", f"{what}: payload digest {payload} differs from the original's {o_payload}")

    def _resolve_elsewhere(self, unresolved: list[tuple]) -> None:
        """Originals outside the audited WARCs: found through the CDXJ indexes not read yet."""
        r = self.report
        wanted = {(v[4], _ts14(v[5])) for v in unresolved if v[4]}
        candidates: dict[tuple[str, str], list[tuple[str, int, int]]] = {}
        other = sorted(k for k in self.listing if k.startswith(f"{layout.INDEX_PREFIX}/")
                       and k.endswith(".cdxj") and k not in self.read_keys)
        for ikey in other if wanted else []:
            crawl = "/".join(ikey.split("/")[1:-1])
            try:
                with self.store.open_read(ikey) as fh:
                    for _n, line in self._lines(HashingReader(fh)):
                        try:
                            _k, ts, rest = line.rstrip("\n").split(" ", 2)
                            fields = json.loads(rest)
                            hit = (fields.get("url"), ts[:14])
                            if hit in wanted:
                                candidates.setdefault(hit, []).append(
                                    (layout.warc_key(crawl, fields["filename"]), int(fields["offset"]),
                                     int(fields["length"])))
                        except (ValueError, KeyError, TypeError):
                            continue
            except (OSError, StoreError, UnicodeDecodeError):
                continue
        for key, offset, rid, refers_to, refers_uri, refers_date, payload, profile in unresolved:
            found = None
            for wkey, off, length in candidates.get((refers_uri, _ts14(refers_date)), []):
                row = self._fetch_record(wkey, off, length, refers_to)
                if row is not None:
                    found = row
                    break
            if found is None:
                r.add(key, "revisit", f"revisit at offset {offset} ({refers_uri}): its original {refers_to} "
                                      f"({refers_date}) is not in the store")
            else:
                self._check_original(key, offset, refers_uri, None, profile, found[0], found[3], found[4], None)

    # ------------------------------------------------------------------ orphans
    def _orphans(self, expected: dict[str, dict[str, Any]]) -> None:
        cid = self.crawl_id
        out = []
        for key in sorted(self.listing):
            if key in expected or key.startswith(NOT_DATA):
                continue
            if cid is not None and not (
                    key.startswith((f"{layout.WARC_PREFIX}/{cid}/", f"{layout.INDEX_PREFIX}/{cid}/",
                                    f"{layout.LOGS_PREFIX}/{cid}."))
                    or (key.startswith(f"{layout.ARTICLES_PREFIX}/") and f"/part-{cid}-" in key)):
                continue
            out.append(key)
        self.report.orphans = out


def fetch_record(store: Store, wkey: str, offset: int, length: int, rid: str | None) -> tuple | None:
    """The record at ``wkey@offset`` by range read: (key, offset, length, type, uri), or None
    when there is none (or not the one with id ``rid``)."""
    try:
        data = store.read_range(wkey, offset, length)
        rec = next(iter(WarcReader(HashingReader(io.BytesIO(data)), gzip=wkey.endswith(".gz"))))
    except (CorruptStream, StopIteration, OSError, StoreError):
        return None
    if rid is not None and rec.record_id != rid:
        return None
    return wkey, offset, rec.length, rec.type, rec.uri


class _Source:
    """The archive an offline run (``crawler recrawl-offline``) read its responses from, as its
    manifest's ``source`` names it: its records' ``warc`` pointers give the WARC's file name,
    found under ``warc/`` of that store (of the source crawl, when one was named)."""

    def __init__(self, uri: str, store: Store | None, warc_keys: dict[str, str], error: str | None):
        self.uri = uri
        self.store = store
        self.warc_keys = warc_keys  # file name -> key
        self.keys = set(warc_keys.values())
        self.error = error
        self.reported: set[str] = set()

    @classmethod
    def open(cls, uri: str, crawl_id: str | None) -> _Source:
        try:
            store = open_store(uri)
            root = getattr(store, "root", None)
            if root is not None and not Path(root).is_dir():
                return cls(uri, None, {}, "no such folder")
            prefix = f"{layout.WARC_PREFIX}/{crawl_id}/" if crawl_id else f"{layout.WARC_PREFIX}/"
            keys = {k.rsplit("/", 1)[-1]: k for k in store.list(prefix) if k.endswith(WARC_SUFFIXES)}
        except (StoreError, OSError, ValueError) as exc:
            return cls(uri, None, {}, f"{type(exc).__name__}: {exc}")
        if not keys:
            return cls(uri, None, {}, "it holds no WARC files" + (f" of crawl {crawl_id}" if crawl_id else ""))
        return cls(uri, store, keys, None)

    def fetch(self, wkey: str, offset: int, length: int, rid: str | None) -> tuple | None:
        if self.store is None or wkey not in self.keys:
            return None
        return fetch_record(self.store, wkey, offset, length, rid)


class _Raw(io.RawIOBase):
    """A HashingReader as a raw stream, for io.BufferedReader / gzip / text wrappers."""

    def __init__(self, stream: HashingReader):
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.stream.read(len(b))
        n = len(data)
        b[:n] = data
        return n


def verify_store(store: Store | str, crawl_id: str | None = None, **options: Any) -> Report:
    """Audit ``store`` (a Store or a URI); raises :class:`StoreMissing` / :class:`UnknownCrawl`."""
    if not isinstance(store, Store):
        try:
            store = open_store(store)
        except StoreError as exc:
            raise StoreMissing(str(exc)) from None
    return Audit(store, crawl_id, **options).run()


__all__ = ["Audit", "verify_store", "StoreMissing", "UnknownCrawl"]
