"""Re-run the Scrapy spider against the archive instead of the network.

For spider development and tests: the real ``news`` spider, the real middlewares and
item pipelines, but every HTTP(S) request is answered by :class:`ArchiveDownloadHandler`
from the CDXJ indexes and WARC files of an archive store.  No connection is ever
opened: the handler has no network code at all, ``ftp``/``s3`` handlers are disabled,
and :func:`offline_settings` turns off what could wait on a network (retries,
AutoThrottle, robots.txt Crawl-delay, Retry-After back-off).

Lookup (per request): exact URL match (the ``url`` field of the CDXJ lines, i.e. the
WARC-Target-URI, which is the request URL of the capture) -> the latest capture whose
14-digit timestamp is <= ``CRAWLER_ARCHIVE_TIMESTAMP`` (or ``request.meta
["archive_timestamp"]``; default: latest of all).  ``robots.txt`` is answered the same
way, so the archived robots rules apply.

* ``response`` records are returned as Scrapy's HTTP/1.1 handler returned them during
  the crawl (Twisted's parser, chunked framing removed, content coding kept for
  ``HttpCompressionMiddleware``; see :mod:`crawler.replay.reprocess`).
* ``revisit`` records are followed to their original (``WARC-Refers-To`` /
  ``-Target-URI`` / ``-Date``, else the payload digest): identical-payload revisits
  keep their own status line and headers with the original's entity body and carry
  ``meta["warc"]["revisit_of"]`` (the spider then yields no new article, as during the
  crawl); server-not-modified (304) revisits are answered with the original response.
* URLs not in the archive get an empty ``404`` with the flag ``"archive-missing"``
  (stat ``offline/missing``).

``request.meta["warc"]`` points at the archived record (in the *archive* store), so
article records of an offline run carry the pointer of the capture they came from.

The offline run writes no WARC (``WARC_ENABLED`` off, no archiving handler) and its
JSON Lines + manifest go to a separate output store; its dedup index is a throw-away
SQLite file, so every offline run sees a fresh crawl (no incremental skipping) and the
archive's own dedup state is never touched.
"""

from __future__ import annotations

import io
import logging
import os
import zlib
from bisect import insort
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from crawler.archive.cdxj import (LocalCopy, index_warc, parse_line, read_index_lines,
                                  split_warc_key, warc_keys)
from crawler.storage import layout, open_store

logger = logging.getLogger(__name__)

__all__ = ["ArchiveDownloadHandler", "ArchiveIndex", "ArchivedCapture", "offline_settings",
           "run_offline_crawl", "ARCHIVE_FLAG", "MISSING_FLAG"]

ARCHIVE_FLAG = "archive"
MISSING_FLAG = "archive-missing"
HANDLER_PATH = "crawler.replay.offline.ArchiveDownloadHandler"


def _ts14(value: str | None) -> str:
    digits = "".join(ch for ch in (value or "") if ch.isdigit())
    return (digits + "99999999999999")[:14] if digits else ""


@dataclass(frozen=True, order=True)
class _Entry:
    ts: str
    filename: str
    offset: int
    length: int
    mime: str
    digest: str


@dataclass
class ArchivedCapture:
    """What the archive answers for a URL."""

    url: str
    block: bytes  # the HTTP message to parse (status line, headers, body as sent)
    warc: dict[str, Any]  # pointer for request.meta["warc"]
    ip: str | None = None
    revisit: bool = False


