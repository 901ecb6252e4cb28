"""Locating and reading archived captures (:func:`show_capture`): CDXJ indexes and the
article records' WARC pointers, byte-range reads, revisits resolved to their original."""

from __future__ import annotations

import json
import os
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from crawler.storage import layout
from crawler.storage.base import Store, StoreError
from crawler.reader.base import _article_keys, _iter_lines, _ts_key, open_any_store, site_partition

# --------------------------------------------------------------------------- captures
@dataclass(frozen=True)
class Capture:
    """A located capture: the WARC record of ``url`` fetched at ``timestamp``."""

    url: str
    timestamp: str          # comparable digits (YYYYMMDDhhmmss[ffffff])
    warc_key: str
    offset: int
    length: int
    source: str             # "index" or "articles"
    record_id: str | None = None


REVISIT_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


def _url_variants(url: str) -> set[str]:
    """The URL as given plus trivially equivalent spellings (scheme/host case, no
    fragment, trailing slash, http/https, with/without ``www.``)."""
    url = url.strip()
    out = {url}
    try:
        p = urlsplit(url)
    except ValueError:
        return out
    if not (p.scheme and p.netloc):
        return out
    path = p.path or "/"
    paths = {path, path.rstrip("/") or "/", path if path.endswith("/") else path + "/"}
    netloc = p.netloc.lower()
    hosts = {netloc, netloc[4:] if netloc.startswith("www.") else "www." + netloc}
    for scheme in {p.scheme.lower(), "http", "https"}:
        for host in hosts:
            for pth in paths:
                out.add(urlunsplit((scheme, host, pth, p.query, "")))
    return out


def _path_needle(url: str) -> bytes:
    """Cheap byte pre-filter for lines that may mention the URL."""
    path = (urlsplit(url.strip()).path or "/").rstrip("/") or "/"
    return path.encode("utf-8")


def find_captures(store: str | os.PathLike[str] | Store, url: str) -> list[Capture]:
    """Every capture of ``url``, latest first: from the CDXJ indexes under
    ``indexes/`` when present (every fetched page, revisits included) and from the
    article records' ``warc`` pointers (searching only the URL's site partitions)."""
    st = open_any_store(store)
    variants = _url_variants(url)
    needle = _path_needle(url)
    found: dict[tuple[str, int], Capture] = {}

    def add(c: Capture) -> None:
        old = found.get((c.warc_key, c.offset))
        if old is None or (old.record_id is None and c.record_id):
            found[(c.warc_key, c.offset)] = c

    # CDXJ: "<surt> <timestamp> {json}"
    for key in st.list(layout.INDEX_PREFIX + "/"):
        parts = key.split("/")
        if len(parts) != 3 or not key.endswith((".cdxj", ".cdxj.gz")):
            continue
        for line in _iter_lines(st, key):
            if needle not in line:
                continue
            try:
                _, ts, blob = line.decode("utf-8").split(" ", 2)
                entry = json.loads(blob)
                if entry.get("url") not in variants:
                    continue
                add(Capture(entry["url"], _ts_key(ts), layout.warc_key(parts[1], entry["filename"]),
                            int(entry["offset"]), int(entry["length"]), "index"))
            except (KeyError, ValueError, TypeError):
                continue

    # Article records of the URL's site.
    host = urlsplit(url.strip()).hostname
    sites = {site_partition(host)} if host else None
    for ak in _article_keys(st, None, None, sites):
        for line in _iter_lines(st, ak.key):
            if needle not in line:
                continue
            rec = json.loads(line)
            if rec.get("url") not in variants and rec.get("canonical_url") not in variants:
                continue
            w = rec.get("warc")
            if not w:
                continue
            add(Capture(rec["url"], _ts_key(rec.get("fetched_at") or ""),
                        layout.warc_key(rec.get("crawl_id") or ak.crawl_id, w["filename"]),
                        int(w["offset"]), int(w["length"]), "articles", w.get("record_id")))
    return sorted(found.values(), key=lambda c: (c.timestamp, c.warc_key, c.offset), reverse=True)


