"""The ``--since`` window (``CRAWLER_SITEMAP_SINCE``): parsing it, and the dates discovery
compares with it -- sitemap entries (:func:`crawler.discovery.sitemaps.in_window`), feed
entries, and links whose path carries a full date."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?=[/_.-]|$)")


def parse_since(value: str) -> datetime:
    """``2d`` / ``12h`` (before now) or an ISO date / timestamp (UTC when naive);
    ``ValueError`` otherwise."""
    value = str(value).strip()
    if value[-1:] in ("d", "h") and value[:-1].isdigit():
        delta = timedelta(days=int(value[:-1])) if value[-1] == "d" else timedelta(hours=int(value[:-1]))
        return datetime.now(timezone.utc) - delta
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return as_utc(dt)


def as_utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def url_date_before(url: str, since: datetime) -> bool:
    """True when the URL's path holds a full date (``/2026/02/18/``, ``/2026-02-18-``)
    older than the day of ``since`` (a whole day early, so no time-zone edge drops a page)."""
    m = _URL_DATE.search(urlsplit(url).path)
    if not m:
        return False
    try:
        day = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=timezone.utc)
    except ValueError:
        return False
    return day.date() < since.date() - timedelta(days=1)


__all__ = ["parse_since", "as_utc", "url_date_before"]