class ArchiveIndex:
    """URL -> captures, from the CDXJ indexes of a store (built in memory once;
    WARCs without a stored index are indexed on the fly)."""

    def __init__(self, store: Any, crawl_id: str | None = None):
        self.store = store
        self.by_url: dict[str, list[_Entry]] = defaultdict(list)
        self.by_digest: dict[str, list[tuple[str, _Entry]]] = defaultdict(list)
        self.warc_key_of: dict[str, str] = {}
        keys = warc_keys(store, crawl_id)
        for key in keys:
            cid, name = split_warc_key(key)
            self.warc_key_of[name] = key
            ikey = layout.index_key(cid, name)
            if store.exists(ikey):
                lines: Iterable[str] = read_index_lines(store, ikey)
            else:
                with LocalCopy(store, key) as path:
                    lines = index_warc(path, filename=name)
            for line in lines:
                try:
                    _, ts, f = parse_line(line)
                    entry = _Entry(ts, f.get("filename") or name, int(f["offset"]), int(f["length"]),
                                   str(f.get("mime") or ""), str(f.get("digest") or "").split(":", 1)[-1])
                except (ValueError, KeyError):
                    continue
                url = f.get("url")
                if not url:
                    continue
                insort(self.by_url[url], entry)
                if entry.digest and entry.mime != "warc/revisit":
                    self.by_digest[entry.digest].append((url, entry))

    def __len__(self) -> int:
        return len(self.by_url)

    # -- records ---------------------------------------------------------------------------
    def _read(self, entry: _Entry) -> tuple[str, dict[str, str], bytes]:
        """(WARC-Type, WARC headers, block) of the record at ``entry``."""
        from warcio.archiveiterator import ArchiveIterator

        key = self.warc_key_of.get(entry.filename)
        if key is None:
            raise KeyError(entry.filename)
        rr = getattr(self.store, "read_range", None)
        if callable(rr):
            data = rr(key, entry.offset, entry.length)
        else:
            with self.store.open_read(key) as fh:
                fh.seek(entry.offset)
                data = fh.read(entry.length)
        if data[:2] == b"\x1f\x8b":
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            data = d.decompress(data) + d.flush()
        record = next(iter(ArchiveIterator(io.BytesIO(data), no_record_parse=True)))
        headers = {k: v for k, v in record.rec_headers.headers}
        return record.rec_type, headers, record.raw_stream.read()

    def _pointer(self, entry: _Entry, headers: dict[str, str]) -> dict[str, Any]:
        return {
            "filename": entry.filename, "offset": entry.offset, "length": entry.length,
            "record_id": headers.get("WARC-Record-ID"),
            "payload_digest": headers.get("WARC-Payload-Digest"),
            "date": headers.get("WARC-Date"),
        }

    def _original(self, headers: dict[str, str]) -> tuple[_Entry, dict[str, str], bytes] | None:
        """The record a revisit refers to (by record id, then by payload digest)."""
        target = headers.get("WARC-Refers-To-Target-URI")
        rid = headers.get("WARC-Refers-To")
        ts = _ts14(headers.get("WARC-Refers-To-Date"))
        candidates: list[_Entry] = []
        if target:
            same = [e for e in self.by_url.get(target, []) if e.mime != "warc/revisit"]
            candidates += sorted(same, key=lambda e: (e.ts != ts, e))
        digest = (headers.get("WARC-Payload-Digest") or "").split(":", 1)[-1]
        if digest:
            candidates += [e for _, e in self.by_digest.get(digest, [])]
        for entry in candidates:
            try:
                rtype, h, block = self._read(entry)
            except (KeyError, OSError, StopIteration):
                continue
            if rtype != "response":
                continue
            if rid and h.get("WARC-Record-ID") != rid and entry.digest != digest:
                continue
            return entry, h, block
        return None

    def find(self, url: str, timestamp: str | None = None) -> ArchivedCapture | None:
        """The latest capture of ``url`` (at or before ``timestamp``), revisits resolved."""
        limit = _ts14(timestamp) if timestamp else None
        entries = [e for e in self.by_url.get(url, ()) if limit is None or e.ts <= limit]
        for entry in reversed(entries):
            try:
                rtype, headers, block = self._read(entry)
            except (KeyError, OSError, StopIteration) as exc:
                logger.warning("cannot read capture of %s in %s: %s", url, entry.filename, exc)
                continue
            ip = headers.get("WARC-IP-Address")
            if rtype == "response":
                return ArchivedCapture(url, block, self._pointer(entry, headers), ip)
            if rtype != "revisit":
                continue  # resource / metadata: not an HTTP exchange
            orig = self._original(headers)
            if orig is None:
                logger.info("revisit of %s: original capture not found", url)
                continue
            o_entry, o_headers, o_block = orig
            pointer = self._pointer(entry, headers)
            if "server-not-modified" in (headers.get("WARC-Profile") or ""):
                # the crawl got a 304 to a conditional request; offline, the request is
                # unconditional: answer with the capture that was still current
                return ArchivedCapture(url, o_block, self._pointer(o_entry, o_headers), ip)
            pointer["revisit_of"] = o_headers.get("WARC-Record-ID")
            return ArchivedCapture(url, _merge_revisit(block, o_block), pointer, ip, revisit=True)
        return None


