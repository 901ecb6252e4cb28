"""Parsing helpers for raw HTTP/1.x messages as captured on the wire.

The WARC writer stores captured bytes untouched; these helpers only *read* them to
find the header/body boundary, decide the transfer coding and compute the payload
digest over the entity body (transfer-decoded, content-encoding kept), as WARC 1.1
section 6.3.2 defines it.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import BinaryIO, Iterator

CHUNK = 64 * 1024


@dataclass
class HeadInfo:
    """What the header block of a captured HTTP message says."""

    header_len: int  # bytes up to and including the blank line
    start_line: bytes
    headers: list[tuple[bytes, bytes]]
    complete: bool  # False when the blank line was never received

    def get(self, name: bytes) -> bytes | None:
        lname = name.lower()
        for k, v in self.headers:
            if k.lower() == lname:
                return v
        return None

    @property
    def chunked(self) -> bool:
        te = self.get(b"transfer-encoding") or b""
        return b"chunked" in te.lower()

    @property
    def status(self) -> int:
        parts = self.start_line.split(None, 2)
        try:
            return int(parts[1])
        except (IndexError, ValueError):
            return 0


def parse_head(data: bytes) -> HeadInfo:
    """Parse the start line and headers from the first bytes of a message.

    ``data`` must hold the whole header block (callers pass the first 64 KiB).
    Bare-LF line endings, as some servers send, are accepted.
    """
    end = data.find(b"\r\n\r\n")
    sep_len = 4
    lf_end = data.find(b"\n\n")
    if lf_end != -1 and (end == -1 or lf_end < end):
        end, sep_len = lf_end, 2
    complete = end != -1
    head = data[:end] if complete else data
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    start_line = lines[0] if lines else b""
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t") and headers:  # obsolete line folding
            k, v = headers[-1]
            headers[-1] = (k, v + b" " + line.strip())
            continue
        if b":" in line:
            k, v = line.split(b":", 1)
            headers.append((k.strip(), v.strip()))
    return HeadInfo(
        header_len=(end + sep_len) if complete else len(data),
        start_line=start_line,
        headers=headers,
        complete=complete,
    )


class Digester:
    """hashlib wrapper producing WARC-style ``algo:BASE32`` (sha1) values."""

    def __init__(self, algorithm: str = "sha1"):
        self.algorithm = algorithm
        self._h = hashlib.new(algorithm)

    def update(self, data: bytes) -> None:
        self._h.update(data)

    def __str__(self) -> str:
        return f"{self.algorithm}:{base64.b32encode(self._h.digest()).decode('ascii')}"


def iter_dechunked(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Undo ``Transfer-Encoding: chunked`` on a byte stream, leniently.

    Stops at the last-chunk marker; on malformed framing it yields the rest as is
    (the same recovery browsers and warcio apply), so a digest is always produced.
    """
    buf = b""
    it = iter(chunks)
    exhausted = False

    def fill() -> bool:
        nonlocal buf, exhausted
        if exhausted:
            return False
        try:
            buf += next(it)
            return True
        except StopIteration:
            exhausted = True
            return False

    while True:
        nl = buf.find(b"\n")
        while nl == -1:
            if not fill():
                if buf:
                    yield buf  # garbage / truncated size line
                return
            nl = buf.find(b"\n")
        size_line = buf[:nl].strip()
        try:
            size = int(size_line.split(b";", 1)[0], 16)
        except ValueError:
            # Not chunked after all: pass everything through.
            yield buf
            for rest in it:
                yield rest
            return
        buf = buf[nl + 1 :]
        if size == 0:
            return
        while size > 0:
            if not buf and not fill():
                return  # truncated inside a chunk
            take = buf[:size]
            buf = buf[len(take) :]
            size -= len(take)
            yield take
        # Drop the CRLF after the chunk data.
        while len(buf) < 2 and fill():
            pass
        if buf.startswith(b"\r\n"):
            buf = buf[2:]
        elif buf.startswith(b"\n"):
            buf = buf[1:]


def iter_file(fh: BinaryIO, start: int = 0, size: int = CHUNK) -> Iterator[bytes]:
    fh.seek(start)
    while True:
        data = fh.read(size)
        if not data:
            return
        yield data


def iter_entity_body(fh: BinaryIO, head: HeadInfo) -> Iterator[bytes]:
    """The entity body of a captured message (transfer coding removed)."""
    body = iter_file(fh, head.header_len)
    return iter_dechunked(body) if head.chunked else body
