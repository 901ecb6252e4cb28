"""Rebuild the dedup index from what a store holds, for a store without an index
snapshot (``state/dedup.sqlite3``): a store written before snapshots existed, one whose
``state/`` was lost, or an empty one (which gives an empty index).

* **payloads**: from the CDXJ indexes of the WARCs the store holds (``indexes/``), the
  earliest complete 2xx ``response`` per payload digest; its WARC-Record-ID and exact
  WARC-Date (the revisit's ``WARC-Refers-To`` / ``-Date``) are read from the record's
  head (one range read of a few KB per distinct payload, never a whole WARC);
* **URLs**: from the article records (``articles/``) whose capture is in a WARC the store
  holds: the article id, payload digest, status and fetch time, so a re-capture of an
  archived article makes no second record;
* **near-duplicate signatures** are not rebuilt (the article text would have to be
  re-shingled): near copies of articles archived before the rebuild are not marked.
"""

from __future__ import annotations

import gzip
import json
import logging
import sqlite3
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable

from crawler.dedup.index import PayloadRef, SQLiteDedupIndex, UrlState
from crawler.storage import layout

logger = logging.getLogger(__name__)

#: bytes read from the start of a record to get its WARC header block
HEAD_BYTES = 16 * 1024


def _lines(store: Any, key: str) -> Iterable[str]:
    """The lines of a stored text file, streamed (S3 bodies are not io objects)."""
    with store.open_read(key) as fh:
        rest = b""
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            *lines, rest = (rest + chunk).split(b"\n")
            for line in lines:
                if line.strip():
                    yield line.decode("utf-8")
        if rest.strip():
            yield rest.decode("utf-8")


def _cdxj_candidates(store: Any, warcs: dict[str, str], db: sqlite3.Connection) -> None:
    from crawler.archive.cdxj import parse_line

    db.execute("CREATE TABLE cand (digest TEXT, ts TEXT, seq INTEGER, key TEXT, url TEXT, "
               "crawl_id TEXT, \"offset\" INTEGER, length INTEGER)")
    seq = 0
    for ikey in store.list(layout.INDEX_PREFIX + "/"):
        parts = ikey.split("/")
        if len(parts) < 3 or not ikey.endswith(".cdxj"):
            continue
        crawl_id, wname = "/".join(parts[1:-1]), parts[-1][: -len(".cdxj")]
        wkey = warcs.get(wname)
        if wkey is None:
            continue  # an index whose WARC is not in the store
        rows = []
        for line in _lines(store, ikey):
            try:
                _key, ts, f = parse_line(line)
                status = int(f.get("status") or 0)
            except (ValueError, TypeError):
                continue
            if f.get("mime") == "warc/revisit" or not 200 <= status < 300 or not f.get("digest"):
                continue
            seq += 1
            rows.append((f["digest"], ts, seq, wkey, f.get("url"), crawl_id,
                         int(f.get("offset", 0)), int(f.get("length", 0))))
        db.executemany("INSERT INTO cand VALUES (?,?,?,?,?,?,?,?)", rows)


