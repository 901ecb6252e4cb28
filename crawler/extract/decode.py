"""Robust, deterministic decoding of fetched HTML bodies and content-type sniffing.

Order of evidence (close to the WHATWG encoding sniffing algorithm):

1. a byte order mark (UTF-8, UTF-16 LE/BE, UTF-32) always wins;
2. the encoding the fetch stage recorded (``FetchedPage.encoding``);
3. the ``charset`` parameter of the Content-Type header;
4. a ``<meta charset>`` / ``<meta http-equiv="Content-Type">`` declaration in the first bytes;
5. UTF-8 (when the bytes are valid UTF-8), then statistical detection (charset_normalizer),
   then windows-1252 as the last resort (it never fails, so real text always comes out).

A declared encoding is only used if the bytes decode *strictly* with it, so a page that
says UTF-8 but is really windows-1252 still comes out readable.  A UTF-8 page with a few
stray invalid bytes keeps UTF-8 (the bad bytes become U+FFFD) instead of being turned
into mojibake.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["DecodeError", "decode_body", "media_type", "normalise_encoding", "sniff_not_html"]


class DecodeError(ValueError):
    """The body cannot be turned into text (binary data)."""


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# WHATWG-style label remapping to the superset encodings browsers really use.
_REMAP = {
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "windows-1252": "cp1252",
    "iso-8859-9": "cp1254",
    "iso8859-9": "cp1254",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "utf8": "utf-8",
    "unicode": "utf-16",
}

_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.I)
_META_RE = re.compile(rb"<meta\b[^>]*>", re.I)
_XML_DECL_RE = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""", re.I)

#: Content types treated as HTML.  Everything else (PDF, images, JSON, plain text...) is not.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml+html", "text/xhtml"})
#: Types that are ambiguous: servers send HTML with them; we sniff the bytes.
_AMBIGUOUS_TYPES = frozenset(
    {"", "application/octet-stream", "text/plain", "application/xml", "text/xml", "binary/octet-stream", "unknown/unknown"}
)

_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"RIFF", "application/riff"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"OggS", "application/ogg"),
    (b"ID3", "audio/mpeg"),
    (b"\x00\x00\x00\x18ftyp", "video/mp4"),
    (b"\x00\x00\x00\x20ftyp", "video/mp4"),
    (b"\x00\x00\x00\x1cftyp", "video/mp4"),
    (b"wOFF", "font/woff"),
    (b"wOF2", "font/woff2"),
)
_HTML_SNIFF_RE = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|title|meta|p|div|article|h1|script|link|table|br|a\s)[\s>/]", re.I
)


def media_type(headers: dict[str, str] | None) -> str:
    """Lower-case media type (without parameters) of a header dict, or ``""``."""
    if not headers:
        return ""
    value = headers.get("content-type")
    if value is None:
        for key in sorted(headers):
            if key.lower() == "content-type":
                value = headers[key]
                break
    if not value:
        return ""
    return value.split(";", 1)[0].strip().lower()


def _header_charset(headers: dict[str, str] | None) -> str | None:
    if not headers:
        return None
    value = headers.get("content-type") or ""
    m = _CHARSET_RE.search(value.encode("latin-1", "replace"))
    return m.group(1).decode("ascii", "replace") if m else None


def sniff_not_html(body: bytes, headers: dict[str, str] | None) -> str | None:
    """Return a reason string when the body is not HTML, else ``None``."""
    head = body[:1024]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return f"binary content ({kind})"
    mtype = media_type(headers)
    if mtype in HTML_TYPES:
        return None
    stripped = _strip_bom(head)[0].lstrip()
    if mtype in _AMBIGUOUS_TYPES:
        if _looks_like_html(body):
            return None
        return f"content type {mtype or 'missing'} and body does not look like HTML"
    # JSON, images, CSS, JS, feeds, audio... -- explicit non-HTML types
    if (mtype.endswith("+xml") or mtype.endswith("/xml")) and stripped[:1] == b"<" and _looks_like_html(body):
        return None
    return f"content type {mtype}"


