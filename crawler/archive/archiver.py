"""Turns captured exchanges into WARC records and keeps the crawl log.

One ``Archiver`` per crawl (``Archiver.from_crawler`` returns the same object to
every component).  For every exchange it writes, in this order:

* ``response`` — the HTTP response exactly as received (``WARC-Truncated`` when cut),
* ``request``  — the request exactly as sent, ``WARC-Concurrent-To`` the response,
* ``metadata`` — how the URL was discovered (seed, via, hop path), concurrent to it,

and one line in the crawl log (Heritrix ``crawl.log`` style), which also records
fetches that failed before any response (DNS, refused, timeout).  At the end of the
crawl the log is stored as a ``resource`` record in the last WARC and as
``logs/<crawl_id>.crawl.log``.

A WARC that is closed at rotation is indexed (CDXJ) and handed to the store by a
background thread: indexing a 1 GB file takes minutes and an upload to S3 longer, and
the reactor must go on fetching meanwhile.  ``close()`` waits for that work, so the
manifest lists every file.
"""

from __future__ import annotations

import io
import logging
import re
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.archive.capture import Capture
from crawler.archive.httpmsg import parse_head
from crawler.archive.writer import WarcFileWriter, payload_digest_of, warc_date, warcinfo_fields
from crawler.context import RunContext, per_crawler
from crawler.storage import layout

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_ATTR = "_newsarchiver_archiver"

#: Discovery facts kept in each ``metadata`` record (WARC field name, request.meta key).
#: Extraction hints are built from exactly these, so re-extraction from the WARC
#: sees what the crawl saw.
METADATA_FIELDS = (
    ("via", "via"), ("hopsFromSeed", "hops"), ("seed", "seed"), ("source", "source"),
    ("newsTitle", "news_title"), ("newsPublished", "news_published"), ("feedTitle", "feed_title"),
)

_CREDENTIAL_HEADER = re.compile(rb"(?im)^((?:proxy-)?authorization:[ \t]*)(\S+)[^\r\n]*")


def redact_credentials(request: bytes) -> bytes:
    """The request as sent, with the values of ``Authorization`` / ``Proxy-Authorization``
    replaced by ``[redacted]``: credentials of the crawl operator (e.g. a proxy password)
    must never be archived.  The only change ever made to captured bytes."""
    end = request.find(b"\r\n\r\n")
    head, rest = (request, b"") if end == -1 else (request[:end], request[end:])
    return _CREDENTIAL_HEADER.sub(lambda m: m.group(1) + b"[redacted]", head) + rest


REVISIT_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
REVISIT_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


