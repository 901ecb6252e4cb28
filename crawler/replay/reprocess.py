"""Offline re-extraction: rebuild the crawl-time ``FetchedPage`` of every archived
HTML page from the WARCs alone (no network), run extraction again and write a new
version of the cleaned JSON.

Reconstruction (:func:`iter_pages`)
-----------------------------------
For each ``response`` record and the ``metadata`` record concurrent to it, the page
is rebuilt through the code that built it during the crawl, not a re-implementation:

* the captured HTTP message is parsed by Twisted's ``HTTPClientParser`` (what
  Scrapy's HTTP/1.1 handler uses): chunked framing removed, connection-control
  headers (``Transfer-Encoding``, ``Connection``...) dropped, ``Content-Length``
  re-added from the parsed length, exactly as the handler's
  ``_headers_from_twisted_response`` does;
* the Scrapy ``Response`` is made by Scrapy's own ``make_response`` (response class
  from ``responsetypes``), then passed through Scrapy's ``HttpCompressionMiddleware``
  (gzip / x-gzip / deflate / br / zstd, size limit ``DOWNLOAD_MAXSIZE``) which also
  re-computes the class and the encoding;
* ``headers``, ``encoding``, ``hints`` and the WARC pointer are then taken the way
  :meth:`crawler.discovery.spider.NewsSpider._page_item` takes them; ``hints`` come
  from the metadata record (:data:`crawler.archive.archiver.METADATA_FIELDS`),
  ``fetched_at`` is the response record's WARC-Date, ``crawl_id`` comes from the
  WARC key ``warc/<crawl_id>/<name>``.

Which records become pages: the spider yields a page only from its ``parse``
callback, for a 2xx response that is a Scrapy ``TextResponse`` with an HTML (or
missing) content type, that does not look like a feed or sitemap, and that is not a
``revisit``.  The callback a URL had is recovered from the metadata record
(``source``, ``via``, ``hopsFromSeed``) and the discovery documents seen earlier in
the same crawl, so soft-404 HTML served for a guessed ``/sitemap.xml`` or a probed
``/feed`` is skipped as the crawl skipped it.  Exchanges that failed (``fetchError``
in the metadata), responses whose body was cut (data loss) and pages a
``<meta http-equiv=refresh>`` redirected away from are skipped too.

Re-extraction (:func:`reprocess`)
---------------------------------
* Output run id: a **fresh crawl-style id** (``YYYYMMDDTHHMMSSZ-xxxxxx``, sortable,
  matched by the reader's crawl-id pattern) unless ``out_crawl_id`` is given.  The
  new parts go to the normal layout ``articles/date=.../site=.../part-<run id>-<n>
  .jsonl.gz`` (same partitions as the crawl: fetch date, site), and
  ``manifests/<run id>.json`` has ``"kind": "reprocess"``, ``source_crawl_ids``,
  ``extractor_version`` and ``since``.  Nothing is overwritten: the previous version
  stays in place (readers that want one version per article keep the latest run's
  record per ``id``).
* Records keep the capture's ``crawl_id`` (and ``id``, ``warc``, ``fetched_at``):
  with an unchanged extractor the new records are byte-identical to the crawl's.
* ``duplicate_of`` (near-duplicate marking) is recomputed over the selection, in
  capture order, with a temporary SQLite dedup index: crawls are processed oldest
  first, WARC files in name order, records in file order.  It therefore matches the
  crawl's value when the selection covers every crawl that fed the store's dedup index
  (e.g. one crawl into a fresh store, or a whole store); articles of crawls outside
  the selection are not considered.
"""

from __future__ import annotations

import collections
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from crawler.archive.archiver import METADATA_FIELDS
from crawler.archive.cdxj import split_warc_key, warc_keys
from crawler.record import Article, FetchedPage, WarcPointer
from crawler.storage import layout

logger = logging.getLogger(__name__)

__all__ = [
    "iter_pages", "reprocess", "ReprocessError", "PageStats", "ArchivedRecord", "iter_exchanges",
    "page_from_response", "parse_http_response", "raw_response", "decode_response",
    "parse_since", "previous_records",
]

