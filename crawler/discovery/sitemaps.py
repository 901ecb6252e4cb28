"""Sitemap (``urlset`` / ``sitemapindex``) parsing, incl. Google News sitemaps.

``scrapy.utils.sitemap.Sitemap`` flattens child elements to their text and so
loses the nested ``<news:news>`` block; we therefore stream the document with
``lxml.etree.iterparse`` ourselves (same safe options: no network, no entity
resolution, ``recover=True``, ``huge_tree=False``), clearing processed
elements so memory stays flat even for 50 MiB sitemaps.

Element names are matched by *local name* (any namespace, lower/UPPER/
Capitalised for the structural ``urlset``/``sitemapindex``/``url``/``sitemap``
elements, fully case-insensitive below them), so sitemaps with a missing,
wrong or odd namespace (or undeclared ``news:`` prefixes) still parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from urllib.parse import urljoin

from lxml import etree
from protego import Protego

from ._common import DEFAULT_MAX_BYTES, XML_PARSE_KWARGS, decompress_body, local_name, parse_date

__all__ = [
    "NEWS_NS",
    "SITEMAP_NS",
    "SitemapEntry",
    "in_window",
    "parse_sitemap",
    "sitemap_urls_from_robots",
]

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


@dataclass(frozen=True)
class SitemapEntry:
    """One ``<url>`` (``is_sitemap=False``) or ``<sitemap>`` (``is_sitemap=True``)."""

    url: str
    lastmod: datetime | None
    news_published: datetime | None
    news_title: str | None
    news_language: str | None
    is_sitemap: bool


_TAGS = tuple(
    f"{{*}}{name}"
    for base in ("urlset", "sitemapindex", "url", "sitemap")
    for name in {base, base.upper(), base.capitalize()}
)


def _text(el: etree._Element) -> str:
    return (el.text or "").strip()


def _resolve_http(loc: str, base_url: str) -> str | None:
    """Resolve *loc* against *base_url*; keep only http(s) URLs."""
    if not loc:
        return None
    low = loc[:8].lower()
    if low.startswith("http://") or low.startswith("https://"):
        return loc  # absolute already: skip the (comparatively slow) urljoin
    url = urljoin(base_url, loc) if base_url else loc
    low = url[:8].lower()
    if low.startswith("http://") or low.startswith("https://"):
        return url
    return None


def _entry(elem: etree._Element, base_url: str, is_sitemap: bool) -> SitemapEntry | None:
    loc = lastmod = published = title = language = None
    for child in elem:  # direct children only: <image:loc> etc. are nested deeper
        name = local_name(child.tag)
        if name == "loc":
            if loc is None:
                loc = _text(child)
        elif name == "lastmod":
            lastmod = parse_date(_text(child))
        elif name == "news" and not is_sitemap:
            for sub in child.iter():
                sname = local_name(sub.tag)
                if sname == "publication_date":
                    published = parse_date(_text(sub))
                elif sname == "title" and title is None:
                    title = _text(sub) or None
                elif sname == "language" and language is None:
                    language = _text(sub) or None
    url = _resolve_http(loc or "", base_url)
    if url is None:
        return None
    return SitemapEntry(url, lastmod, published, title, language, is_sitemap)


def parse_sitemap(
    body: bytes, base_url: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[str, list[SitemapEntry]]:
    """Parse a sitemap body.

    Returns ``(kind, entries)`` where kind is ``"urlset"``, ``"sitemapindex"``
    or ``"invalid"``.  gzip is detected by magic bytes and decompressed with a
    hard cap of ``max_bytes`` (bigger/bomb/corrupt -> ``("invalid", [])``).
    Relative ``<loc>`` values are resolved against ``base_url``; only
    http/https URLs are kept (document order, no dedup).  Never raises for bad
    input; truncated-but-recoverable XML yields the entries read so far.
    """
    data = decompress_body(body, max_bytes)
    if data is None:
        return "invalid", []
    kind = "invalid"
    entries: list[SitemapEntry] = []
    try:
        # Only the elements we care about reach Python (huge speed-up on big
        # sitemaps); any other root element yields no event at all -> invalid.
        it = etree.iterparse(BytesIO(data), events=("start", "end"), tag=_TAGS, **XML_PARSE_KWARGS)
        root = None
        depth = 0
        for event, elem in it:
            if event == "start":
                depth += 1
                if root is None:
                    root = elem
                    rname = local_name(elem.tag)
                    if rname not in ("urlset", "sitemapindex"):
                        return "invalid", []
                    kind = rname
                continue
            depth -= 1
            if depth != 1:
                continue
            name = local_name(elem.tag)
            if (kind == "urlset" and name == "url") or (kind == "sitemapindex" and name == "sitemap"):
                entry = _entry(elem, base_url, kind == "sitemapindex")
                if entry is not None:
                    entries.append(entry)
            # Free memory: clear the processed element and drop earlier siblings.
            elem.clear()
            while elem.getprevious() is not None:
                del root[0]  # type: ignore[index]
    except (etree.LxmlError, ValueError):
        # Recover mode still raises for e.g. an empty document; entries read
        # before a fatal error are kept when the root was recognised.
        pass
    return kind, entries


def _as_utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt


def in_window(
    entry: SitemapEntry, since: datetime | None, until: datetime | None = None
) -> bool:
    """Is *entry* inside the optional ``[since, until]`` window (inclusive)?

    ``news_published`` takes precedence over ``lastmod``; entries with neither
    date are kept (``True``).  Naive ``since``/``until`` are taken as UTC.
    Sitemap-index entries are filtered the same way (a child sitemap whose
    lastmod is older than ``since`` cannot contain newer URLs, in theory).
    """
    when = entry.news_published or entry.lastmod
    if when is None:
        return True
    when = _as_utc(when)
    if since is not None and when < _as_utc(since):
        return False
    if until is not None and when > _as_utc(until):
        return False
    return True


def sitemap_urls_from_robots(robots_body: bytes | str, base_url: str | None = None) -> list[str]:
    """``Sitemap:`` URLs declared in a robots.txt (parsed with protego).

    Order kept, duplicates dropped, only http(s) kept; relative values are
    resolved against ``base_url`` when given (and dropped otherwise).
    """
    if isinstance(robots_body, bytes):
        robots_body = robots_body.decode("utf-8", "replace")
    try:
        declared = list(Protego.parse(robots_body).sitemaps)
    except Exception:  # protego is lenient, but never let robots.txt crash us
        return []
    seen: set[str] = set()
    out: list[str] = []
    for raw in declared:
        url = _resolve_http(raw.strip(), base_url or "")
        if url is not None and url not in seen:
            seen.add(url)
            out.append(url)
    return out
