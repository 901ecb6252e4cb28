"""Byte streams for the audit: a hashing tee and a strict gzip-member reader.

Every stored object is read once, front to back: :class:`HashingReader` computes its
SHA-256 and size from the bytes the parser pulls through it (and :meth:`drain` reads
what the parser left), so hashing and parsing share one pass -- one GET per S3 object.

:class:`MemberReader` decompresses a multi-member gzip file (a ``.warc.gz``: one member
per record) one member at a time, with the member's compressed offset and length --
what CDXJ lines and JSON ``warc`` pointers refer to.  Unlike warcio's lenient reader
(which prints zlib errors and goes on), every corruption is an exception: a bad
deflate stream, a CRC or length mismatch, a member cut short.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import BinaryIO

BLOCK = 1 << 20  # compressed bytes read at once
OUT = 1 << 18  # decompressed bytes produced at once (bounds memory for any member)


class CorruptStream(Exception):
    """The bytes are not what their format says (message names the offset)."""


class HashingReader:
    """Reads ``raw`` and keeps its SHA-256 and size."""

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read() if n is None or n < 0 else self.raw.read(n)
        if data:
            self.sha256.update(data)
            self.size += len(data)
        return data

    def readable(self) -> bool:
        return True

    def drain(self) -> None:
        """Read (and hash) whatever the parser did not."""
        while self.read(BLOCK):
            pass

    def hexdigest(self) -> str:
        return self.sha256.hexdigest()


class MemberReader:
    """The decompressed bytes of a gzip file, member by member (``read``/``readline``).

    ``next_member()`` starts the next member (False at the end of the file); ``read``
    and ``readline`` return b"" at the end of the current member; ``member_offset`` and
    ``member_length`` give its place in the compressed file once it has ended."""

    def __init__(self, raw: HashingReader):
        self.raw = raw
        self._in = b""  # compressed bytes not yet given to the decompressor
        self._pos = 0  # compressed offset of self._in[0]
        self._d: zlib._Decompress | None = None
        self._buf = b""  # decompressed; self._buf[self._off:] not yet returned
        self._off = 0
        self._done = True
        self.member_offset = 0
        self.member_length = 0

    def next_member(self) -> bool:
        if not self._done:
            raise CorruptStream(f"gzip member at offset {self.member_offset} not read to its end")
        if not self._in:
            self._in = self.raw.read(BLOCK)
            if not self._in:
                return False
        self.member_offset = self._pos
        self.member_length = 0
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._done = False
        self._buf, self._off = b"", 0
        return True

    def _fill(self) -> bool:
        """Decompress more of the member into the buffer; False at its end."""
        while not self._done:
            if not self._in:
                self._in = self.raw.read(BLOCK)
                if not self._in:
                    raise CorruptStream(f"gzip member at offset {self.member_offset} cut short "
                                        f"(file ends at {self._pos})")
            chunk = self._in
            assert self._d is not None
            try:
                out = self._d.decompress(chunk, OUT)
            except zlib.error as exc:
                raise CorruptStream(f"gzip member at offset {self.member_offset}: {exc}") from None
            if self._d.eof:
                rest = self._d.unused_data
                self._pos += len(chunk) - len(rest)
                self._in = rest
                self._done = True
                self.member_length = self._pos - self.member_offset
            else:
                tail = self._d.unconsumed_tail
                self._pos += len(chunk) - len(tail)
                self._in = tail
            if out:
                # (the unread part of the buffer is kept by offset: no copy per read)
                self._buf = self._buf[self._off:] + out if self._off < len(self._buf) else out
                self._off = 0
                return True
        return False

    def read(self, n: int) -> bytes:
        while len(self._buf) - self._off < n and self._fill():
            pass
        start = self._off
        self._off = min(start + n, len(self._buf))
        return self._buf[start:self._off]

    def readline(self, limit: int = 1 << 16) -> bytes:
        start = self._off
        while True:
            end = self._buf.find(b"\n", self._off, self._off + limit)
            if end != -1 or len(self._buf) - self._off >= limit or not self._fill():
                break
        start = self._off
        stop = min(start + limit, len(self._buf)) if end == -1 else end + 1
        self._off = stop
        return self._buf[start:stop]

    @property
    def member_done(self) -> bool:
        """True when the current member has ended and every byte of it was returned."""
        return self._done and self._off >= len(self._buf)


class PlainReader:
    """An uncompressed WARC: the same interface, a "member" being one record."""

    def __init__(self, raw: HashingReader):
        self.raw = raw
        self._buf = b""  # self._buf[self._off:] not yet returned
        self._off = 0
        self._pos = 0  # file offset of self._buf[self._off]
        self.member_offset = 0
        self.member_length = 0

    def _fill(self) -> bool:
        data = self.raw.read(BLOCK)
        if data:
            self._buf = self._buf[self._off:] + data
            self._off = 0
        return bool(data)

    def _avail(self) -> int:
        return len(self._buf) - self._off

    def next_member(self) -> bool:
        while True:  # blank lines between records (WARC's CRLF CRLF is read with the record)
            while self._avail() < 2 and self._fill():
                pass
            if not self._avail():
                return False
            if self._buf[self._off:self._off + 2] == b"\r\n":
                self._take(2)
            elif self._buf[self._off:self._off + 1] == b"\n":
                self._take(1)
            else:
                break
        self.member_offset = self._pos
        return True

    def end_member(self) -> None:
        self.member_length = self._pos - self.member_offset

    def _take(self, n: int) -> bytes:
        start = self._off
        self._off = min(start + n, len(self._buf))
        self._pos += self._off - start
        return self._buf[start:self._off]

    def read(self, n: int) -> bytes:
        while self._avail() < n and self._fill():
            pass
        return self._take(n)

    def readline(self, limit: int = 1 << 16) -> bytes:
        while True:
            end = self._buf.find(b"\n", self._off, self._off + limit)
            if end != -1 or self._avail() >= limit or not self._fill():
                break
        return self._take(limit if end == -1 else end + 1 - self._off)

    @property
    def member_done(self) -> bool:
        return True


__all__ = ["HashingReader", "MemberReader", "PlainReader", "CorruptStream", "BLOCK"]
