"""Small helpers shared by the extraction tests."""

from __future__ import annotations

import re

from crawler.record import FetchedPage, WarcPointer


def make_page(url: str, html: str | bytes, *, content_type: str = "text/html; charset=utf-8", encoding: str | None = None, hints: dict | None = None, warc: bool = True) -> FetchedPage:
    body = html.encode("utf-8") if isinstance(html, str) else html
    headers = {"content-type": content_type} if content_type else {}
    pointer = WarcPointer(filename="test-00000.warc.gz", offset=1234, length=5678, record_id=f"<urn:uuid:{abs(hash(url)) % 10**12:012d}>") if warc else None
    return FetchedPage(
        url=url, status=200, headers=headers, body=body, fetched_at="2024-08-01T10:00:00Z", crawl_id="test-crawl", warc=pointer, encoding=encoding, hints=hints or {}
    )


def squash(text: str) -> str:
    return " ".join(text.split())


def contains(haystack: str, needle: str) -> bool:
    return squash(needle).casefold() in squash(haystack).casefold()
