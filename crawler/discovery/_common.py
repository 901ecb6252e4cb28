"""Shared low-level helpers for the discovery parsers (sitemaps and feeds).

Everything here is pure, offline and cheap:

* :func:`decompress_body` - gzip detection by *magic bytes* (never by
  headers) and decompression with a hard output cap, so a gzip bomb can never
  make us allocate more than ``max_bytes`` (+ one zlib chunk).
* :func:`sniff_head` / :func:`root_name` - look at the first ~2 KB of a body
  (gunzipping only that head when needed) to guess the document's root tag.
* :func:`xml_parser` - a *safe* lxml parser: no network, no entity
  resolution (no XXE, no billion laughs), no DTD loading, ``recover=True``,
  ``huge_tree=False``.
* :func:`parse_date` - lenient W3C-datetime / ISO 8601 / RFC 822 parsing
  that always returns timezone-aware UTC datetimes (or ``None``).
"""

from __future__ import annotations

import re
import threading
import zlib
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from lxml import etree

__all__ = [
    "DEFAULT_MAX_BYTES",
    "GZIP_MAGIC",
    "decompress_body",
    "is_gzip",
    "local_name",
    "parse_date",
    "root_name",
    "sniff_head",
    "xml_parser",
    "XML_PARSE_KWARGS",
]

#: Default cap for a decompressed body: the sitemaps.org limit (50 MiB).
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
#: At most this many nested gzip layers are undone (e.g. a ``.xml.gz`` file
#: additionally served with ``Content-Encoding: gzip`` that nobody decoded).
_MAX_GZIP_LAYERS = 2

#: Keyword arguments shared by :func:`xml_parser` and ``etree.iterparse``.
XML_PARSE_KWARGS = dict(
    recover=True,
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
    collect_ids=False,
)

_tls = threading.local()


def xml_parser() -> etree.XMLParser:
    """Return a (thread-local, reused) safe lxml XML parser."""
    parser = getattr(_tls, "parser", None)
    if parser is None:
        parser = _tls.parser = etree.XMLParser(**XML_PARSE_KWARGS)
    return parser


def is_gzip(body: bytes) -> bool:
    """True if *body* starts with the gzip magic bytes."""
    return body[:2] == GZIP_MAGIC


def _gunzip_capped(data: bytes, max_bytes: int) -> bytes | None:
    """Decompress (possibly multi-member) gzip *data*, never producing more
    than ``max_bytes`` bytes.

    Returns ``None`` when the output would exceed ``max_bytes`` (bomb or
    simply too big) or when the stream is corrupt.  A stream that is merely
    *truncated* (download cut short) yields what could be decompressed, so a
    recovering XML parser can still salvage the complete entries.
    """
    chunks: list[bytes] = []
    total = 0
    d = zlib.decompressobj(wbits=31)
    buf: bytes = data
    try:
        while buf:
            # max_length is always >= 1 here (0 would mean "unlimited").
            chunk = d.decompress(buf, max_bytes + 1 - total)
            total += len(chunk)
            if total > max_bytes:
                return None
            if chunk:
                chunks.append(chunk)
            if d.eof:
                buf = d.unused_data
                if not buf.startswith(GZIP_MAGIC):
                    break  # trailing garbage / padding after the last member
                d = zlib.decompressobj(wbits=31)
                continue
            buf = d.unconsumed_tail
            if not chunk and not buf:
                break  # input exhausted without EOF: truncated stream
    except zlib.error:
        return None
    # usual case (one member, one call): no extra copy of a big document
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def decompress_body(body: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes | None:
    """Return the (decompressed) document bytes or ``None`` if unusable.

    gzip is detected by magic bytes only.  Plain bodies larger than
    ``max_bytes`` are rejected too, so the cap means the same thing for both.
    """
    if not body:
        return None
    data = body
    for _ in range(_MAX_GZIP_LAYERS):
        if not is_gzip(data):
            break
        data = _gunzip_capped(data, max_bytes)  # type: ignore[assignment]
        if data is None:
            return None
    if len(data) > max_bytes:
        return None
    return data


def sniff_head(body: bytes, size: int = 2048) -> bytes:
    """First ``size`` bytes of the document, gunzipping only that head.

    UTF-16 bodies (BOM-marked) are transcoded to UTF-8 so byte-level sniffing
    works.  Never raises.
    """
    if is_gzip(body):
        try:
            head = zlib.decompressobj(wbits=31).decompress(body[:65536], size)
        except zlib.error:
            return b""
    else:
        head = body[:size]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head[: len(head) // 2 * 2].decode("utf-16", "ignore").encode("utf-8")
    return head


_SKIP_RE = re.compile(rb"<!--.*?(?:-->|$)|<\?.*?(?:\?>|$)|<![^>]*>", re.S)
_FIRST_TAG_RE = re.compile(rb"<([A-Za-z_][\w:.\-]*)")


def root_name(head: bytes) -> str | None:
    """Lower-cased local name of the first element in *head* (``None`` if no
    element starts there).  Comments, PIs and the doctype are skipped."""
    m = _FIRST_TAG_RE.search(_SKIP_RE.sub(b"", head))
    if m is None:
        return None
    return m.group(1).decode("ascii", "ignore").rpartition(":")[2].lower()


def local_name(tag: object) -> str:
    """Lower-cased local name of an lxml tag: strips ``{ns}`` and, for
    undeclared prefixes kept by the recovering parser, ``prefix:``.
    Comments/PIs (non-str tags) give ``""``."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2].rpartition(":")[2].lower()


_W3C_RE = re.compile(
    r"""^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})
        (?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?)?)?
        \s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$""",
    re.X | re.I,
)


def _to_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def parse_date(value: str | None) -> datetime | None:
    """Leniently parse a feed/sitemap date into an aware UTC datetime.

    Accepts W3C datetime / ISO 8601 (``2026``, ``2026-01``, ``2026-01-15``,
    with or without time, fraction and offset, ``Z``), and RFC 822/2822
    (``Thu, 15 Jan 2026 10:00:00 GMT``, ``+0100``, ``EST``...).  Naive values
    are assumed to be UTC.  Returns ``None`` for anything unparseable.
    """
    if not value:
        return None
    s = value.strip()
    if not s:
        return None
    if len(s) >= 10 and s[4] == "-":
        try:  # fast path (C implementation; full ISO 8601 on Python >= 3.11)
            return _to_utc(datetime.fromisoformat(s))
        except ValueError:
            pass
    m = _W3C_RE.match(s)
    if m is not None:
        y, mo, d, hh, mm, ss, frac, tz = m.groups()
        try:
            micro = int((frac or "0")[:6].ljust(6, "0"))
            dt = datetime(
                int(y), int(mo or 1), int(d or 1),
                int(hh or 0), int(mm or 0), int(ss or 0), micro,
                tzinfo=timezone.utc,
            )
        except ValueError:
            return None
        if tz and tz.upper() not in ("Z", "UTC", "GMT"):
            sign = -1 if tz[0] == "-" else 1
            digits = tz[1:].replace(":", "")
            offset_min = int(digits[:2]) * 60 + int(digits[2:4] or 0)
            if offset_min > 18 * 60:
                return None
            dt -= sign * timedelta(minutes=offset_min)
        return dt
    try:
        return _to_utc(parsedate_to_datetime(s))
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    try:  # compact ISO forms such as 20260115T100000Z
        return _to_utc(datetime.fromisoformat(s.upper().replace("Z", "+00:00")))
    except ValueError:
        return None