#: WARC metadata field name -> request.meta key (what the spider's hints are made of).
_FIELD_TO_KEY = dict(METADATA_FIELDS)
_KNOWN_FIELDS = set(_FIELD_TO_KEY) | {"fetchError"}


class ReprocessError(RuntimeError):
    pass


# =====================================================================================
# HTTP message -> Scrapy response (the crawl's code path)
# =====================================================================================
@dataclass
class ParsedHttp:
    """A captured HTTP response as Twisted's client parser saw it."""

    txresponse: Any  # twisted.web._newclient.Response
    body: bytes  # transfer coding removed, content coding kept
    flags: list[str] | None  # Scrapy's flags: ["partial"] / ["dataloss"] / None
    dataloss: bool


def parse_http_response(block: bytes, method: bytes = b"GET") -> ParsedHttp:
    """Feed a captured response (status line, headers, body as on the wire) to
    Twisted's ``HTTPClientParser``, the parser Scrapy's HTTP/1.1 handler runs.

    Raises ``ValueError`` when no complete header block was captured."""
    from twisted.internet.error import ConnectionDone
    from twisted.internet.protocol import Protocol
    from twisted.internet.testing import StringTransport
    from twisted.python.failure import Failure
    from twisted.web._newclient import (BODY, DONE, HTTPClientParser, PotentialDataLoss,
                                        Request as TxRequest, ResponseDone, ResponseFailed,
                                        _DataLoss)
    from twisted.web.http_headers import Headers as TxHeaders

    class _Collect(Protocol):
        def __init__(self) -> None:
            self.parts: list[bytes] = []
            self.reason: Failure | None = None

        def dataReceived(self, data: bytes) -> None:  # noqa: N802 (Twisted API)
            self.parts.append(data)

        def connectionLost(self, reason: Failure = None) -> None:  # noqa: N802
            self.reason = reason

    request = TxRequest(method, b"/", TxHeaders(), None)
    parser = HTTPClientParser(request, lambda rest: None)
    parser._responseDeferred.addErrback(lambda failure: None)  # reported below instead
    parser.makeConnection(StringTransport())
    try:
        parser.dataReceived(block)
    except Exception as exc:  # noqa: BLE001 - twisted ParseError & co.
        raise ValueError(f"unparsable HTTP response: {exc}") from exc
    if parser.state not in (BODY, DONE):
        raise ValueError("incomplete HTTP response (no complete header block)")
    txresponse = parser.response
    # The crawl's connection always ends after the response (or the capture does).
    parser.connectionLost(Failure(ConnectionDone("end of capture")))
    collect = _Collect()
    txresponse.deliverBody(collect)
    reason = collect.reason
    flags = None
    dataloss = False
    if reason is None or reason.check(ResponseDone):
        pass
    elif reason.check(PotentialDataLoss):
        flags = ["partial"]
    elif reason.check(ResponseFailed) and any(r.check(_DataLoss) for r in reason.value.reasons):
        flags = ["dataloss"]
        dataloss = True
    else:
        raise ValueError(f"HTTP response body failed: {reason.getErrorMessage()}")
    return ParsedHttp(txresponse, b"".join(collect.parts), flags, dataloss)


def raw_response(url: str, block: bytes, *, ip: str | None = None,
                 parsed: ParsedHttp | None = None) -> Any:
    """The Scrapy response the HTTP/1.1 download handler returned for this captured
    message (before the downloader middlewares: content coding still applied)."""
    from scrapy.core.downloader.handlers.http11 import _ScrapyAgent
    from scrapy.utils._download_handlers import make_response
    from scrapy.utils.python import to_unicode

    p = parsed or parse_http_response(block)
    tx = p.txresponse
    headers = _ScrapyAgent._headers_from_twisted_response(tx)
    version = tx.version
    ip_address = None
    if ip:
        import ipaddress

        try:
            ip_address = ipaddress.ip_address(ip)
        except ValueError:
            ip_address = None
    return make_response(
        url=url, status=int(tx.code), headers=headers, body=p.body, flags=p.flags,
        ip_address=ip_address, protocol=f"{to_unicode(version[0])}/{version[1]}.{version[2]}",
    )