def find_capture(store: str | os.PathLike[str] | Store, url: str) -> Capture | None:
    """The latest capture of ``url`` (see :func:`find_captures`), or None."""
    caps = find_captures(store, url)
    return caps[0] if caps else None


def read_range(store: Store, key: str, offset: int, length: int) -> bytes:
    """``length`` bytes of ``key`` from ``offset`` (``Store.read_range``: a real range
    read on S3, a seek locally, a forward read on plain streams)."""
    return store.read_range(key, offset, length)


def warc_record_block(data: bytes) -> tuple[dict[str, str], bytes]:
    """Split one (gzip-member or plain) WARC record into its headers and block."""
    if data[:2] == b"\x1f\x8b":
        d = zlib.decompressobj(wbits=31)
        data = d.decompress(data) + d.flush()
    end = data.find(b"\r\n\r\n")
    if not data.startswith(b"WARC/") or end < 0:
        raise StoreError("the WARC pointer does not point at a WARC record")
    headers: dict[str, str] = {}
    for line in data[:end].decode("utf-8", "replace").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    start = end + 4
    length = int(headers.get("content-length", len(data) - start))
    block = data[start:start + length]
    if len(block) != length:
        raise StoreError("truncated WARC record")
    return headers, block


def _read_record(st: Store, cap: Capture) -> tuple[dict[str, str], bytes]:
    return warc_record_block(read_range(st, cap.warc_key, cap.offset, cap.length))


def _resolve_revisit(st: Store, headers: dict[str, str], block: bytes, url: str,
                     caps: list[Capture]) -> bytes | None:


    """The full response a revisit record stands for, or None if its original is
    not in the store.

    ``identical-payload-digest``: the revisit's own status line and headers (as
    received at revisit time) followed by the original record's body.
    ``server-not-modified`` (a 304): the original response, unchanged.
    """
    target = headers.get("warc-refers-to-target-uri") or url
    ref_id = headers.get("warc-refers-to")
    ref_date = _ts_key(headers.get("warc-refers-to-date") or "")[:14]
    candidates = caps if target in _url_variants(url) else find_captures(st, target)
    chosen = [c for c in candidates if ref_id and c.record_id == ref_id]
    chosen += [c for c in candidates if c.timestamp[:14] == ref_date and c not in chosen]
    for cap in chosen:
        try:
            h, original = _read_record(st, cap)
        except (OSError, StoreError):
            continue
        if h.get("warc-type") != "response" or (ref_id and h.get("warc-record-id") not in (None, ref_id)):
            continue
        if headers.get("warc-profile") == REVISIT_NOT_MODIFIED:
            return original
        end = original.find(b"\r\n\r\n")
        body = original[end + 4:] if end >= 0 else b""
        head = block if block.endswith(b"\r\n\r\n") else block + b"\r\n\r\n"
        return head + body
    return None


def show_capture(store: str | os.PathLike[str] | Store, url: str) -> bytes:
    """The archived HTTP response (status line, headers and body exactly as received)
    of the latest capture of ``url``.  Raises :class:`LookupError` if there is none.

    Only the record's byte range is read.  A ``revisit`` record (deduplicated capture)
    is resolved to its original response (see :func:`_resolve_revisit`); if the
    original is not in the store, or a record cannot be read, the next older capture
    is used (:class:`StoreError` if none could be read).
    """
    st = open_any_store(store)
    caps = find_captures(st, url)
    error: Exception | None = None
    for cap in caps:
        try:
            headers, block = _read_record(st, cap)
        except (OSError, StoreError, ValueError, zlib.error) as exc:  # unreadable: try an older one
            error = error or StoreError(f"cannot read the capture of {url} at {cap.warc_key}@{cap.offset}: {exc}")
            continue
        rtype = headers.get("warc-type")
        if rtype == "response":
            return block
        if rtype == "revisit":
            full = _resolve_revisit(st, headers, block, url, caps)
            if full is not None:
                return full
    if error is not None:
        raise error
    raise LookupError(f"no capture of {url} in {st.uri}")
