"""Merge two SQLite dedup index files: what concurrent writers of one store do before
they replace its snapshot (see :mod:`crawler.dedup.snapshot`).

``merge_index_file(dst, src)`` adds every entry of ``src`` to ``dst`` (both closed
index files):

* **payloads**: first writer wins -- a digest already in ``dst`` keeps its original
  (both captures are archived; either one is a valid revisit target);
* **URLs**: the state with the later ``last_fetched`` wins, field by field the article
  id is kept from either side;
* **near-duplicate articles**: signatures of articles ``dst`` lacks are added, with
  their band keys renumbered to ``dst``'s sequence.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crawler.dedup.index import SQLiteDedupIndex

_PAYLOAD_COLS = 'digest, uri, date, record_id, filename, "offset", length, crawl_id'
_URL_COLS = "url, etag, last_modified, payload_digest, last_fetched, last_status, article_id"
_NEWER = "coalesce(excluded.last_fetched, '') >= coalesce(url.last_fetched, '')"


def _ensure_schema(path: Path) -> None:
    SQLiteDedupIndex(path).close()  # creates or migrates the tables


def merge_index_file(dst: Path, src: Path) -> dict[str, int]:
    """Add ``src``'s entries to ``dst``; returns how many rows each table gained."""
    _ensure_schema(dst)
    _ensure_schema(src)
    db = sqlite3.connect(str(dst), isolation_level=None)
    try:
        db.execute("ATTACH DATABASE ? AS o", (str(src),))
        db.execute("BEGIN IMMEDIATE")
        mine = db.execute("SELECT value FROM main.meta WHERE key='near_scheme'").fetchone()
        theirs = db.execute("SELECT value FROM o.meta WHERE key='near_scheme'").fetchone()
        if mine != theirs:
            raise ValueError(f"cannot merge dedup indexes built with {theirs} and {mine}")
        before = {t: db.execute(f"SELECT count(*) FROM main.{t}").fetchone()[0]
                  for t in ("payload", "url", "near_article")}
        db.execute(f"INSERT OR IGNORE INTO main.payload ({_PAYLOAD_COLS}) "
                   f"SELECT {_PAYLOAD_COLS} FROM o.payload")
        fields = ("etag", "last_modified", "payload_digest", "last_fetched", "last_status")
        sets = ", ".join(f"{f} = CASE WHEN {_NEWER} THEN excluded.{f} ELSE url.{f} END"
                         for f in fields)
        db.execute(
            f"INSERT INTO main.url ({_URL_COLS}) SELECT {_URL_COLS} FROM o.url WHERE true "
            f"ON CONFLICT(url) DO UPDATE SET {sets}, article_id = CASE WHEN {_NEWER} "
            "THEN coalesce(excluded.article_id, url.article_id) "
            "ELSE coalesce(url.article_id, excluded.article_id) END")
        db.execute("INSERT OR IGNORE INTO main.near_article (article_id, url, sig) "
                   "SELECT article_id, url, sig FROM o.near_article ORDER BY seq")
        db.execute("INSERT OR IGNORE INTO main.near_band (band, seq) "
                   "SELECT b.band, n.seq FROM o.near_band b "
                   "JOIN o.near_article a ON a.seq = b.seq "
                   "JOIN main.near_article n ON n.article_id = a.article_id")
        after = {t: db.execute(f"SELECT count(*) FROM main.{t}").fetchone()[0] for t in before}
        db.execute("COMMIT")
        db.execute("DETACH DATABASE o")
    finally:
        db.close()
    return {t: after[t] - before[t] for t in before}


def standalone_copy(src: Path, dest: Path) -> Path:
    """A self-contained copy of a (closed or open) index file, no WAL: what is uploaded."""
    dest.unlink(missing_ok=True)
    a = sqlite3.connect(str(src))
    b = sqlite3.connect(str(dest))
    try:
        a.backup(b)
        b.execute("PRAGMA journal_mode=DELETE")
    finally:
        b.close()
        a.close()
    return dest


def remove_index_files(path: Path) -> None:
    """Delete an index file with its WAL and shared-memory files (a stale ``-wal`` next
    to a replaced file would be replayed into it)."""
    for suffix in ("-wal", "-shm", ""):
        Path(str(path) + suffix).unlink(missing_ok=True)