_MIDDLEWARES: dict[str, Any] = {}


def _compression_middleware() -> Any:
    """Scrapy's HttpCompressionMiddleware configured with the crawl's default settings."""
    mw = _MIDDLEWARES.get("compression")
    if mw is None:
        from scrapy import Spider
        from scrapy.crawler import Crawler
        from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware

        from crawler.runner import build_settings

        from scrapy.statscollectors import DummyStatsCollector

        crawler = Crawler(Spider, build_settings({}))
        crawler.stats = DummyStatsCollector(crawler)  # never started: no stats to keep
        mw = HttpCompressionMiddleware.from_crawler(crawler)
        _MIDDLEWARES["compression"] = mw
    return mw


def decode_response(response: Any, request: Any = None) -> Any:
    """Run Scrapy's HttpCompressionMiddleware on ``response`` (as the crawl's
    downloader middleware chain did).  Raises ``scrapy.exceptions.IgnoreRequest``
    when the decoded body exceeds ``DOWNLOAD_MAXSIZE``."""
    from scrapy import Request

    request = request or Request(response.url)
    return _compression_middleware().process_response(request, response)


def _meta_refresh_redirects(response: Any) -> bool:
    """Whether Scrapy's MetaRefreshMiddleware (defaults) redirected away from it."""
    from scrapy.http import HtmlResponse
    from scrapy.utils.response import get_meta_refresh

    if not isinstance(response, HtmlResponse):
        return False
    interval, url = get_meta_refresh(response, ignore_tags=["noscript"])
    if not url or not url.lower().startswith(("http://", "https://")):
        return False
    return float(interval) < 100


# =====================================================================================
# WARC records
# =====================================================================================
@dataclass
class ArchivedRecord:
    """A ``response`` or ``revisit`` record of a crawl, with its discovery metadata."""

    crawl_id: str
    warc_key: str
    filename: str
    offset: int
    length: int
    rec_type: str
    record_id: str
    url: str
    date: str
    payload_digest: str | None
    ip: str | None
    block: bytes  # the record block: the HTTP message (a revisit: its head only)
    warc_headers: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] | None = None  # None: no metadata record found

    @property
    def pointer(self) -> WarcPointer:
        return WarcPointer(self.filename, self.offset, self.length, self.record_id,
                           self.payload_digest)


