"""Shared by tests/replay and tests/archive/test_cdxj_wacz.py: crawl the demo site
(plus a few extra encodings) into a store, and read the WARCs back independently."""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.archive.httpmsg import iter_dechunked
from crawler.demo.server import Route, SiteServer
from crawler.demo.site import build_site


def _page(title: str, links: list[str] = (), words: int = 300) -> bytes:
    body = "".join(f'<a href="{h}">{h}</a> ' for h in links)
    text = " ".join(f"word{i}" for i in range(words))
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head>"
            f"<body><h1>{title}</h1>{body}<p>{text}</p></body></html>").encode()


EXTRA_ROUTES = {
    "/extra/": Route(body=_page("extra index", ["/extra/gz-chunked.html", "/extra/chunked.html",
                                                "/extra/gz.html", "/"])),
    "/extra/gz-chunked.html": Route(body=_page("gzip and chunked", ["/extra/"], 3000),
                                    encoding="gzip", chunked=True),
    "/extra/chunked.html": Route(body=_page("chunked only", ["/extra/"], 2000), chunked=True),
    "/extra/gz.html": Route(body=_page("gzip only", ["/extra/"], 2000), encoding="gzip"),
}


#: Payload dedup (revisit records) is being built concurrently and is off here so
#: these tests do not depend on it; the indexer and pywb handle revisits already.
DEDUP_OFF: tuple[str, ...] = ()  # dedup on: revisit records are replayed too


def crawl_demo(store: Path, timeout: float = 180) -> str:
    """Crawl the demo site + EXTRA_ROUTES into ``store``; returns the site's base URL
    (the server is gone afterwards: replay must come from the archive)."""
    from tests.conftest import run_cli

    with SiteServer({}) as srv:
        srv.routes.update(build_site(srv.base_url))
        srv.routes.update(EXTRA_ROUTES)
        base = srv.base_url
        proc = run_cli("crawl", base + "/", base + "/extra/", "--store", str(store), "--allow-private",
                       "-s", "ITEM_PIPELINES={}", *DEDUP_OFF, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert list(store.glob("warc/*/*.warc.gz")), proc.stderr[-3000:]
    return base


@dataclass
class Rec:
    type: str
    url: str
    date: str
    record_id: str
    block: bytes
    filename: str

    @property
    def ts(self) -> str:
        return re.sub(r"\D", "", self.date)[:14]

    @property
    def head(self) -> bytes:
        return self.block.partition(b"\r\n\r\n")[0]

    def header(self, name: str) -> str | None:
        m = re.search(rb"(?im)^" + re.escape(name.encode()) + rb":[ \t]*(.*?)\r?$", self.head)
        return m.group(1).decode("latin-1").strip() if m else None

    @property
    def status(self) -> int:
        return int(self.block.split(b" ", 2)[1])

    @property
    def chunked(self) -> bool:
        return "chunked" in (self.header("Transfer-Encoding") or "").lower()

    @property
    def gzipped(self) -> bool:
        return (self.header("Content-Encoding") or "").lower() == "gzip"

    @property
    def entity(self) -> bytes:
        """The entity body as stored: chunked framing removed, content coding kept."""
        body = self.block.partition(b"\r\n\r\n")[2]
        return b"".join(iter_dechunked(iter([body]))) if self.chunked else body

    @property
    def is_html(self) -> bool:
        return (self.header("Content-Type") or "").split(";")[0].strip() in ("text/html",
                                                                            "application/xhtml+xml")


def warc_records(path: Path) -> list[Rec]:
    out = []
    with open(path, "rb") as fh:
        for r in ArchiveIterator(fh, no_record_parse=True):
            h = r.rec_headers
            out.append(Rec(r.rec_type, h.get_header("WARC-Target-URI") or "", h.get_header("WARC-Date"),
                           h.get_header("WARC-Record-ID"), r.raw_stream.read(), path.name))
    return out


def read_member(path: Path, offset: int, length: int) -> bytes:
    """The (decompressed) WARC record stored at offset/length of a .warc.gz."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read(length)
    assert len(data) == length
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(data) + d.flush()
    assert d.eof and not d.unused_data, "offset/length is not exactly one gzip member"
    return out


def warc_header(record: bytes, name: str) -> str | None:
    head = record.partition(b"\r\n\r\n")[0]
    m = re.search(rb"(?im)^" + re.escape(name.encode()) + rb":[ \t]*(.*?)\r?$", head)
    return m.group(1).decode("utf-8").strip() if m else None


def gunzip(data: bytes) -> bytes:
    return gzip.decompress(data)
