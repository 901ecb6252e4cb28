"""Builds test stores through the real write path: ``RunContext`` (store, spool,
manifest), ``WarcFileWriter`` (gzip WARC records, one member each) and
``ArticleSink`` (partitioned JSON Lines parts)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, BinaryIO, Iterator
from urllib.parse import urlsplit

from scrapy.settings import Settings

from crawler.archive.cdxj import write_cdxj
from crawler.archive.writer import RecordLocation, WarcFileWriter
from crawler.context import RunContext
from crawler.record import Article, WarcPointer, article_id
from crawler.storage import layout
from crawler.storage.articles import ArticleSink
from crawler.storage.base import LocalStore, Store, StoredObject


@dataclass
class Page:
    url: str
    fetched_at: str                 # 2026-11-26T10:00:00Z
    language: str | None = "en"
    duplicate_of: str | None = None
    title: str | None = None
    text: str | None = None
    tags: list[str] = field(default_factory=lambda: ["politics", "world"])
    authors: list[str] = field(default_factory=lambda: ["Ann Author", "Bob Writer"])
    article: bool = True            # False: only a WARC capture (e.g. a listing page)
    extra_header: str = ""          # e.g. "Date: ..." to vary the head between captures
    #: write a revisit record instead of a response: (profile, refers-to record location)
    revisit: tuple[str, Any] | None = None
    status_line: str = "HTTP/1.1 200 OK"


def http_response(page: Page) -> bytes:
    body = (f"<html><head><title>{page.title or page.url}</title></head>"
            f"<body><p>{page.text or 'body of ' + page.url}</p></body></html>").encode()
    head = (page.status_line.encode() + b"\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"X-Capture: " + page.url.encode() + b"\r\n"
            + (page.extra_header.encode() + b"\r\n" if page.extra_header else b"")
            + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
    return head + body


def http_head(raw: bytes) -> bytes:
    return raw[: raw.index(b"\r\n\r\n") + 4]


def _site(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host


def write_run(store: Path | str, crawl_id: str, pages: list[Page], *, status: str = "finished",
              write_manifest: bool = True, cdxj: bool = False, max_records: int = 50_000,
              recover: bool = False) -> dict[str, Any]:
    """One run into ``store``; returns {"ctx", "responses": {url: bytes}, "ids": {url: id},
    "locs": {url: RecordLocation}}.  ``cdxj``: index each closed WARC and store the index, as the
    archiver does; ``recover``: let RunContext recover abandoned spools."""
    settings = Settings({"CRAWLER_STORE": str(store), "CRAWLER_CRAWL_ID": crawl_id,
                         "CRAWLER_RECOVER_SPOOL": recover})
    ctx = RunContext(SimpleNamespace(settings=settings))  # type: ignore[arg-type]

    def stored(path: Path) -> None:  # as the archiver hands a closed WARC (and its index) over
        idx = None
        if cdxj:
            idx = path.with_name(path.name + ".cdxj")
            write_cdxj(path, idx)
        ctx.store_file(path, layout.warc_key(crawl_id, path.name), "warc")
        if idx is not None:
            ctx.store_file(idx, layout.index_key(crawl_id, path.name), "cdxj")

    writer = WarcFileWriter(ctx.spool, prefix="test", on_close=stored)
    sink = ArticleSink(ctx, max_records=max_records)
    responses: dict[str, bytes] = {}
    ids: dict[str, str] = {}
    locs: dict[str, Any] = {}
    for page in pages:
        raw = http_response(page)
        responses[page.url] = raw
        fetched = page.fetched_at.replace("Z", ".000000Z") if "." not in page.fetched_at else page.fetched_at
        if page.revisit:
            profile, ref = page.revisit
            loc = _write_revisit(writer, page.url, http_head(raw), fetched, {
                "WARC-Profile": profile, "WARC-Refers-To-Target-URI": ref.uri,
                "WARC-Refers-To-Date": ref.date, "WARC-Refers-To": ref.record_id})
        else:
            loc = writer.write_record(
                "response", page.url, io.BytesIO(raw), content_type="application/http; msgtype=response",
                date=fetched, payload_start=raw.index(b"\r\n\r\n") + 4,
            )
        locs[page.url] = Ref(page.url, fetched, loc.record_id, loc)
        if not page.article:
            continue
        text = page.text or f"Text of {page.url}.\nSecond paragraph."
        art = Article(
            id=article_id(loc.record_id, page.url), url=page.url, canonical_url=page.url,
            site=_site(page.url), title=page.title or f"Title {page.url}",
            author="; ".join(page.authors), authors=list(page.authors), published=page.fetched_at[:10],
            modified=None, language=page.language, sitename="Site", description="desc",
            tags=list(page.tags), categories=["news"], image=None, text=text,
            word_count=len(text.split()), fetched_at=fetched, http_status=200, crawl_id=crawl_id,
            warc=WarcPointer(loc.filename, loc.offset, loc.length, loc.record_id, loc.payload_digest),
            extractor_version="test-1", text_digest=hashlib.sha1(text.encode()).hexdigest(),
            duplicate_of=page.duplicate_of,
        )
        ids[page.url] = art.id
        sink.write(art)
    sink.close()
    writer.close()
    if write_manifest:
        ctx.write_manifest({"response_received_count": len(pages), "articles/written": sink.written}, status)
    return {"ctx": ctx, "responses": responses, "ids": ids, "locs": locs}


def _write_revisit(writer: WarcFileWriter, url: str, head: bytes, date: str,
                   headers: dict[str, str]) -> RecordLocation:
    """A spec-conforming revisit record (block = the HTTP head)."""
    return writer.write_record("revisit", url, io.BytesIO(head), content_type="application/http; msgtype=response",
                               headers=headers, date=date)


@dataclass
class Ref:
    """A written record, as a revisit refers to it."""

    uri: str
    date: str
    record_id: str
    loc: Any


class StreamingStore(Store):
    """An object-store stand-in: only ``list`` and ``open_read`` with forward-only,
    non-seekable streams and no local paths (what an S3 backend offers)."""

    def __init__(self, inner: LocalStore):
        self.inner = inner
        self.uri = "mem://" + inner.uri
        self.opened: list[str] = []

    def check_writable(self) -> None:
        raise NotImplementedError

    def spool_dir(self, name: str) -> Path:
        raise NotImplementedError

    def state_dir(self) -> Path:
        raise NotImplementedError

    def put_file(self, local_path: Path, key: str) -> StoredObject:
        raise NotImplementedError

    def put_bytes(self, key: str, data: bytes) -> StoredObject:
        raise NotImplementedError

    def open_read(self, key: str) -> BinaryIO:
        self.opened.append(key)
        return _ForwardOnly(self.inner.open_read(key))

    def list(self, prefix: str = "") -> Iterator[str]:
        return self.inner.list(prefix)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)


class _ForwardOnly(io.RawIOBase):
    def __init__(self, fh: BinaryIO):
        self.fh = fh

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, b: Any) -> int:
        data = self.fh.read(len(b))
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.fh.close()
        super().close()