def _parse_warc_fields(data: bytes) -> dict[str, str]:
    """``application/warc-fields`` as the archiver writes it (``name: value\\r\\n``);
    a line that does not start with a known field name continues the previous value."""
    out: dict[str, str] = {}
    last: str | None = None
    text = data.decode("utf-8", "replace")
    lines = text.split("\r\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        name, sep, value = line.partition(": ")
        if sep and (name in _KNOWN_FIELDS or last is None):
            out[name] = value
            last = name
        elif last is not None:
            out[last] += "\r\n" + line
    return out


def _crawl_order(store: Any, crawl_id: str | None) -> list[tuple[str, list[str]]]:
    """``[(crawl_id, [warc keys in name order])]``, oldest crawl first."""
    by_crawl: dict[str, list[str]] = collections.defaultdict(list)
    for key in warc_keys(store, crawl_id):
        cid, _ = split_warc_key(key)
        by_crawl[cid].append(key)
    return [(cid, sorted(keys, key=lambda k: k.rsplit("/", 1)[-1])) for cid, keys in sorted(by_crawl.items())]


def _copy_under_other_url(rec: ArchivedRecord) -> bool:
    h = rec.warc_headers
    return (h.get("WARC-Profile", "").endswith("/identical-payload-digest")
            and bool(h.get("WARC-Refers-To-Target-URI"))
            and h.get("WARC-Refers-To-Target-URI") != rec.url)


def _original_body(store: Any, where: tuple[str, int, int] | None) -> bytes | None:
    """The raw HTTP body (after the header block) of an earlier response record."""
    if where is None:
        return None
    from crawler.reader import warc_record_block

    key, offset, length = where
    _, block = warc_record_block(store.read_range(key, offset, length))
    end = block.find(b"\r\n\r\n")
    return None if end < 0 else block[end + 4:]


def iter_exchanges(store: Any, crawl_id: str) -> Iterator[ArchivedRecord]:
    """The response/revisit records of one crawl in capture order, each with the
    fields of its concurrent ``metadata`` record (``metadata=None`` if none)."""
    from warcio.archiveiterator import ArchiveIterator

    keys = dict(_crawl_order(store, crawl_id)).get(crawl_id, [])
    pending: collections.OrderedDict[str, ArchivedRecord] = collections.OrderedDict()

    def ready() -> Iterator[ArchivedRecord]:
        while pending:
            rid, rec = next(iter(pending.items()))
            if rec.metadata is None:
                return
            pending.popitem(last=False)
            yield rec

    for key in keys:
        _, name = split_warc_key(key)
        with store.open_read(key) as fh:
            it = ArchiveIterator(fh, no_record_parse=True)
            for record in it:
                h = record.rec_headers
                rtype = record.rec_type
                if rtype in ("response", "revisit"):
                    data = record.raw_stream.read()
                    it.read_to_end(record)
                    rid = h.get_header("WARC-Record-ID")
                    pending[rid] = ArchivedRecord(
                        crawl_id=crawl_id, warc_key=key, filename=name,
                        offset=it.get_record_offset(), length=it.get_record_length(),
                        rec_type=rtype, record_id=rid,
                        url=h.get_header("WARC-Target-URI") or "",
                        date=h.get_header("WARC-Date") or "",
                        payload_digest=h.get_header("WARC-Payload-Digest"),
                        ip=h.get_header("WARC-IP-Address"),
                        block=data, warc_headers={k: v for k, v in h.headers},
                    )
                elif rtype == "metadata":
                    target = h.get_header("WARC-Concurrent-To")
                    rec = pending.get(target) if target else None
                    if rec is not None:
                        rec.metadata = _parse_warc_fields(record.raw_stream.read())
                        yield from ready()
    # Exchanges whose metadata record never made it (interrupted crawl).
    while pending:
        _, rec = pending.popitem(last=False)
        yield rec


# =====================================================================================
# Which callback the spider ran (and so whether it yielded a page)
# =====================================================================================
class _DiscoveryState:
    """Per crawl: the URLs the spider treated as feeds and sitemaps (by WARC order a
    document is always seen before the URLs discovered from it)."""

    def __init__(self) -> None:
        self.feeds: set[str] = set()
        self.sitemaps: dict[str, set[str]] = {}

    def callback(self, rec: ArchivedRecord) -> str | None:
        meta = rec.metadata
        if meta is None:
            return "parse"  # unknown: assume a page request
        source = meta.get("source")
        via = meta.get("via") or ""
        hops = meta.get("hopsFromSeed") or ""
        if not source:
            return None  # a middleware's own request (robots.txt)
        if source == "robots":
            return "parse_robots"
        if source == "feed":
            return "parse" if via in self.feeds else "parse_feed"
        if source == "sitemap":
            if hops.endswith("PS") and via.endswith("/robots.txt") and via not in self.sitemaps:
                return "parse_sitemap"
            if via in self.sitemaps and rec.url in self.sitemaps[via]:
                return "parse_sitemap"
            return "parse"
        return "parse"  # seed, link, news-sitemap

    def saw(self, rec: ArchivedRecord, callback: str | None, response: Any | None) -> tuple[bool, bool]:
        """Remember a feed/sitemap document; returns ``(is_feed, is_sitemap)``."""
        from crawler.discovery.feeds import looks_like_feed, looks_like_sitemap

        is_feed = callback == "parse_feed"
        is_sitemap = callback == "parse_sitemap"
        if callback == "parse" and response is not None:
            ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
            head = response.body[:2048]
            is_sitemap = looks_like_sitemap(head, ctype, response.url)
            is_feed = not is_sitemap and looks_like_feed(head, ctype)
        if is_feed:
            self.feeds.add(rec.url)
        if is_sitemap:
            children: set[str] = set()
            if response is not None and 200 <= response.status < 300:
                from crawler.discovery.sitemaps import parse_sitemap
                from crawler.discovery.urls import canonicalize_url

                try:
                    kind, entries = parse_sitemap(response.body, response.url)
                    children = {canonicalize_url(e.url) for e in entries if e.is_sitemap}
                except Exception:  # noqa: BLE001 - a broken sitemap has no children
                    children = set()
            self.sitemaps[rec.url] = children
        return is_feed, is_sitemap


def page_from_response(response: Any, rec: ArchivedRecord) -> FetchedPage:
    """Build the FetchedPage the way ``NewsSpider._page_item`` builds it."""
    from crawler.discovery.spider import page_hints

    headers = {k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
               for k, v in response.headers.items()}
    meta = rec.metadata or {}
    hints = page_hints({key: meta.get(name) for name, key in METADATA_FIELDS})
    return FetchedPage(
        url=response.url, status=response.status, headers=headers, body=response.body,
        fetched_at=rec.date, crawl_id=rec.crawl_id, warc=rec.pointer,
        encoding=getattr(response, "encoding", None), hints=hints,
    )


# =====================================================================================
# iter_pages
# =====================================================================================
def parse_since(value: str | datetime | None) -> datetime | None:
    """``"2026-11-01"``, an ISO timestamp, ``"2d"`` / ``"12h"`` (relative), a datetime."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text = str(value).strip()
    m = re.fullmatch(r"(\d+)([dh])", text)
    if m:
        n = int(m.group(1))
        delta = timedelta(days=n) if m.group(2) == "d" else timedelta(hours=n)
        return datetime.now(timezone.utc) - delta
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"bad --since value {value!r} (expected YYYY-MM-DD, an ISO time, 2d or 12h)") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _warc_dt(date: str) -> datetime | None:
    try:
        return datetime.fromisoformat(date.replace("Z", "+00:00"))
    except ValueError:
        return None


def _crawls_for(store: Any, crawl_id: str | None, since: datetime | None) -> list[str]:
    crawls = [cid for cid, _ in _crawl_order(store, crawl_id)]
    if since is None:
        return crawls
    keep = []
    for cid in crawls:
        finished = None
        mkey = layout.manifest_key(cid)
        if store.exists(mkey):
            try:
                with store.open_read(mkey) as fh:
                    finished = _warc_dt(str(json.load(fh).get("finished_at") or ""))
            except (OSError, ValueError):
                finished = None
        if finished is None or finished >= since:
            keep.append(cid)
    return keep


@dataclass
class PageStats:
    records: int = 0
    pages: int = 0
    skipped: collections.Counter = field(default_factory=collections.Counter)


def iter_pages(store: Any, crawl_id: str | None = None, since: str | datetime | None = None,
               stats: PageStats | None = None) -> Iterator[FetchedPage]:
    """The pages the crawl handed to extraction, rebuilt from the archive (no network).

    ``crawl_id``: one crawl (default: every crawl of the store, oldest first);
    ``since``: only captures with a WARC-Date at or after it.
    """
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import TextResponse

    if isinstance(store, (str, os.PathLike)):
        from crawler.storage import open_store

        store = open_store(store)
    since_dt = parse_since(since)
    stats = stats if stats is not None else PageStats()
    originals: dict[str, tuple[str, int, int]] = {}  # record id -> where (no payload in memory)
    for cid in _crawls_for(store, crawl_id, since_dt):
        state = _DiscoveryState()
        for rec in iter_exchanges(store, cid):
            stats.records += 1
            callback = state.callback(rec)
            if rec.rec_type == "response":
                originals[rec.record_id] = (rec.warc_key, rec.offset, rec.length)
            elif rec.rec_type == "revisit" and _copy_under_other_url(rec):
                # The crawl extracted identical-payload copies found under another URL
                # (marked duplicate_of): rebuild the message from this head + the original.
                body = _original_body(store, originals.get(rec.warc_headers.get("WARC-Refers-To", "")))
                if body is not None:
                    rec.block = rec.block + body
                    rec.rec_type = "response"
            if rec.rec_type != "response" or rec.block is None:
                # a revisit: no article at crawl time; still a feed/sitemap marker
                if callback in ("parse_feed", "parse_sitemap"):
                    state.saw(rec, callback, None)
                stats.skipped["revisit" if rec.rec_type == "revisit" else "other"] += 1
                continue
            if rec.metadata and rec.metadata.get("fetchError"):
                stats.skipped["fetch_error"] += 1
                continue
            try:
                parsed = parse_http_response(rec.block)
            except ValueError:
                stats.skipped["unparsable"] += 1
                continue
            if parsed.dataloss:
                stats.skipped["dataloss"] += 1
                continue
            status = int(parsed.txresponse.code)
            if not 200 <= status < 300:
                stats.skipped["status"] += 1
                continue
            try:
                response = decode_response(raw_response(rec.url, rec.block, ip=rec.ip, parsed=parsed))
            except IgnoreRequest:
                stats.skipped["too_large"] += 1
                continue
            is_feed, is_sitemap = state.saw(rec, callback, response)
            if callback != "parse" or is_feed or is_sitemap:
                stats.skipped["not_a_page_callback"] += 1
                continue
            if _meta_refresh_redirects(response):
                stats.skipped["meta_refresh"] += 1
                continue
            ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
            if not isinstance(response, TextResponse) or "html" not in (ctype or "text/html"):
                stats.skipped["not_html"] += 1
                continue
            if since_dt is not None:
                when = _warc_dt(rec.date)
                if when is not None and when < since_dt:
                    stats.skipped["before_since"] += 1
                    continue
            stats.pages += 1
            yield page_from_response(response, rec)


# =====================================================================================
# reprocess
# =====================================================================================
class _RunCtx:
    """The part of :class:`crawler.context.RunContext` that ArticleSink needs."""

    def __init__(self, store: Any, crawl_id: str):
        self.store = store
        self.crawl_id = crawl_id
        self.spool: Path = store.spool_dir(crawl_id)
        self.files: list[dict[str, Any]] = []
        try:  # owner lock: crash recovery of other runs leaves a live spool alone
            from crawler.context import claim_spool
        except ImportError:  # pragma: no cover - older checkout
            self._owner = None
        else:
            self._owner = claim_spool(self.spool)

    def release(self, remove: bool = False) -> None:
        if self._owner is not None:
            from crawler.context import OWNER_FILE, STORED_FILE

            (self.spool / STORED_FILE).unlink(missing_ok=True)
            (self.spool / OWNER_FILE).unlink(missing_ok=True)
            self._owner.close()
            self._owner = None
        if remove:
            shutil.rmtree(self.spool, ignore_errors=True)
        else:
            try:
                self.spool.rmdir()
            except OSError:
                pass

    def store_file(self, local_path: Path, key: str, kind: str, **extra: Any) -> Any:
        from crawler.context import note_stored

        obj = self.store.put_file(local_path, key)
        entry = {"kind": kind, **obj.to_dict(), **extra}
        self.files.append(entry)
        note_stored(self.spool, entry)  # named in a recovered manifest if the run dies
        return obj


def _article_line(article: Article) -> str:
    """The JSON line exactly as :class:`crawler.storage.articles.ArticleSink` writes it."""
    return json.dumps(article.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"


def _read_manifest(store: Any, key: str) -> dict[str, Any] | None:
    try:
        with store.open_read(key) as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def previous_records(store: Any, crawl_ids: Iterable[str]) -> dict[str, str]:
    """``article id -> sha1 of its JSON line`` of the latest existing version of the
    records of ``crawl_ids``: the crawls' own parts, overridden by later reprocess runs."""
    import gzip

    from crawler.reader import version_rank

    wanted = set(crawl_ids)
    runs = []
    for key in store.list(layout.MANIFESTS_PREFIX + "/"):
        if not key.endswith(".json"):
            continue
        m = _read_manifest(store, key)
        if not m:
            continue
        cid = str(m.get("crawl_id") or key.rsplit("/", 1)[-1][:-5])
        reprocess = m.get("kind") == "reprocess"
        if reprocess:
            if not wanted & set(m.get("source_crawl_ids") or []):
                continue
        elif cid not in wanted:
            if m.get("status") != "recovered" or m.get("kind"):
                continue
            reprocess = True  # a crashed run of another id: any records of these crawls it holds are re-extractions
        runs.append((version_rank(cid, reprocess, m), m))
    out: dict[str, str] = {}
    for _, m in sorted(runs, key=lambda r: r[0]):  # the order readers give versions in
        for f in m.get("files", []):
            if f.get("kind") != "articles" or not store.exists(f["key"]):
                continue
            with store.open_read(f["key"]) as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
                for line in fh:
                    if not line.strip():
                        continue
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        continue
                    if rec.get("crawl_id") in wanted and rec.get("id"):
                        out[rec["id"]] = hashlib.sha1(line.rstrip("\n").encode("utf-8")).hexdigest()
    return out


def _ordered_results(pool: Any, pages: Iterable[FetchedPage], window: int) -> Iterator[tuple[FetchedPage, Any]]:
    """Extraction results in page order, keeping up to ``window`` pages in flight."""
    inflight: collections.deque = collections.deque()
    for page in pages:
        inflight.append((page, pool.submit(page)))
        if len(inflight) >= window:
            p, fut = inflight.popleft()
            yield p, fut.result()
    while inflight:
        p, fut = inflight.popleft()
        yield p, fut.result()


def reprocess(store: Any, crawl_id: str | None = None, since: str | datetime | None = None,
              workers: int | None = None, out_crawl_id: str | None = None, *,
              near_duplicates: str = "mark", compare: bool = True,
              extract_timeout: float = 30.0) -> dict[str, Any]:
    """Re-extract the archived pages of ``crawl_id`` (default: every crawl) and store
    the records as a new run; returns the run's manifest (``stats`` summarises it).

    ``workers``: extraction processes (``None`` = one per CPU core, ``0`` = inline);
    ``near_duplicates``: ``"mark"`` (default, as the crawl), ``"suppress"`` or ``"off"``;
    ``compare``: count records unchanged / changed / new / missing against the latest
    previous version of the same captures.
    """
    from crawler.context import new_crawl_id, utc_now_iso
    from crawler.dedup import near
    from crawler.dedup.index import SQLiteDedupIndex
    from crawler.extract import ExtractionPool
    from crawler.extract import extractor as extractor_mod
    from crawler.storage import open_store
    from crawler.storage.articles import ArticleSink

    if isinstance(store, (str, os.PathLike)):
        store = open_store(store)
    store.check_writable()
    if near_duplicates not in ("mark", "suppress", "off"):
        raise ValueError("near_duplicates must be mark, suppress or off")
    since_dt = parse_since(since)
    sources = _crawls_for(store, crawl_id, since_dt)
    if crawl_id and crawl_id not in sources and not warc_keys(store, crawl_id):
        raise ReprocessError(f"no WARC files for crawl {crawl_id} in {store.uri}")
    if not sources and not crawl_id and not warc_keys(store):
        raise ReprocessError(f"no WARC files in {store.uri}")
    if out_crawl_id:
        from crawler.crawlid import check_new_crawl_id

        check_new_crawl_id(store, out_crawl_id, "--run-id")  # CrawlIdError (a ValueError)
    run_id = out_crawl_id or new_crawl_id()
    if store.exists(layout.manifest_key(run_id)):
        raise ReprocessError(f"run {run_id} exists already in {store.uri}")
    started_at, t0 = utc_now_iso(), time.monotonic()
    previous = previous_records(store, sources) if compare else {}
    ctx = _RunCtx(store, run_id)
    sink = ArticleSink(ctx)
    page_stats = PageStats()
    kinds: collections.Counter = collections.Counter()
    cmp = collections.Counter()
    produced: set[str] = set()
    near_dups = 0
    tmp = Path(tempfile.mkdtemp(prefix="reprocess-near-"))
    index = SQLiteDedupIndex(tmp / "near.sqlite3")
    n_workers = (os.cpu_count() or 1) if workers is None else int(workers)
    pool = ExtractionPool(workers=n_workers, timeout=extract_timeout)
    ok = False
    try:
        pages = iter_pages(store, crawl_id, since_dt, stats=page_stats)
        pages = (p for p in pages if p.crawl_id in sources)
        for page, result in _ordered_results(pool, pages, max(1, n_workers) * 4):
            kinds[result.kind] += 1
            article = result.article
            if article is None:
                if result.kind == "error":
                    logger.warning("extraction failed for %s: %s", page.url, result.reason)
                continue
            if near_duplicates != "off":
                sig = near.signature(article.text)
                dup = index.find_near_duplicate(sig, article.id) if sig is not None else None
                if dup is None and sig is not None:
                    index.add_article(sig, article.id, article.url)
                article.duplicate_of = dup
                if dup:
                    near_dups += 1
                    if near_duplicates == "suppress":
                        continue
            sink.write(article)
            produced.add(article.id)
            if compare:
                digest = hashlib.sha1(_article_line(article).rstrip("\n").encode("utf-8")).hexdigest()
                old = previous.get(article.id)
                cmp["new" if old is None else ("unchanged" if old == digest else "changed")] += 1
        sink.close()
        ok = True
    finally:
        pool.close()
        if not ok:
            # Parts handed to the store before the failure stay (their records are valid
            # re-extractions); a "failed" manifest says what they are, so readers rank them as
            # this run's versions. Half-written parts in the spool are dropped.
            try:
                store.put_bytes(layout.manifest_key(run_id), json.dumps({
                    "crawl_id": run_id, "kind": "reprocess", "status": "failed",
                    "source_crawl_ids": sources, "extractor_version": extractor_mod.EXTRACTOR_VERSION,
                    "started_at": started_at, "finished_at": utc_now_iso(), "files": ctx.files,
                }, indent=2, sort_keys=True).encode("utf-8"))
            except Exception:  # noqa: BLE001 - the original error matters more
                logger.warning("could not write the manifest of failed reprocess run %s", run_id)
            ctx.release(remove=True)
        index.close()
        shutil.rmtree(tmp, ignore_errors=True)
    stats = {
        "records_written": sink.written,
        "pages": page_stats.pages,
        "warc_records": page_stats.records,
        "skipped": dict(sorted(page_stats.skipped.items())),
        "extract": dict(sorted(kinds.items())),
        "near_duplicates": near_dups,
    }
    if compare:
        stats["previous_version"] = bool(previous)
        stats["unchanged"] = cmp["unchanged"]
        stats["changed"] = cmp["changed"]
        stats["new"] = cmp["new"]
        stats["missing"] = len(set(previous) - produced) if since_dt is None else None
    manifest = {
        "crawl_id": run_id,
        "kind": "reprocess",
        "status": "finished",
        "source_crawl_ids": sources,
        "extractor_version": extractor_mod.EXTRACTOR_VERSION,
        "since": since_dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if since_dt else None,
        "near_duplicates": near_duplicates,
        "started_at": started_at,
        "finished_at": utc_now_iso(),
        "elapsed_seconds": round(time.monotonic() - t0, 3),
        "store": store.uri,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "stats": stats,
        "files": ctx.files,
    }
    store.put_bytes(layout.manifest_key(run_id),
                    json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))
    ctx.release()
    return manifest