def _entity_body(block: bytes) -> bytes:
    """Entity body of a captured HTTP message (transfer coding removed)."""
    from crawler.archive.httpmsg import iter_dechunked, parse_head

    head = parse_head(block[:65536])
    body = block[head.header_len:]
    return b"".join(iter_dechunked(iter([body]))) if head.chunked else body


def _merge_revisit(revisit_block: bytes, original_block: bytes) -> bytes:
    """The revisit's status line and headers with the original's payload: framing
    headers (Transfer-Encoding, Content-Length) replaced to fit the entity body."""
    from crawler.archive.httpmsg import parse_head

    head = parse_head(revisit_block[:65536])
    body = _entity_body(original_block)
    lines = [head.start_line]
    for name, value in head.headers:
        if name.lower() in (b"transfer-encoding", b"content-length"):
            continue
        lines.append(name + b": " + value)
    lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


# =====================================================================================
# Scrapy download handler
# =====================================================================================
try:
    from scrapy.core.downloader.handlers.base import BaseDownloadHandler as _HandlerBase
except ImportError:  # pragma: no cover - older Scrapy
    _HandlerBase = object  # type: ignore[misc,assignment]


class ArchiveDownloadHandler(_HandlerBase):  # type: ignore[misc,valid-type]
    """Answers http/https requests from an archive store; never touches the network.

    Settings: ``CRAWLER_ARCHIVE_STORE`` (required), ``CRAWLER_ARCHIVE_CRAWL`` (only this
    crawl's WARCs), ``CRAWLER_ARCHIVE_TIMESTAMP`` (latest capture at or before it)."""

    lazy = False
    _indexes: dict[tuple[str, str | None], ArchiveIndex] = {}

    def __init__(self, crawler: Any):
        from scrapy.exceptions import NotConfigured

        self.crawler = crawler
        settings = crawler.settings
        uri = settings.get("CRAWLER_ARCHIVE_STORE")
        if not uri:
            raise NotConfigured("ArchiveDownloadHandler needs CRAWLER_ARCHIVE_STORE")
        self.timestamp = settings.get("CRAWLER_ARCHIVE_TIMESTAMP") or None
        crawl = settings.get("CRAWLER_ARCHIVE_CRAWL") or None
        store = open_store(uri)
        cache_key = (store.uri, crawl)
        index = self._indexes.get(cache_key)
        if index is None:
            index = ArchiveIndex(store, crawl)
            self._indexes[cache_key] = index  # http and https share it
        self.index = index
        logger.info("offline crawl: %d archived URLs from %s", len(index), store.uri)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ArchiveDownloadHandler":
        return cls(crawler)

    def _inc(self, key: str) -> None:
        try:
            self.crawler.stats.inc_value(key)
        except RuntimeError:  # stats not set (handler used outside a crawl)
            pass

    async def download_request(self, request: Any) -> Any:
        from scrapy.http import Response

        from crawler.replay.reprocess import raw_response

        if not request.url.lower().startswith(("http://", "https://")):
            raise ValueError(f"ArchiveDownloadHandler serves http(s) only, not {request.url}")
        request.meta.pop("warc", None)
        ts = request.meta.get("archive_timestamp") or self.timestamp
        try:
            from scrapy.utils.asyncio import run_in_thread
        except ImportError:  # pragma: no cover - Scrapy < 2.15
            capture = self.index.find(request.url, ts)
        else:  # store reads off the reactor thread (an object store may be slow)
            capture = await run_in_thread(self.index.find, request.url, ts)
        if capture is None:
            self._inc("offline/missing")
            logger.info("not in the archive: %s", request.url)
            return Response(request.url, status=404, body=b"", flags=[ARCHIVE_FLAG, MISSING_FLAG],
                            request=request)
        try:
            response = raw_response(request.url, capture.block, ip=capture.ip)
        except ValueError as exc:
            self._inc("offline/unparsable")
            logger.warning("archived capture of %s is unusable: %s", request.url, exc)
            return Response(request.url, status=404, body=b"", flags=[ARCHIVE_FLAG, MISSING_FLAG],
                            request=request)
        self._inc("offline/hits")
        if capture.revisit:
            self._inc("offline/revisits")
        response.flags.append(ARCHIVE_FLAG)
        request.meta["warc"] = capture.warc
        return response

    async def close(self) -> None:
        pass


