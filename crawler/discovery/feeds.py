"""RSS / Atom (and JSON Feed) parsing, feed autodiscovery and cheap sniffing.

Parsing uses lxml with the same safe, recovering parser as the sitemap code
(no network, no entity resolution, ``huge_tree=False``) and the same
gzip-by-magic-bytes capped decompression (:mod:`._common`).  Element names
are matched by local name so namespace quirks do not matter.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree

from ._common import (
    DEFAULT_MAX_BYTES,
    decompress_body,
    local_name,
    parse_date,
    root_name,
    sniff_head,
    xml_parser,
)

__all__ = [
    "COMMON_FEED_PATHS",
    "FEED_LINK_TYPES",
    "FeedEntry",
    "discover_feed_links",
    "looks_like_feed",
    "looks_like_sitemap",
    "parse_feed",
]

#: Paths worth probing when a site exposes no autodiscovery link.
COMMON_FEED_PATHS = (
    "/feed",
    "/feed/",
    "/rss",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.xml",
    "/feeds/all.atom.xml",
)

#: MIME types accepted in ``<link rel="alternate" type=...>`` autodiscovery.
FEED_LINK_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/rdf+xml",  # RSS 1.0 sites
        "application/x-rss+xml",
        "application/x-atom+xml",
    }
)


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None
    published: datetime | None


# --------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------


def _http(url: str | None, base: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    if not url:
        return None
    if base:
        url = urljoin(base, url)
    low = url[:8].lower()
    return url if low.startswith("http://") or low.startswith("https://") else None


def _text(el: etree._Element) -> str:
    return "".join(el.itertext()).strip()


_RSS_DATE_NAMES = ("pubdate", "date", "published", "issued", "updated", "modified")
_ATOM_DATE_NAMES = ("published", "issued", "updated", "modified")


def _first_date(children: dict[str, etree._Element], names: tuple[str, ...]) -> datetime | None:
    for n in names:
        el = children.get(n)
        if el is not None:
            dt = parse_date(_text(el))
            if dt is not None:
                return dt
    return None


def _children(item: etree._Element) -> dict[str, etree._Element]:
    """Map of local-name -> first child element (cheap single pass)."""
    out: dict[str, etree._Element] = {}
    for child in item:
        name = local_name(child.tag)
        if name and name not in out:
            out[name] = child
    return out


def _atom_link(entry: etree._Element, base_url: str) -> str | None:
    """``link[@rel=alternate or no rel]/@href``; text/html (or untyped)
    preferred; ``xml:base`` honoured via lxml's ``.base``."""
    fallback = None
    for child in entry:
        if local_name(child.tag) != "link":
            continue
        rel = (child.get("rel") or "alternate").strip().lower()
        href = child.get("href")
        if rel != "alternate" or not href:
            continue
        url = _http(href, child.base or base_url)
        if url is None:
            continue
        ctype = (child.get("type") or "").lower()
        if not ctype or "html" in ctype:
            return url
        fallback = fallback or url
    return fallback


def _rss_item(item: etree._Element, base_url: str) -> FeedEntry | None:
    ch = _children(item)
    url = None
    # FeedBurner rewrites <link> to a tracking redirect and keeps the original.
    for name in ("origlink", "link"):
        el = ch.get(name)
        if el is not None and (url := _http(_text(el), item.base or base_url)):
            break
    if url is None:
        guid = ch.get("guid")
        if guid is not None and (guid.get("isPermaLink") or "true").strip().lower() != "false":
            url = _http(_text(guid), item.base or base_url)
    if url is None:
        url = _atom_link(item, base_url)  # <atom:link rel="alternate" href=...>
    if url is None:
        # RSS 1.0: <item rdf:about="...">
        about = next((v for k, v in item.attrib.items() if local_name(k) == "about"), None)
        url = _http(about, base_url)
    if url is None:
        return None
    title_el = ch.get("title")
    title = (_text(title_el) or None) if title_el is not None else None
    return FeedEntry(url, title, _first_date(ch, _RSS_DATE_NAMES))


def _atom_entry(entry: etree._Element, base_url: str) -> FeedEntry | None:
    url = _atom_link(entry, base_url)
    if url is None:
        return None
    ch = _children(entry)
    title_el = ch.get("title")
    title = (_text(title_el) or None) if title_el is not None else None
    return FeedEntry(url, title, _first_date(ch, _ATOM_DATE_NAMES))


def _parse_json_feed(data: bytes, base_url: str) -> tuple[str, list[FeedEntry]]:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return "invalid", []
    if not isinstance(doc, dict) or "jsonfeed.org" not in str(doc.get("version", "")):
        return "invalid", []
    entries: list[FeedEntry] = []
    items = doc.get("items")
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        raw = item.get("url") or item.get("external_url")
        url = _http(raw, base_url) if isinstance(raw, str) else None
        if url is None:
            continue
        title = item.get("title")
        date = item.get("date_published") or item.get("date_modified")
        entries.append(
            FeedEntry(
                url,
                (title.strip() or None) if isinstance(title, str) else None,
                parse_date(date) if isinstance(date, str) else None,
            )
        )
    return "json", entries