def read_record_head(store: Any, key: str, offset: int, length: int) -> dict[str, str]:
    """The WARC header fields of the (gzip member) record at ``offset`` of ``key``."""
    raw = store.read_range(key, offset, min(length, HEAD_BYTES) if length else HEAD_BYTES)
    try:
        data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw)
    except zlib.error:
        data = raw  # an uncompressed WARC
    end = data.find(b"\r\n\r\n")
    fields: dict[str, str] = {}
    for line in data[: end if end >= 0 else len(data)].split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            fields[name.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()
    return fields


def _payloads(store: Any, db: sqlite3.Connection, index: SQLiteDedupIndex, workers: int) -> int:
    rows = db.execute(
        "SELECT c.digest, c.key, c.url, c.crawl_id, c.\"offset\", c.length FROM cand c "
        "JOIN (SELECT digest, min(ts || printf('%012d', seq)) AS first FROM cand GROUP BY digest) f "
        "ON f.digest = c.digest AND c.ts || printf('%012d', c.seq) = f.first").fetchall()

    def one(row: tuple[Any, ...]) -> tuple[str, PayloadRef] | None:
        digest, key, url, crawl_id, offset, length = row
        try:
            head = read_record_head(store, key, offset, length)
        except Exception as exc:  # noqa: BLE001 - a record we cannot read is no original
            logger.warning("rebuild: cannot read %s at %d: %s", key, offset, exc)
            return None
        if head.get("warc-type") != "response" or "warc-truncated" in head \
                or not head.get("warc-record-id") or not head.get("warc-date"):
            return None
        ref = PayloadRef(head.get("warc-target-uri") or url, head["warc-date"],
                         head["warc-record-id"], key.rsplit("/", 1)[-1], offset, length, crawl_id)
        return head.get("warc-payload-digest") or digest, ref

    added = 0
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dedup-rebuild") as pool:
        for result in pool.map(one, rows):
            if result is not None and index.add_payload(*result):
                added += 1
    return added


def _iter_records(store: Any, key: str) -> Iterable[dict[str, Any]]:
    with store.open_read(key) as raw, gzip.GzipFile(fileobj=raw) as gz:
        for line in gz:
            try:
                rec = json.loads(line)
            except ValueError:
                continue  # a cut last line
            if isinstance(rec, dict):
                yield rec


def _urls(store: Any, warc_names: set[str], index: SQLiteDedupIndex) -> int:
    n = 0
    for key in store.list(layout.ARTICLES_PREFIX + "/"):
        if not key.endswith(".jsonl.gz"):
            continue
        try:
            n += _urls_of_part(store, key, warc_names, index)
        except (OSError, EOFError, zlib.error) as exc:  # a cut part: what was read counts
            logger.warning("rebuild: cannot read all of %s: %s", key, exc)
    return n


def _urls_of_part(store: Any, key: str, warc_names: set[str], index: SQLiteDedupIndex) -> int:
    n = 0
    for rec in _iter_records(store, key):
        warc = rec.get("warc") if isinstance(rec.get("warc"), dict) else {}
        url, article_id = rec.get("url"), rec.get("id")
        if not isinstance(url, str) or not isinstance(article_id, str) \
                or warc.get("filename") not in warc_names:
            continue
        fetched = rec.get("fetched_at") if isinstance(rec.get("fetched_at"), str) else None
        old = index.get_url(url)
        if old is not None and (old.last_fetched or "") > (fetched or ""):
            continue
        status = rec.get("http_status") if isinstance(rec.get("http_status"), int) else None
        index.set_url(url, UrlState(payload_digest=warc.get("payload_digest"),
                                    last_fetched=fetched, last_status=status,
                                    article_id=article_id))
        n += 1
    return n


def rebuild_index(store: Any, dest: Path, warc_keys: Iterable[str], *,
                  workers: int = 8) -> dict[str, int]:
    """Write a fresh SQLite dedup index of ``store`` at ``dest`` (replacing it).

    ``warc_keys``: the WARC keys the store holds (``warc/<crawl_id>/<name>``)."""
    from crawler.dedup.merge import remove_index_files

    warcs = {k.rsplit("/", 1)[-1]: k for k in warc_keys}
    dest = Path(dest)
    remove_index_files(dest)
    scratch = dest.with_name(dest.name + ".rebuild-scratch")
    remove_index_files(scratch)
    db = sqlite3.connect(str(scratch))
    index = SQLiteDedupIndex(dest)
    try:
        payloads = urls = 0
        if warcs:
            _cdxj_candidates(store, warcs, db)
            payloads = _payloads(store, db, index, workers)
            urls = _urls(store, set(warcs), index)
        index.flush()
    finally:
        index.close()
        db.close()
        remove_index_files(scratch)
    logger.info("dedup index rebuilt from %s: %d WARCs, %d payloads, %d article URLs",
                store.uri, len(warcs), payloads, urls)
    return {"warcs": len(warcs), "payloads": payloads, "urls": urls}
