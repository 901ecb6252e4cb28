"""Byte-exact capture at the transport level.

Scrapy's ``HTTP11DownloadHandler`` builds its connections from an
``HTTP11ClientProtocol`` factory.  We swap in a protocol that tees every byte it
writes (the request as sent) and every byte it receives (the response as the
server sent it: status line, header order and case, chunked framing and
gzip/brotli content untouched) into a ``Capture``.  For HTTPS the protocol sits
above TLS, so it sees the decrypted bytes both ways.

When Scrapy's agent finishes (or gives up on) a download, the handler hands the
capture to the :class:`~crawler.archive.archiver.Archiver`, which writes the
request/response/metadata records and stores the record's location in
``request.meta["warc"]`` for the rest of the pipeline.
"""

from __future__ import annotations

import ipaddress
import logging
import tempfile
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _ScrapyAgent,
)
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.utils._download_handlers import wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import fail

from crawler.discovery.netguard import (
    BlockedAddressError,
    blocked_message,
    forbidden_reason,
    parse_networks,
)

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: Bytes of a capture kept in memory before it spills to a temporary file.
SPOOL_IN_MEMORY = 1024 * 1024
#: Allowance for the status line and headers on top of DOWNLOAD_MAXSIZE.
HEADER_ALLOWANCE = 256 * 1024


class Capture:
    """The raw bytes of one HTTP exchange."""

    __slots__ = ("request", "response", "size", "limit", "overflow", "ip", "started")

    def __init__(self, limit: int = 0):
        self.request = bytearray()
        self.response = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
        self.size = 0
        self.limit = limit
        self.overflow = False
        self.ip: str | None = None
        self.started = datetime.now(timezone.utc)

    def feed(self, data: bytes) -> None:
        if self.limit and self.size + len(data) > self.limit:
            data = data[: max(0, self.limit - self.size)]
            self.overflow = True
        self.response.write(data)
        self.size += len(data)

    def close(self) -> None:
        self.response.close()


class RecordingHTTP11ClientProtocol(_LenientHTTP11ClientProtocol):
    """An ``HTTP11ClientProtocol`` that tees both directions into a Capture."""

    _capture: Capture | None = None
    capture_limit: int = 0
    allow_private: bool = False
    allowed_networks: tuple = ()

    def connectionMade(self) -> None:
        super().connectionMade()
        transport = self.transport
        orig_write = transport.write
        orig_write_seq = transport.writeSequence

        def write(data: bytes) -> None:
            if self._capture is not None:
                self._capture.request += data
            orig_write(data)

        def write_sequence(seq: list[bytes]) -> None:
            if self._capture is not None:
                for data in seq:
                    self._capture.request += data
            orig_write_seq(seq)

        transport.write = write  # type: ignore[method-assign]
        transport.writeSequence = write_sequence  # type: ignore[method-assign]

    def request(self, request: Any) -> Any:
        capture = Capture(self.capture_limit)
        try:
            capture.ip = str(ipaddress.ip_address(self.transport.getPeer().host))
        except (AttributeError, ValueError):
            capture.ip = None
        if not self.allow_private and capture.ip:
            reason = forbidden_reason(capture.ip, self.allowed_networks)
            if reason:
                # SSRF guard on the connected peer: after DNS, on every hop, before
                # a single byte of the request is written.
                self.transport.abortConnection()
                host_hdr = request.headers.getRawHeaders(b"host") or [capture.ip.encode()]
                host = host_hdr[0].decode("ascii", "replace").rsplit(":", 1)[0]
                return fail(BlockedAddressError(blocked_message(host, capture.ip, reason)))
        self._capture = capture
        d = super().request(request)

        def attach(response: Any) -> Any:
            response._warc_capture = capture
            return response

        d.addCallback(attach)
        return d

    def dataReceived(self, data: bytes) -> None:
        if self._capture is not None:
            self._capture.feed(data)
        super().dataReceived(data)


class RecordingHTTP11ClientFactory(_LenientHTTP11ClientFactory):
    capture_limit = 0
    allow_private = False
    allowed_networks: tuple = ()

    def buildProtocol(self, addr: Any) -> RecordingHTTP11ClientProtocol:
        proto = RecordingHTTP11ClientProtocol(self._quiescentCallback)  # type: ignore[no-untyped-call]
        proto.capture_limit = self.capture_limit
        proto.allow_private = self.allow_private
        proto.allowed_networks = self.allowed_networks
        return proto


class _RecordingAgent(_ScrapyAgent):
    """Remembers the Twisted response so the capture survives failures too."""

    last_txresponse: Any = None

    def _cb_bodyready(self, txresponse: Any, request: Request) -> Any:
        self.last_txresponse = txresponse
        return super()._cb_bodyready(txresponse, request)


class ArchivingDownloadHandler(HTTP11DownloadHandler):
    """HTTP(S) download handler that archives every exchange byte for byte."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        from crawler.archive.archiver import Archiver

        self.archiver = Archiver.from_crawler(crawler)
        limit = self._default_maxsize + HEADER_ALLOWANCE if self._default_maxsize else 0
        factory = type("Factory", (RecordingHTTP11ClientFactory,), {
            "capture_limit": limit,
            "allow_private": crawler.settings.getbool("CRAWLER_ALLOW_PRIVATE"),
            "allowed_networks": parse_networks(crawler.settings.getlist("CRAWLER_ALLOWED_NETWORKS")),
        })
        self._pool._factory = factory

    async def download_request(self, request: Request) -> Response:
        request.meta.pop("warc", None)
        agent = _RecordingAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        try:
            with wrap_twisted_exceptions():
                response = await maybe_deferred_to_future(agent.download_request(request))
        except (DownloadCancelledError, DownloadTimeoutError, ResponseDataLossError) as exc:
            self._archive_partial(agent, request, exc)
            raise
        except Exception as exc:
            self.archiver.log_failure(request, _unwrap(exc))
            raise
        capture = getattr(agent.last_txresponse, "_warc_capture", None)
        truncated = "length" if (capture and capture.overflow) else None
        if "partial" in response.flags or "dataloss" in response.flags:
            truncated = truncated or "disconnect"
        self.archiver.record_exchange(request, response.status, capture, truncated=truncated)
        return response

    def _archive_partial(self, agent: _RecordingAgent, request: Request, exc: Exception) -> None:
        capture = getattr(agent.last_txresponse, "_warc_capture", None)
        if capture is None or capture.size == 0:
            self.archiver.log_failure(request, exc)
            return
        if isinstance(exc, DownloadTimeoutError):
            reason = "time"
        elif isinstance(exc, ResponseDataLossError):
            reason = "disconnect"
        else:
            reason = "length"
        status = int(getattr(agent.last_txresponse, "code", 0) or 0)
        self.archiver.record_exchange(request, status, capture, truncated=reason, error=exc)


def _unwrap(exc: Exception) -> Exception:
    """Twisted wraps failures of the request (e.g. the SSRF guard) in ResponseNeverReceived."""
    for inner in getattr(exc, "reasons", None) or ():
        value = getattr(inner, "value", None)
        if isinstance(value, Exception):
            return value
    return exc