# =====================================================================================
# settings and runner
# =====================================================================================
def offline_settings(store_uri: str, *, crawl_id: str | None = None,
                     timestamp: str | None = None) -> dict[str, Any]:
    """Setting overrides that make a crawl read the archive at ``store_uri``."""
    return {
        "DOWNLOAD_HANDLERS": {"http": HANDLER_PATH, "https": HANDLER_PATH, "ftp": None, "s3": None},
        "CRAWLER_ARCHIVE_STORE": str(store_uri),
        "CRAWLER_ARCHIVE_CRAWL": crawl_id,
        "CRAWLER_ARCHIVE_TIMESTAMP": timestamp,
        "WARC_ENABLED": False,
        # archived URLs were allowed when crawled; nothing is connected to anyway
        "CRAWLER_ALLOW_PRIVATE": True,
        # nothing to be polite to: no delays, no back-off, no retries of archived errors
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CRAWLER_MAX_CRAWL_DELAY": 0,
        "CRAWLER_MAX_RETRY_AFTER": 0,
        "RETRY_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "CRAWLER_PROGRESS": False,
    }


def _same_store(a: str, b: str) -> bool:
    sa, sb = open_store(a), open_store(b)
    return sa.uri.rstrip("/") == sb.uri.rstrip("/")


def run_offline_crawl(archive_store: str, seeds: list[str], out_store: str,
                      overrides: dict[str, Any] | None = None, *, crawl_id: str | None = None,
                      timestamp: str | None = None, verbose: int = 0) -> Any:
    """Run :func:`crawler.runner.run_crawl` on ``seeds`` with every response coming
    from ``archive_store``; JSON Lines and the manifest go to ``out_store`` (which must
    differ from the archive).  Returns the :class:`crawler.runner.CrawlResult`.

    One crawl per process (Twisted's reactor cannot restart)."""
    from crawler.context import new_crawl_id
    from crawler.runner import run_crawl

    if _same_store(str(archive_store), str(out_store)):
        raise ValueError("the output store must differ from the archive store")
    out = open_store(out_store)
    run_id = (overrides or {}).get("CRAWLER_CRAWL_ID") or new_crawl_id()
    dedup_name = f"offline-dedup-{run_id}.sqlite3"
    settings = offline_settings(str(archive_store), crawl_id=crawl_id, timestamp=timestamp)
    settings.update({"CRAWLER_STORE": str(out_store), "CRAWLER_CRAWL_ID": run_id,
                     "DEDUP_BACKEND": f"sqlite:{dedup_name}"})
    settings.update(overrides or {})
    try:
        return run_crawl(list(seeds), settings, verbose=verbose)
    finally:
        state = out.state_dir()
        for suffix in ("", "-wal", "-shm", ".writers-waiting"):
            try:
                os.unlink(state / (dedup_name + suffix))
            except OSError:
                pass
