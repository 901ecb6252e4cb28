"""CDXJ indexes of WARC files, as pywb and the WACZ format read them.

One line per replayable record::

    <SURT urlkey> <14-digit timestamp> {"url": ..., "mime": ..., "status": ...,
                                        "digest": ..., "length": ..., "offset": ...,
                                        "filename": ...}

The lines are produced by webrecorder's ``cdxj-indexer`` (the indexer behind
py-wacz and pywb's ``wb-manager``), used as a library with its defaults: records of
type ``response``, ``revisit`` (``mime`` ``"warc/revisit"``), ``resource`` and
``metadata`` -- except ``resource``/``metadata`` records whose Content-Type is
``application/warc-fields`` (our per-exchange discovery metadata), which replay
never needs.  ``request`` and ``warcinfo`` records are not indexed.  Lines are
sorted (plain code-point order, i.e. ``LC_ALL=C sort``) and exact duplicates
dropped, as ``cdxj-indexer --sort`` writes them.

``filename`` is the WARC's base name: pywb resolves it against the collection's
archive paths, a WACZ against ``archive/``.
"""

from __future__ import annotations

import heapq
import io
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Iterable, Iterator

from cdxj_indexer.main import CDXJIndexer

from crawler.storage import layout

logger = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc.gz", ".warc")


def is_warc_name(name: str) -> bool:
    return name.endswith(WARC_SUFFIXES)


def index_warc(warc_path: Path, filename: str | None = None) -> list[str]:
    """Sorted CDXJ lines (each ending in ``\\n``) for one WARC file.

    ``filename`` is the name written in the ``filename`` field (default: the
    file's base name).
    """
    warc_path = Path(warc_path)
    out = io.StringIO()
    with open(warc_path, "rb") as fh:
        # Passing an open stream keeps warcio from guessing the name; the name in
        # the index is forced with ``filename``.
        indexer = CDXJIndexer(out, [fh], sort=True, filename=filename or warc_path.name)
        indexer.process_all()
    return out.getvalue().splitlines(keepends=True)


def write_cdxj(warc_path: Path, out_path: Path, filename: str | None = None) -> int:
    """Index ``warc_path`` into ``out_path`` (written under a temporary name, then
    renamed).  Returns the number of lines (records indexed)."""
    lines = index_warc(warc_path, filename)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=out_path.name + ".", suffix=".tmp", dir=out_path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.writelines(lines)
        os.replace(tmp, out_path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return len(lines)


def merge_sorted(sources: Iterable[Iterable[str]]) -> Iterator[str]:
    """Merge already sorted CDXJ line streams, dropping exact duplicates."""
    last = None
    for line in heapq.merge(*sources):
        if line != last:
            yield line
        last = line


# -- store helpers -------------------------------------------------------------------
def warc_keys(store, crawl_id: str | None = None) -> list[str]:
    """Keys of the WARC files of one crawl (or of every crawl), sorted."""
    prefix = f"{layout.WARC_PREFIX}/{crawl_id}/" if crawl_id else f"{layout.WARC_PREFIX}/"
    return [k for k in store.list(prefix) if is_warc_name(k.rsplit("/", 1)[-1])]


def split_warc_key(key: str) -> tuple[str, str]:
    """``warc/<crawl_id>/<name>`` -> ``(crawl_id, name)``."""
    parts = key.split("/")
    if len(parts) < 3 or parts[0] != layout.WARC_PREFIX:
        raise ValueError(f"not a WARC key: {key!r}")
    return "/".join(parts[1:-1]), parts[-1]


class LocalCopy:
    """Context manager giving a local file path for a store key: the store's own
    file when the backend has one (``local_path``), else a temporary download
    (removed on exit)."""

    def __init__(self, store, key: str, tmp_dir: Path | None = None):
        self.store = store
        self.key = key
        self.tmp_dir = tmp_dir
        self._tmp: Path | None = None

    def __enter__(self) -> Path:
        path = self.store.local_path(self.key)
        if path is not None and Path(path).is_file():
            return Path(path)
        name = self.key.rsplit("/", 1)[-1]
        fd, tmp = tempfile.mkstemp(prefix="dl-", suffix="-" + name, dir=self.tmp_dir)
        self._tmp = Path(tmp)
        with os.fdopen(fd, "wb") as out, self.store.open_read(self.key) as src:
            shutil.copyfileobj(src, out, 1024 * 1024)
        return self._tmp

    def __exit__(self, *exc) -> None:
        if self._tmp is not None:
            try:
                self._tmp.unlink()
            except OSError:
                pass


def rebuild_indexes(store, crawl_id: str | None = None) -> list[str]:
    """(Re)write ``indexes/<crawl_id>/<warc name>.cdxj`` for every WARC of the
    store (or of one crawl).  Returns the index keys written."""
    written = []
    for key in warc_keys(store, crawl_id):
        cid, name = split_warc_key(key)
        ikey = layout.index_key(cid, name)
        target = store.local_path(ikey)
        with LocalCopy(store, key) as warc:
            if target is not None:
                n = write_cdxj(warc, Path(target), filename=name)
            else:
                lines = index_warc(warc, filename=name)
                store.put_bytes(ikey, "".join(lines).encode("utf-8"))
                n = len(lines)
        logger.info("indexed %s: %d records -> %s", key, n, ikey)
        written.append(ikey)
    return written


def read_index_lines(store, key: str) -> Iterator[str]:
    """The lines of a stored CDXJ file, streamed."""
    with store.open_read(key) as raw:
        text: IO[str] = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        for line in text:
            if line.strip():
                yield line if line.endswith("\n") else line + "\n"


def parse_line(line: str) -> tuple[str, str, dict]:
    """``(urlkey, timestamp, fields)`` of a CDXJ line."""
    import json

    urlkey, ts, rest = line.rstrip("\n").split(" ", 2)
    return urlkey, ts, json.loads(rest)
