"""Read a WARC file strictly, record by record, checking its digests on the way.

For every record: the WARC header, ``WARC-Block-Digest`` over the block, and
``WARC-Payload-Digest`` over the payload of ``response``/``request`` records (and
``resource`` records: their payload is the block).  Two conventions exist for chunked
HTTP responses (README, "Payload digest and chunked responses"): WARC 1.1's entity body
(transfer coding removed; our default, ``WARC_CHUNKED_PAYLOAD_DIGEST=entity``) and the
bytes as stored (warcio, FastWARC; ``=stored``).  The convention a file was written with
is read from its warcinfo (``crawl_settings``); when the warcinfo does not say, either
is accepted.  A revisit's payload digest is the original's: it is checked against the
original when the revisit is resolved, not here.

Structural damage (corrupt gzip, a record cut short, a header that is not WARC) stops
the file with :class:`~crawler.verify.streams.CorruptStream`; digest mismatches are
reported per record and reading goes on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterator

from crawler.archive.httpmsg import iter_dechunked, parse_head
from crawler.verify.streams import CorruptStream, HashingReader, MemberReader, PlainReader

CHUNK = 1 << 16
HEAD_MAX = 64 * 1024  # the archiver parses the HTTP head from the first 64 KiB as well
WARCINFO_MAX = 1 << 20


@dataclass
class WarcRecord:
    """What the audit keeps of a record (never its block)."""

    type: str
    record_id: str | None
    uri: str | None
    date: str | None
    offset: int
    length: int
    headers: dict[str, str]
    problems: list[str] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def _algorithm(value: str) -> tuple[str, str] | None:
    if ":" not in value:
        return None
    algo, digest = value.split(":", 1)
    name = algo.strip().lower().replace("-", "")
    try:
        hashlib.new(name)
    except ValueError:
        return None
    return name, digest.strip()


def digest_matches(expected: str, raw: bytes) -> bool:
    """``expected`` (base32 as WARC writers use, or hex) names the digest ``raw``."""
    if len(expected) == 2 * len(raw):
        try:
            return binascii.unhexlify(expected) == raw
        except (binascii.Error, ValueError):
            pass
    return base64.b32encode(raw).decode("ascii").rstrip("=") == expected.upper().rstrip("=")


class WarcReader:
    """Iterates the records of one WARC stream (``gzip``: one member per record)."""

    def __init__(self, raw: HashingReader, gzip: bool = True):
        self.reader: MemberReader | PlainReader = MemberReader(raw) if gzip else PlainReader(raw)
        self.gzip = gzip
        #: "entity" / "stored" when the warcinfo says how chunked payloads were digested
        self.convention: str | None = None
        self.records = 0
        self.digests_checked = 0

    def __iter__(self) -> Iterator[WarcRecord]:
        r = self.reader
        while r.next_member():
            rec = self._record()
            self.records += 1
            yield rec

    # -- one record ----------------------------------------------------------------------
    def _record(self) -> WarcRecord:
        r = self.reader
        offset = r.member_offset
        version = r.readline()
        if not version.startswith(b"WARC/"):
            raise CorruptStream(f"no WARC record at offset {offset} (starts {version[:20]!r})")
        headers: dict[str, str] = {}
        last = None
        while True:
            line = r.readline()
            if not line:
                raise CorruptStream(f"record at offset {offset}: header cut short")
            if line in (b"\r\n", b"\n"):
                break
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if text[:1] in (" ", "\t") and last:  # continuation line
                headers[last] += " " + text.strip()
                continue
            name, sep, value = text.partition(":")
            if not sep:
                raise CorruptStream(f"record at offset {offset}: bad header line {text[:60]!r}")
            last = name.strip().lower()
            headers[last] = value.strip()
        try:
            length = int(headers.get("content-length", ""))
        except ValueError:
            raise CorruptStream(f"record at offset {offset}: no valid Content-Length") from None
        rec = WarcRecord(type=headers.get("warc-type", "?"), record_id=headers.get("warc-record-id"),
                         uri=headers.get("warc-target-uri"), date=headers.get("warc-date"),
                         offset=offset, length=0, headers=headers)
        self._block(rec, length)
        if isinstance(r, PlainReader):
            r.end_member()
        end = r.read(4)
        if end != b"\r\n\r\n":
            rec.problems.append(f"record at offset {offset} not followed by CRLF CRLF (Content-Length wrong?)")
        if self.gzip:
            if r.read(1):
                raise CorruptStream(f"gzip member at offset {offset} holds more than one record")
        rec.length = r.member_length
        return rec

    def _block(self, rec: WarcRecord, length: int) -> None:
        r = self.reader
        block_spec = _algorithm(rec.get("WARC-Block-Digest") or "")
        if rec.get("WARC-Block-Digest") and block_spec is None:
            rec.problems.append(f"record {rec.record_id}: unsupported block digest "
                                f"{rec.get('WARC-Block-Digest')!r}")
        block_hash = hashlib.new(block_spec[0]) if block_spec else None
        keep = bytearray() if rec.type == "warcinfo" else None

        def chunks() -> Iterator[bytes]:
            left = length
            while left > 0:
                data = r.read(min(left, CHUNK))
                if not data:
                    raise CorruptStream(f"record at offset {rec.offset}: block cut short "
                                        f"({length - left} of {length} bytes)")
                left -= len(data)
                if block_hash is not None:
                    block_hash.update(data)
                if keep is not None and len(keep) < WARCINFO_MAX:
                    keep.extend(data[:WARCINFO_MAX - len(keep)])
                yield data

        payload_value = rec.get("WARC-Payload-Digest")
        payload_spec = _algorithm(payload_value) if payload_value else None
        if payload_value and payload_spec is None and rec.type != "revisit":
            rec.problems.append(f"record {rec.record_id}: unsupported payload digest {payload_value!r}")
        ctype = (rec.get("Content-Type") or "").lower()
        if payload_spec and rec.type in ("response", "request") and ctype.startswith("application/http"):
            self._http_payload(rec, chunks(), payload_spec)
        elif payload_spec and rec.type == "resource":
            h = hashlib.new(payload_spec[0])
            for data in chunks():
                h.update(data)
            self._compare(rec, "payload", payload_spec[1], h.digest())
        else:
            for _ in chunks():
                pass
        if block_hash is not None and block_spec is not None:
            self._compare(rec, "block", block_spec[1], block_hash.digest())
        if keep is not None:
            self._read_warcinfo(bytes(keep))

    def _http_payload(self, rec: WarcRecord, it: Iterator[bytes], spec: tuple[str, str]) -> None:
        first = b""
        for data in it:
            first += data
            if len(first) >= HEAD_MAX:
                break
        head = parse_head(first[:HEAD_MAX])
        rest = first[head.header_len:]

        def body() -> Iterator[bytes]:
            if rest:
                yield rest
            yield from it

        stored = hashlib.new(spec[0])
        if not head.chunked or rec.type != "response":
            for data in body():
                stored.update(data)
            self._compare(rec, "payload", spec[1], stored.digest())
            return
        entity = hashlib.new(spec[0])

        def tee() -> Iterator[bytes]:
            for data in body():
                stored.update(data)
                yield data

        t = tee()
        for data in iter_dechunked(t):
            entity.update(data)
        for _ in t:  # trailers after the last chunk
            pass
        ok_entity = digest_matches(spec[1], entity.digest())
        ok_stored = digest_matches(spec[1], stored.digest())
        self.digests_checked += 1
        if self.convention == "stored":
            ok = ok_stored
        elif self.convention == "entity":
            ok = ok_entity
        else:
            ok = ok_entity or ok_stored
        if not ok:
            rec.problems.append(f"payload digest mismatch in {rec.type} record {rec.record_id} ({rec.uri}) "
                                f"at offset {rec.offset} (chunked; convention "
                                f"{self.convention or 'entity or stored'})")

    def _compare(self, rec: WarcRecord, what: str, expected: str, raw: bytes) -> None:
        self.digests_checked += 1
        if not digest_matches(expected, raw):
            rec.problems.append(f"{what} digest mismatch in {rec.type} record {rec.record_id}"
                                f"{f' ({rec.uri})' if rec.uri else ''} at offset {rec.offset}")

    def _read_warcinfo(self, block: bytes) -> None:
        for line in block.decode("utf-8", "replace").splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "crawl_settings":
                try:
                    settings: Any = json.loads(value.strip())
                except ValueError:
                    return
                conv = settings.get("WARC_CHUNKED_PAYLOAD_DIGEST") if isinstance(settings, dict) else None
                if conv in ("entity", "stored"):
                    self.convention = conv
                return


__all__ = ["WarcReader", "WarcRecord", "digest_matches"]