def parse_feed(
    body: bytes, base_url: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[str, list[FeedEntry]]:
    """Parse an RSS 0.9x/2.0, RSS 1.0 (RDF) or Atom feed.

    Returns ``(kind, entries)`` with kind ``"rss"`` (RSS 0.9x/2.0 and RSS 1.0),
    ``"atom"``, ``"json"`` (JSON Feed 1.x, a small extension) or ``"invalid"``.
    gzip bodies are detected by magic bytes and decompressed with a hard cap
    (``max_bytes``).  URLs are resolved against ``base_url`` (and ``xml:base``);
    only http(s) entries are returned, in document order.  Never raises for
    bad input.

    RSS link choice: ``feedburner:origLink`` > ``link`` > ``guid`` (unless
    ``isPermaLink="false"``) > ``atom:link`` > ``rdf:about``.  Dates: RSS
    ``pubDate`` > ``dc:date`` > ...; Atom ``published`` > ``updated``.
    """
    data = decompress_body(body, max_bytes)
    if data is None:
        return "invalid", []
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] == b"{":
        return _parse_json_feed(stripped, base_url)
    try:
        root = etree.fromstring(data, xml_parser(), base_url=base_url or None)
    except (etree.LxmlError, ValueError):
        return "invalid", []
    if root is None:
        return "invalid", []
    rname = local_name(root.tag)
    entries: list[FeedEntry] = []
    if rname == "feed":
        for el in root.iter("{*}entry"):
            if (e := _atom_entry(el, base_url)) is not None:
                entries.append(e)
        return "atom", entries
    if rname in ("rss", "rdf"):
        if rname == "rdf" and not any(
            local_name(c.tag) in ("channel", "item") for c in root
        ):
            return "invalid", []
        for el in root.iter("{*}item"):
            if (e := _rss_item(el, base_url)) is not None:
                entries.append(e)
        return "rss", entries
    return "invalid", []


# --------------------------------------------------------------------------
# autodiscovery
# --------------------------------------------------------------------------

_HEAD_END_RE = re.compile(rb"</head\s*>", re.I)
_ALT_LINK_RE = re.compile(rb"<link\b[^>]*alternate", re.I)


def discover_feed_links(html: str | bytes, base_url: str) -> list[str]:
    """Feed URLs advertised with ``<link rel="alternate" type="...">``.

    Types: see :data:`FEED_LINK_TYPES` (RSS, Atom, JSON Feed; MIME parameters
    ignored; ``rel`` may hold several tokens).  ``<base href>`` is honoured.
    Only the ``<head>`` is parsed when a ``</head>`` is found (hot-path
    friendly).  Absolute http(s) URLs, deduplicated, document order.
    """
    if isinstance(html, str):
        data = html.encode("utf-8", "surrogatepass")
        encoding: str | None = "utf-8"
    else:
        data = html
        encoding = None
    if _ALT_LINK_RE.search(data) is None:  # cheap pre-filter: skip the HTML parse
        return []
    m = _HEAD_END_RE.search(data)
    if m is not None:
        data = data[: m.end()]
    try:
        parser = etree.HTMLParser(encoding=encoding, no_network=True, remove_comments=True)
        root = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError):
        return []
    if root is None:
        return []
    base = base_url
    hrefs: list[str] = []
    for el in root.iter("base", "link"):
        if el.tag == "base":
            href = el.get("href")
            if href and base == base_url:  # first <base> wins
                base = urljoin(base_url, href.strip())
            continue
        rel = (el.get("rel") or "").lower().split()
        if "alternate" not in rel:
            continue
        ctype = (el.get("type") or "").split(";", 1)[0].strip().lower()
        if ctype not in FEED_LINK_TYPES:
            continue
        hrefs.append(el.get("href") or "")
    out: list[str] = []
    seen: set[str] = set()
    for href in hrefs:
        url = _http(href, base)
        if url is not None and url not in seen:
            seen.add(url)
            out.append(url)
    return out


# --------------------------------------------------------------------------
# sniffing
# --------------------------------------------------------------------------

_FEED_CT_MARKERS = ("rss", "atom", "feed+json", "rdf+xml")
_HTML_ROOTS = frozenset({"html", "head", "body"})


def _is_jsonfeed_head(head: bytes) -> bool:
    s = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return s[:1] == b"{" and b"jsonfeed.org/version" in s


def looks_like_feed(body: bytes, content_type: str | None) -> bool:
    """Cheap guess (first ~2 KB, gunzipped if needed) whether *body* is a feed.

    The body wins over the header: an HTML document served as
    ``application/rss+xml`` is not a feed; an RSS document served as
    ``text/html`` or ``text/xml`` is.  Header alone decides only when the
    head is inconclusive (e.g. a very long comment/preamble).
    """
    head = sniff_head(body)
    if _is_jsonfeed_head(head):
        return True
    root = root_name(head)
    if root in ("rss", "feed"):
        return True
    if root == "rdf":
        return b"purl.org/rss" in head or b"<channel" in head or b":channel" in head
    if root is not None:
        return False
    ct = (content_type or "").lower()
    return any(m in ct for m in _FEED_CT_MARKERS)


def looks_like_sitemap(body: bytes, content_type: str | None, url: str) -> bool:
    """Cheap guess (first ~2 KB, gunzipped if needed) whether *body* is a
    sitemap (``urlset`` / ``sitemapindex``).

    The root element decides when visible.  If the head is inconclusive, an
    XML-ish content type or gzip body plus a URL mentioning ``sitemap`` is
    taken as a yes.
    """
    head = sniff_head(body)
    root = root_name(head)
    if root is not None:
        return root in ("urlset", "sitemapindex")
    if _is_jsonfeed_head(head):
        return False
    ct = (content_type or "").lower()
    xmlish = "xml" in ct or "gzip" in ct or body[:2] == b"\x1f\x8b"
    return xmlish and "sitemap" in url.lower()