def _looks_like_html(body: bytes) -> bool:
    sample = body[:4096]
    bom_stripped, enc = _strip_bom(sample)
    if enc and enc.startswith("utf-16") or enc and enc.startswith("utf-32"):
        try:
            sample = bom_stripped.decode(enc, "ignore").encode("utf-8")
        except LookupError:  # pragma: no cover
            return False
    else:
        sample = bom_stripped
    stripped = sample.lstrip()
    if stripped[:1] in (b"{", b"["):
        return False
    return bool(_HTML_SNIFF_RE.search(sample))


def _strip_bom(data: bytes) -> tuple[bytes, str | None]:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom):], name
    return data, None


def _normalise(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if not label:
        return None
    label = _REMAP.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _REMAP.get(name, name)


def normalise_encoding(label: str | None) -> str | None:
    """The codec name :func:`decode_body` reports for an encoding label (None if unknown)."""
    return _normalise(label)


def _meta_charset(body: bytes) -> str | None:
    head = body[:8192]
    m = _XML_DECL_RE.match(head)
    if m:
        return m.group(1).decode("ascii", "replace")
    for tag in _META_RE.finditer(head):
        m = _CHARSET_RE.search(tag.group(0))
        if m:
            return m.group(1).decode("ascii", "replace")
    return None


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _mostly_utf8(body: bytes) -> bool:
    """True when the body is UTF-8 text with only a few invalid bytes."""
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    if bad == 0:
        return True
    non_ascii_ok = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    # genuine multi-byte characters clearly outnumber the broken sequences
    return non_ascii_ok >= 3 * bad and bad <= max(3, len(body) // 2000)


def _detect(body: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - charset_normalizer ships with trafilatura's deps
        return None
    results = from_bytes(body[:200_000])
    best = results.best()
    if best is None:
        return None
    # cp1250/cp1252/cp1257 score alike on Western text; prefer cp1252 (by far the most
    # common mislabelled charset on the web) when it is an equally good reading.
    for match in results:
        if (match.chaos <= best.chaos and match.coherence >= best.coherence
                and "cp1252" in (match.could_be_from_charset or [])):
            return "cp1252"
    return _normalise(best.encoding)


def decode_body(body: bytes, declared: str | None = None, headers: dict[str, str] | None = None) -> tuple[str, str]:
    """Decode ``body`` to text; returns ``(text, encoding_used)``.

    Raises :class:`DecodeError` only for data that is evidently binary.
    """
    if not body:
        return "", "utf-8"
    data, bom_enc = _strip_bom(body)
    if bom_enc:
        return _finish(data.decode(bom_enc, "replace"), bom_enc)

    candidates: list[str] = []
    for label in (declared, _header_charset(headers), _meta_charset(body)):
        enc = _normalise(label)
        if enc and enc not in candidates:
            candidates.append(enc)
    if not any(c.startswith("utf-16") or c.startswith("utf-32") for c in candidates[:2]):
        # a <meta> claiming UTF-16 in a byte stream we could read as ASCII is wrong by definition
        candidates = [c for c in candidates if not (c.startswith("utf-16") or c.startswith("utf-32"))]

    for enc in candidates:
        text = _strict(body, enc)
        if text is not None:
            return _finish(text, enc)
        if enc == "utf-8" and _mostly_utf8(body):
            return _finish(body.decode("utf-8", "replace"), "utf-8")

    text = _strict(body, "utf-8")
    if text is not None:
        return _finish(text, "utf-8")
    if "utf-8" not in candidates and _mostly_utf8(body):
        return _finish(body.decode("utf-8", "replace"), "utf-8")
    detected = _detect(body)
    if detected:
        text = _strict(body, detected)
        if text is not None:
            return _finish(text, detected)
    text = _strict(body, "cp1252")
    if text is not None:
        return _finish(text, "cp1252")
    return _finish(body.decode("cp1252", "replace"), "cp1252")


_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


def _finish(text: str, encoding: str) -> tuple[str, str]:
    sample = text[:20000]
    if sample:
        controls = len(_CONTROL_RE.findall(sample))
        if controls > 0.1 * len(sample):
            raise DecodeError(f"undecodable body: {controls} control characters in {len(sample)} decoded as {encoding}")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text, encoding