class Archiver:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.ctx = RunContext.of(crawler)
        self.stats = crawler.stats
        settings = crawler.settings
        self.enabled = settings.getbool("WARC_ENABLED", True)
        self.writer = WarcFileWriter(
            self.ctx.spool,
            prefix=settings.get("WARC_PREFIX", "news"),
            max_size=settings.getint("WARC_MAX_SIZE", 1024**3),
            digest_algorithm=settings.get("WARC_DIGEST_ALGORITHM", "sha1"),
            gzip_level=settings.getint("WARC_GZIP_LEVEL", 6),
            warcinfo=warcinfo_fields(
                isPartOf=self.ctx.crawl_id,
                robots="obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                http_header_user_agent=settings.get("USER_AGENT"),
                crawl_settings=self.ctx.recorded_settings,
                description="newsarchiver crawl " + self.ctx.crawl_id,
            ),
            on_close=self._on_warc_closed,
        )
        # WARC 1.1 puts the payload digest over the entity body (chunked framing
        # removed); warcio and FastWARC digest chunked payloads as stored.  "stored"
        # (default) follows those readers, so `warcio check` passes; "entity" the spec.
        self.dechunk_digest = settings.get("WARC_CHUNKED_PAYLOAD_DIGEST", "stored") == "entity"
        self.dedup = None
        if settings.getbool("DEDUP_ENABLED", True):
            from crawler.dedup.service import Dedup

            self.dedup = Dedup.of(crawler)
        self.log_path = self.ctx.spool / "crawl.log"
        # line-buffered: a crash (kill -9) keeps every line written so far for the recovery
        self._log = open(self.log_path, "a", encoding="utf-8", buffering=1)
        self.closed = False
        self._finisher: ThreadPoolExecutor | None = None
        self._finishing: list[Future] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Archiver:
        return per_crawler(crawler, _ATTR, cls)

    # -- per exchange --------------------------------------------------------------
    def record_exchange(
        self,
        request: Request,
        status: int,
        capture: Capture | None,
        *,
        truncated: str | None = None,
        error: Exception | None = None,
    ) -> dict[str, Any] | None:
        if capture is None or not self.enabled:
            self._log_line(request, status, 0, "-", "-", error and type(error).__name__)
            return None
        try:
            return self._write(request, status, capture, truncated, error)
        finally:
            capture.close()

    def _write(self, request: Request, status: int, capture: Capture, truncated: str | None,
               error: Exception | None) -> dict[str, Any]:
        date = warc_date(capture.started)
        block = capture.response
        block.seek(0)
        head = parse_head(block.read(64 * 1024))
        if not head.complete:
            truncated = truncated or "disconnect"
        url = request.url
        payload_digest, payload_len = payload_digest_of(
            block, self.writer.digest_algorithm, self.dechunk_digest, head)
        headers: dict[str, str] = {"WARC-Payload-Digest": payload_digest}
        if capture.ip:
            headers["WARC-IP-Address"] = capture.ip
        if truncated:
            headers["WARC-Truncated"] = truncated
        ref, profile = self._revisit_target(request, status, head, payload_digest, payload_len, truncated)
        if ref is not None:
            # A revisit keeps the evidence that the URL was seen (status line and
            # headers, byte-exact) without storing the same payload again.
            headers.update({
                "WARC-Profile": profile,
                "WARC-Refers-To-Target-URI": ref.uri,
                "WARC-Refers-To-Date": ref.date,
                "WARC-Refers-To": ref.record_id,
            })
            if profile == REVISIT_NOT_MODIFIED:
                headers.pop("WARC-Payload-Digest")
            block.seek(0)
            resp = self.writer.write_record(
                "revisit", url, io.BytesIO(block.read(head.header_len)),
                content_type="application/http; msgtype=response", headers=headers, date=date)
            self.stats.inc_value("dedup/revisits")
            self.stats.inc_value(f"dedup/revisits/{'not-modified' if status == 304 else 'identical'}")
        else:
            resp = self.writer.write_record(
                "response", url, block, content_type="application/http; msgtype=response",
                headers=headers, date=date, payload_start=head.header_len)
            self.stats.inc_value("warc/records/response")
        req_headers = {"WARC-Concurrent-To": resp.record_id}
        if capture.ip:
            req_headers["WARC-IP-Address"] = capture.ip
        self.writer.write_record(
            "request", url, io.BytesIO(redact_credentials(bytes(capture.request))),
            content_type="application/http; msgtype=request",
            headers=req_headers, date=date,
            payload_start=parse_head(bytes(capture.request[:65536])).header_len,
        )
        fields = [(name, str(request.meta.get(key) or "")) for name, key in METADATA_FIELDS]
        if error is not None:
            fields.append(("fetchError", f"{type(error).__name__}: {error}"[:500]))
        self.writer.write_metadata(url, [(k, v) for k, v in fields if v], resp.record_id, date=date)
        pointer = {
            "filename": resp.filename,
            "offset": resp.offset,
            "length": resp.length,
            "record_id": resp.record_id,
            "payload_digest": payload_digest,
            "date": date,
        }
        if ref is not None:
            pointer["revisit_of"] = ref.record_id
        elif self.dedup is not None and 200 <= status < 300 and not truncated:
            self.dedup.remember_payload(payload_digest, url, date, resp)
        if self.dedup is not None and not truncated:
            self.dedup.remember_url(url, status, head, payload_digest if status != 304 else None, date)
        request.meta["warc"] = pointer
        if truncated:
            self.stats.inc_value(f"warc/truncated/{truncated}")
        mime = (head.get(b"content-type") or b"-").split(b";")[0].decode("latin-1").strip() or "-"
        notes = [f"truncated:{truncated}" if truncated else "", "revisit" if ref is not None else ""]
        self._log_line(request, status, capture.size, mime, payload_digest,
                       ",".join(n for n in notes if n) or None)
        return pointer

    def _revisit_target(self, request: Request, status: int, head: Any, payload_digest: str,
                        payload_len: int, truncated: str | None) -> tuple[Any, str | None]:
        if self.dedup is None or truncated:
            return None, None
        # Only an original the store holds (or this run wrote) may be referred to: the
        # dedup service checks that here, where the revisit is decided.
        if status == 304 and request.meta.get("conditional"):
            ref = self.dedup.previous_capture(request.url)
            return (ref, REVISIT_NOT_MODIFIED) if ref is not None else (None, None)
        if 200 <= status < 300 and payload_len >= self.dedup.min_revisit_size:
            ref = self.dedup.revisit_original(payload_digest)
            if ref is not None:
                return ref, REVISIT_IDENTICAL
        return None, None

    def log_failure(self, request: Request, exc: Exception) -> None:
        self.stats.inc_value(f"fetch/failed/{type(exc).__name__}")
        self._log_line(request, -1, 0, "-", "-", f"{type(exc).__name__}: {exc}"[:300])

    def _log_line(self, request: Request, status: int, size: int, mime: str, digest: str,
                  annotation: str | None) -> None:
        meta = request.meta
        dur = meta.get("download_latency")
        line = " ".join([
            warc_date(), f"{status:>5}", f"{size:>10}", request.url,
            meta.get("hops") or "-", meta.get("via") or "-", mime,
            f"{int(dur * 1000)}ms" if dur else "-", digest or "-",
            (annotation or "-").replace("\n", " "),
        ])
        self._log.write(line + "\n")

    # -- lifecycle -----------------------------------------------------------------
    def _on_warc_closed(self, path: Path) -> None:
        if self._finisher is None:
            self._finisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warc-finisher")
        self._finishing = [f for f in self._finishing if not f.done()]
        self._finishing.append(self._finisher.submit(self._finish_warc, path))

    def _finish_warc(self, path: Path) -> None:
        # Index first: a local store moves the file away.
        from crawler.archive.cdxj import write_cdxj

        idx = path.with_name(path.name + ".cdxj")
        try:
            write_cdxj(path, idx)
        except Exception:  # the WARC itself must still reach the store
            logger.exception("could not index %s (rebuild with: crawler index)", path.name)
            idx = None
        self.ctx.store_file(path, layout.warc_key(self.ctx.crawl_id, path.name), "warc")
        if idx is not None:
            self.ctx.store_file(idx, layout.index_key(self.ctx.crawl_id, path.name), "cdxj")

    def _wait_finished(self) -> None:
        for fut in self._finishing:
            exc = fut.exception()
            if exc is not None:
                raise exc
        self._finishing = []
        if self._finisher is not None:
            self._finisher.shutdown(wait=True)
            self._finisher = None

    def close(self) -> None:
        """Store the crawl log and close the last WARC."""
        if self.closed:
            return
        self.closed = True
        self._log.close()
        if self.writer.current_name is not None or self.log_path.stat().st_size:
            with open(self.log_path, "rb") as fh:
                self.writer.write_record(
                    "resource", f"urn:crawl-log:{self.ctx.crawl_id}", fh,
                    content_type="text/plain; charset=utf-8",
                    headers={"WARC-Source-Note": "newsarchiver crawl log"},
                )
        self.writer.close()
        self._wait_finished()
        self.ctx.store_file(self.log_path, layout.crawl_log_key(self.ctx.crawl_id), "crawl-log")
