"""Repair what a crashed run (``kill -9``, power loss) left in the spool folder.

A crash can leave ``*.warc.gz.open`` files whose last gzip member (record) is cut,
JSON Lines parts (``*.jsonl.gz.open``) with a cut gzip stream, and the crawl log.
:func:`recover_spool` keeps every complete record / line, drops the cut tail, hands the
files to the store under their final keys and writes a manifest with status
``recovered`` — so nothing that was completely written is lost and nothing broken is
published.  The manifest also lists the files the run had handed to the store before it
died (the spool's ``stored.jsonl``, see :data:`crawler.context.STORED_FILE`), so that
``crawler verify`` vouches for them too.  It runs at the start of every crawl for spool
folders of runs that have no manifest and whose writer process is gone.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import zlib
from pathlib import Path
from typing import Any

from datetime import datetime, timezone

from crawler.context import STORED_FILE, spool_in_use
from crawler.crawlid import RESERVED
from crawler.storage import Store, layout
from crawler.storage.base import StoredObject, sha256_file

logger = logging.getLogger(__name__)

READ = 256 * 1024
#: folders of a spool root that are not crawls: an S3 store's local state cache and its
#: files pending upload live next to the crawls' spool folders
NOT_CRAWLS = ("_", layout.STATE_PREFIX, "pending")
_CONTENT_LENGTH = re.compile(rb"(?im)^content-length:\s*(\d+)\s*$")


def complete_warc_prefix(path: Path) -> tuple[int, int]:
    """Length of the longest prefix of ``path`` made of complete WARC records, and their count.

    Streams the file member by member (bounded memory): a member counts when its gzip
    stream ended cleanly and its WARC header's Content-Length matches the block.
    """
    good_end = 0
    records = 0
    with open(path, "rb") as fh:
        pos = 0
        while True:
            fh.seek(pos)
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            head = b""
            total = 0
            consumed = 0
            ok = False
            while True:
                chunk = fh.read(READ)
                if not chunk:
                    break
                out = d.decompress(chunk)
                if len(head) < 64 * 1024:
                    head += out[: 64 * 1024 - len(head)]
                total += len(out)
                if d.eof:
                    consumed += len(chunk) - len(d.unused_data)
                    ok = True
                    break
                consumed += len(chunk)
            if not ok or not _is_complete_record(head, total):
                break
            pos += consumed
            good_end = pos
            records += 1
    return good_end, records


def _is_complete_record(head: bytes, total: int) -> bool:
    if not head.startswith(b"WARC/"):
        return False
    end = head.find(b"\r\n\r\n")
    m = _CONTENT_LENGTH.search(head[: end if end != -1 else len(head)])
    if end == -1 or not m:
        return False
    return total == end + 4 + int(m.group(1)) + 4


def repair_warc(path: Path) -> int:
    """Truncate a cut WARC to its complete records; returns the records kept."""
    end, records = complete_warc_prefix(path)
    size = path.stat().st_size
    if end < size:
        logger.warning("%s: dropping %d bytes of an incomplete last record", path.name, size - end)
        with open(path, "r+b") as fh:
            fh.truncate(end)
    return records


def repair_jsonl_gz(path: Path, out: Path, records: list[dict[str, Any]] | None = None) -> int:
    """Copy the complete lines of a possibly cut ``.jsonl.gz`` into ``out``; the records
    kept are appended to ``records`` when given."""
    kept = 0
    buf = b""
    with open(path, "rb") as raw, gzip.open(out, "wb") as dst:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        for chunk in iter(lambda: raw.read(READ), b""):
            try:
                buf += d.decompress(chunk)
            except zlib.error:
                break
            *lines, buf = buf.split(b"\n")
            for line in lines:
                rec = _json_object(line)
                if rec is not None:
                    dst.write(line + b"\n")
                    kept += 1
                    if records is not None:
                        records.append(rec)
    return kept


def _json_object(line: bytes) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


def recover_spool(store: Store, spool_root: Path | None = None, current: str | None = None,
                  articles: list[dict[str, Any]] | None = None) -> list[str]:
    """Recover every abandoned crawl in the store's spool; returns their crawl ids.

    The article records kept are appended to ``articles`` when given: the crawl that
    recovers them records their URLs as done in its dedup index, since the abandoned run
    may have died between writing a record and committing that (see ``Dedup``)."""
    root = spool_root or store.spool_dir("_").parent
    recovered = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []:
        crawl_id = folder.name
        # (an S3 store's spool root also holds its state cache and pending uploads: not crawls)
        if crawl_id in (*NOT_CRAWLS, *RESERVED, current) or store.exists(layout.manifest_key(crawl_id)):
            continue
        if spool_in_use(folder):
            continue  # still being written by a live crawl
        files = recover_folder(store, folder, crawl_id, articles)
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        manifest = {"crawl_id": crawl_id, "status": "recovered", "files": files,
                    "finished_at": now, "recovered_at": now,
                    "note": "run ended abnormally; complete records were kept, cut tails dropped"}
        store.put_bytes(layout.manifest_key(crawl_id), json.dumps(manifest, indent=2).encode())
        recovered.append(crawl_id)
        logger.warning("recovered files of interrupted crawl %s (%d files)", crawl_id, len(files))
        try:
            folder.rmdir()
        except OSError:
            pass
    return recovered


def _put(store: Store, path: Path, key: str) -> dict[str, Any]:
    """Hand a repaired file to the store; when the key is there already (the run died after
    storing it, before removing its local copy — stored files are complete: they are
    written under a temporary name or uploaded whole), keep the stored one."""
    if store.exists(key):
        obj = StoredObject(key, path.stat().st_size, sha256_file(path))
        path.unlink()
        logger.info("recovery: %s was stored already", key)
        return obj.to_dict()
    return store.put_file(path, key).to_dict()


def _index(warc: Path) -> Path | None:
    """The CDXJ index of a repaired WARC (as a finished run has), beside it; None when it
    cannot be built (the WARC is published anyway; ``crawler index`` rebuilds it)."""
    from crawler.archive.cdxj import write_cdxj

    idx = warc.with_name(warc.name + ".cdxj")
    try:
        write_cdxj(warc, idx)
    except Exception:  # noqa: BLE001
        logger.exception("could not index recovered %s (rebuild with: crawler index)", warc.name)
        idx.unlink(missing_ok=True)  # an older index would not match the repaired WARC
        return None
    return idx


def recover_folder(store: Store, folder: Path, crawl_id: str,
                   articles: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    files: list[dict[str, Any]] = []
    stored: list[dict[str, Any]] = []  # handed to the store before the crash (STORED_FILE)
    paths = sorted(folder.iterdir())
    names = {p.name for p in paths}
    for path in paths:
        name = path.name
        if name.endswith(".warc.gz.open") or name.endswith(".warc.gz"):
            final = path.with_name(name.removesuffix(".open"))
            records = repair_warc(path)
            if records == 0:
                path.unlink()
                final.with_name(final.name + ".cdxj").unlink(missing_ok=True)
                continue
            if path != final:
                path.rename(final)
            idx = _index(final)  # first: a local store moves the WARC away
            files.append({"kind": "warc", **_put(store, final, layout.warc_key(crawl_id, final.name)),
                          "records": records})
            if idx is not None:
                files.append({"kind": "cdxj", **_put(store, idx, layout.index_key(crawl_id, final.name))})
        elif name.startswith("articles-") and name.endswith((".jsonl.gz.open", ".jsonl.gz")):
            m = re.match(r"articles-(\d{4}-\d\d-\d\d)-(.+)-(\d{5})\.jsonl\.gz(\.open)?$", name)
            if not m:
                continue
            fixed = path.with_name(name.removesuffix(".open") + ".fixed")
            kept = repair_jsonl_gz(path, fixed, articles)
            path.unlink()
            if kept == 0:
                fixed.unlink()
                continue
            key = layout.article_key(m.group(1), m.group(2), crawl_id, int(m.group(3)))
            files.append({"kind": "articles", **_put(store, fixed, key), "records": kept})
        elif name.endswith(".tmp"):
            path.unlink(missing_ok=True)  # a file the crashed run was writing (e.g. an index)
        elif name.endswith(".warc.gz.cdxj"):
            warc_name = name[: -len(".cdxj")]
            if not path.exists() or warc_name in names or warc_name + ".open" in names:
                continue  # its WARC is in the spool: indexed (again) with it above
            # complete (indexes are written under a temporary name): the run died after
            # handing the WARC to the store and before the index
            if store.exists(layout.warc_key(crawl_id, warc_name)):
                files.append({"kind": "cdxj", **_put(store, path, layout.index_key(crawl_id, warc_name))})
            else:
                logger.info("dropping index %s of a WARC that is neither in the spool nor stored", name)
                path.unlink()
        elif name == ".owner":
            path.unlink()
        elif name == STORED_FILE:
            stored.extend(_stored_entries(path))
            path.unlink()
        elif name == "crawl.log":
            files.append({"kind": "crawl-log", **_put(store, path, layout.crawl_log_key(crawl_id))})
        else:
            logger.info("leaving unknown spool file %s", path)
    listed = {f["key"] for f in files}
    return [f for f in stored if f["key"] not in listed] + files


def _stored_entries(path: Path) -> list[dict[str, Any]]:
    """The manifest entries of the files a run stored before it died (a cut last line,
    written as the process died, is dropped: its file is then an orphan ``crawler verify``
    reports)."""
    out: dict[str, dict[str, Any]] = {}
    for line in path.read_bytes().split(b"\n"):
        entry = _json_object(line) if line.strip() else None
        if isinstance(entry, dict) and entry.get("key"):
            out.setdefault(entry["key"], entry)
    return list(out.values())
