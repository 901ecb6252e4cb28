"""Metadata for an article: JSON-LD, meta tags, trafilatura's metadata extractor and htmldate.

All functions are pure and deterministic; the date search is bounded by the fetch date
(never by the current clock).
"""

from __future__ import annotations

import email.utils
import html
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

__all__ = ["PageMeta", "collect_metadata", "parse_jsonld", "site_of", "registered_domain", "iso_date", "clean_authors"]

ARTICLE_TYPES = frozenset(
    t.lower()
    for t in (
        "Article", "NewsArticle", "BlogPosting", "ReportageNews", "AnalysisNewsArticle", "OpinionNewsArticle",
        "ReviewNewsArticle", "BackgroundNewsArticle", "AskPublicNewsArticle", "SatiricalArticle", "LiveBlogPosting",
        "TechArticle", "ScholarlyArticle", "Report", "SocialMediaPosting", "DiscussionForumPosting", "Review", "Recipe",
        "HowTo", "VideoObject", "PodcastEpisode", "Posting", "MedicalScholarlyArticle", "AdvertiserContentArticle",
    )
)
#: only those that really are text articles count as "article evidence"
TEXT_ARTICLE_TYPES = frozenset(
    t.lower()
    for t in (
        "Article", "NewsArticle", "BlogPosting", "ReportageNews", "AnalysisNewsArticle", "OpinionNewsArticle",
        "ReviewNewsArticle", "BackgroundNewsArticle", "AskPublicNewsArticle", "SatiricalArticle", "LiveBlogPosting",
        "TechArticle", "ScholarlyArticle", "Report", "MedicalScholarlyArticle", "AdvertiserContentArticle",
    )
)
LISTING_TYPES = frozenset(t.lower() for t in ("CollectionPage", "ItemList", "SearchResultsPage", "ProfilePage", "Blog", "Series", "CreativeWorkSeries", "Periodical"))

PUBLISHED_META = (
    "article:published_time", "og:published_time", "og:article:published_time", "published_time", "datepublished",
    "article.published", "publish-date", "publishdate", "pubdate", "publish_date", "date", "dc.date", "dc.date.issued",
    "dcterms.created", "dcterms.date", "sailthru.date", "parsely-pub-date", "cxenseparse:recs:publishtime", "citation_publication_date",
)
MODIFIED_META = (
    "article:modified_time", "og:updated_time", "og:article:modified_time", "modified_time", "datemodified",
    "article.updated", "last-modified", "dc.date.modified", "dcterms.modified", "lastmod", "revised",
)
AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "dcterms.creator", "byl", "twitter:creator:name", "cxenseparse:author")


@dataclass
class PageMeta:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    sitename: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    image: str | None = None
    canonical_url: str | None = None
    html_lang: str | None = None
    og_type: str | None = None
    jsonld_types: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# URL helpers


def site_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    return host


def registered_domain(url: str) -> str:
    try:
        from courlan import extract_domain

        dom = extract_domain(url)
    except Exception:  # pragma: no cover - defensive: courlan quirks
        dom = None
    if dom:
        return dom.lower()
    host = site_of(url)
    if re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host):
        return host
    # unknown suffix (e.g. reserved test TLDs): last two labels
    return ".".join(host.split(".")[-2:])


def _absolute(base: str, href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("javascript:", "data:", "mailto:", "#")):
        return None
    try:
        out = urljoin(base, href)
    except ValueError:
        return None
    if not out.startswith(("http://", "https://")):
        return None
    return out


# ---------------------------------------------------------------------------------------------
# dates


_ISO_PREFIX = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?Z?$")


def iso_date(value: Any, max_day: date | None = None) -> str | None:
    """Normalise a date/datetime string to ISO 8601 (``YYYY-MM-DD`` or full datetime)."""
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else None
        if value is None:
            return None
    s = str(value).strip()
    if not s or len(s) > 60:
        return None
    dt: datetime | date | None = None
    has_time = False
    candidate = s.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", s) else s
    if candidate.endswith("Z"):
        candidate = candidate[:-1] + "+00:00"
    candidate = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", candidate)
    try:
        dt = datetime.fromisoformat(candidate)
        has_time = "T" in candidate
    except ValueError:
        dt = None
    if dt is None:
        m = _COMPACT.match(s)
        if m:
            try:
                if m.group(4):
                    dt = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)), int(m.group(6) or 0))
                    has_time = True
                else:
                    dt = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                dt = None
    if dt is None:
        try:
            dt = email.utils.parsedate_to_datetime(s)
            has_time = True
        except (TypeError, ValueError, IndexError):
            dt = None
    if dt is None:
        m = _ISO_PREFIX.search(s)
        if m:
            try:
                dt = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                dt = None
    if dt is None:
        return None
    day = dt.date() if isinstance(dt, datetime) else dt
    if day.year < 1990 or (max_day is not None and day > max_day + timedelta(days=1)):
        return None
    if has_time and isinstance(dt, datetime):
        return dt.isoformat()
    return day.isoformat()


def _fetch_day(fetched_at: str | None) -> date | None:
    if not fetched_at:
        return None
    m = _ISO_PREFIX.search(fetched_at)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# JSON-LD


def _load_json(text: str) -> Any:
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    text = text.strip().removeprefix("//<![CDATA[").removesuffix("//]]>").strip()
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    # common breakage: trailing commas, raw newlines
    fixed = re.sub(r",\s*([}\]])", r"\1", text)
    try:
        return json.loads(fixed, strict=False)
    except ValueError:
        return None


def _types(obj: dict) -> list[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    return []


def parse_jsonld(tree: HtmlElement) -> list[dict]:
    """Top-level JSON-LD entities of a page (``@graph`` flattened), in document order."""
    entities: list[dict] = []
    for script in tree.iter("script"):
        typ = (script.get("type") or "").lower()
        if "ld+json" not in typ:
            continue
        data = _load_json(script.text or "")
        if data is None:
            continue
        stack = data if isinstance(data, list) else [data]
        for item in stack:
            if not isinstance(item, dict):
                continue
            graph = item.get("@graph")
            if isinstance(graph, list):
                entities.extend(x for x in graph if isinstance(x, dict))
            elif isinstance(graph, dict):
                entities.append(graph)
            if _types(item) or not graph:
                entities.append(item)
    # mainEntity of a WebPage counts as top level too
    extra: list[dict] = []
    for ent in entities:
        main = ent.get("mainEntity")
        if isinstance(main, dict) and _types(main):
            extra.append(main)
    return entities + extra


def _article_entity(entities: list[dict]) -> dict | None:
    for ent in entities:
        if any(t.lower() in ARTICLE_TYPES for t in _types(ent)):
            return ent
    return None


def _names(value: Any, persons_only: bool = False) -> list[str]:
    out: list[str] = []
    if value is None:
        return out
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        for v in value:
            out.extend(_names(v, persons_only))
        return out
    if isinstance(value, dict):
        types = [t.lower() for t in _types(value)]
        if persons_only and types and "person" not in types:
            return out
        name = value.get("name")
        if isinstance(name, list):
            name = " ".join(x for x in name if isinstance(x, str))
        if isinstance(name, str):
            out.append(name)
        elif value.get("givenName") or value.get("familyName"):
            out.append(f"{value.get('givenName', '')} {value.get('familyName', '')}".strip())
    return out


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        out: list[str] = []
        for v in value:
            out.extend(_strings(v))
        return out
    if isinstance(value, dict):
        for key in ("name", "url", "@id"):
            if isinstance(value.get(key), str):
                return [value[key]]
    return []


def _image_url(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for v in value:
            u = _image_url(v)
            if u:
                return u
    if isinstance(value, dict):
        for key in ("url", "contentUrl", "@id"):
            if isinstance(value.get(key), str):
                return value[key]
    return None


# ---------------------------------------------------------------------------------------------
# authors, tags


_BY_PREFIX = re.compile(
    r"^(?:by|written by|words by|story by|text by|reporting by|von|text|autor(?:in)?|par|écrit par|por|escrito por|di|scritto da|door|geschreven door|auteur)\s*[:\-–—]?\s+",
    re.I,
)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_URLISH = re.compile(r"^(?:https?://|www\.)|\.(?:com|org|net|html?)(?:/|$)", re.I)
_SPLIT_AND = re.compile(r"\s+(?:and|&|und|et|y|e|en)\s+", re.I)


def _clean_one_author(name: str) -> str | None:
    name = html.unescape(name)
    name = " ".join(name.split())
    name = _EMAIL.sub("", name)
    name = _BY_PREFIX.sub("", name).strip(" ,;:|-–—·•@")
    if not name or _URLISH.search(name):
        return None
    if len(name) < 3 or len(name) > 80 or len(name.split()) > 7:
        return None
    if not re.search(r"[^\W\d_]", name):
        return None
    if sum(ch.isdigit() for ch in name) > 2:
        return None
    if name.isupper() and len(name) > 3:
        name = name.title()
    return name


def clean_authors(raw: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    """Split, clean and de-duplicate author names (order kept)."""
    banned = {e.lower() for e in exclude if e}
    out: list[str] = []
    seen: set[str] = set()
    for item in raw:
        if not item or not isinstance(item, str):
            continue
        item = _BY_PREFIX.sub("", " ".join(html.unescape(item).split()))
        parts: list[str] = []
        for chunk in re.split(r"\s*[;|/]\s*|\n", item):
            sub = _SPLIT_AND.split(chunk)
            if len(sub) > 1 and all(1 <= len(s.split()) <= 5 for s in sub):
                pieces = sub
            else:
                pieces = [chunk]
            for piece in pieces:
                commas = [c.strip() for c in piece.split(",")]
                if len(commas) > 1 and all(2 <= len(c.split()) <= 5 for c in commas if c):
                    parts.extend(c for c in commas if c)
                elif len(commas) == 2 and len(commas[1].split()) <= 3 and len(commas[0].split()) >= 2:
                    # "Jane Doe, Reuters" / "Jane Doe, Staff Writer": keep the name
                    parts.append(commas[0])
                else:
                    parts.append(piece)
        for part in parts:
            name = _clean_one_author(part)
            if not name:
                continue
            key = name.casefold()
            if key in seen or key in banned:
                continue
            seen.add(key)
            out.append(name)
    return out


def _clean_title(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    title = " ".join(html.unescape(value).split())
    return title or None


def _dedup_strings(values: Iterable[str], max_len: int = 100) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for v in values:
        if not isinstance(v, str):
            continue
        v = " ".join(html.unescape(v).split()).strip(" ,;|")
        if not v or len(v) > max_len:
            continue
        key = v.casefold()
        if key in seen:
            continue
        seen.add(key)
        out.append(v)
    return out


def _split_keywords(value: Any) -> list[str]:
    out: list[str] = []
    for s in _strings(value):
        out.extend(p for p in re.split(r"\s*[,;]\s*", s) if p)
    return out


# ---------------------------------------------------------------------------------------------
# meta tags


def _meta_map(tree: HtmlElement) -> dict[str, list[str]]:
    meta: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        content = el.get("content")
        if not key or content is None:
            continue
        meta.setdefault(key.strip().lower(), []).append(content.strip())
    return meta


def _first(meta: dict[str, list[str]], keys: Iterable[str]) -> str | None:
    for k in keys:
        for v in meta.get(k, ()):
            if v:
                return v
    return None


def _itemprop_dates(tree: HtmlElement, prop: str) -> str | None:
    for el in tree.xpath(f'//*[@itemprop="{prop}"]'):
        v = el.get("datetime") or el.get("content")
        if v:
            return v
    return None


def _html_lang(tree: HtmlElement, meta: dict[str, list[str]]) -> str | None:
    root = tree.getroottree().getroot()
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or _first(meta, ("content-language", "og:locale", "language", "dc.language"))
    if not lang:
        return None
    lang = lang.strip().replace("_", "-").split("-")[0].lower()
    return lang if re.fullmatch(r"[a-z]{2}", lang) else None


# ---------------------------------------------------------------------------------------------
# trafilatura's metadata, field by field


class _TrafilaturaMeta:
    """What ``trafilatura.metadata.extract_metadata`` returns, computed one field at a time
    when first asked for.

    ``extract_metadata`` always runs every step -- htmldate's date search, the author
    search, the licence -- although a page's JSON-LD or meta tags usually make most of them
    moot here.  This follows the same steps, in the same way, through trafilatura's own
    functions (so each field equals ``extract_metadata``'s), but only for the fields
    :func:`collect_metadata` actually reads.
    """

    def __init__(self, tree: HtmlElement, url: str, date_config: dict[str, Any]):
        from trafilatura.metadata import examine_meta, extract_meta_json

        self._tree, self._default_url, self._date_config = tree, url, date_config
        md = examine_meta(tree)
        if md.author and " " not in md.author:
            md.author = None
        try:
            md = extract_meta_json(tree, md)
        except Exception:  # noqa: BLE001 - as extract_metadata: bugs in trafilatura's JSON-LD code
            pass
        self._md = md
        self._cache: dict[str, Any] = {}

    @staticmethod
    def _trim(value: Any) -> Any:
        # Document.clean_and_trim, for one value
        if isinstance(value, str):
            from trafilatura.utils import line_processing

            if len(value) > 10000:
                value = value[:9999] + "…"
            value = line_processing(html.unescape(value))
        return value

    def _raw(self, name: str) -> Any:
        if name in self._cache:
            return self._cache[name]
        from trafilatura import metadata as tm

        md, tree = self._md, self._tree
        if name == "title":
            value = md.title or tm.extract_title(tree)
        elif name == "author":
            value = md.author or tm.extract_author(tree)
        elif name == "url":
            value = md.url or tm.extract_url(tree, self._default_url)
        elif name == "date":
            from htmldate import find_date

            value = find_date(tree, **{**self._date_config, "url": self._raw("url")})
        elif name == "sitename":
            value = md.sitename or tm.extract_sitename(tree)
            if value:
                value = value.lstrip("@")
                if value and "." not in value and not value[0].isupper():
                    value = value.title()
            elif self._raw("url"):
                m = tm.META_URL.match(self._raw("url"))
                if m:
                    value = m[1]
        elif name == "categories":
            value = md.categories or tm.extract_catstags("category", tree)
        elif name == "tags":
            value = md.tags or tm.extract_catstags("tag", tree)
        else:  # description, image: meta tags and JSON-LD only
            value = getattr(md, name)
        self._cache[name] = value
        return value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._trim(self._raw(name))


# ---------------------------------------------------------------------------------------------
# main entry


def collect_metadata(tree: HtmlElement, url: str, fetched_at: str | None, hints: dict[str, Any] | None = None) -> PageMeta:
    from htmldate import find_date

    hints = hints or {}
    meta = _meta_map(tree)
    entities = parse_jsonld(tree)
    art = _article_entity(entities) or {}
    max_day = _fetch_day(fetched_at)
    max_date_str = (max_day + timedelta(days=1)).isoformat() if max_day else None

    date_config: dict[str, Any] = {"original_date": True, "extensive_search": True}
    if max_date_str:
        date_config["max_date"] = max_date_str
    else:  # deterministic upper bound when the fetch time is unknown
        date_config["max_date"] = "2099-12-31"
    doc = _TrafilaturaMeta(tree, url, date_config)

    pm = PageMeta()
    pm.og_type = (_first(meta, ("og:type",)) or "").strip().lower() or None
    pm.jsonld_types = [t for ent in entities for t in _types(ent)]
    pm.html_lang = _html_lang(tree, meta)

    # title: JSON-LD headline > trafilatura (og:title / <title> with site suffix removed) > <h1> > news sitemap
    headline = art.get("headline")
    candidates = [headline if isinstance(headline, str) else None, doc.title]
    h1 = next(iter(tree.iter("h1")), None)
    candidates.append(h1.text_content() if h1 is not None else None)
    candidates.append(hints.get("news_title"))
    title = next((c for c in (_clean_title(x) for x in candidates) if c), None)
    pm.title = title

    # sitename / description
    publisher = art.get("publisher")
    pub_names = _names(publisher)
    pm.sitename = doc.sitename or (pub_names[0] if pub_names else None)
    if pm.sitename:
        pm.sitename = " ".join(html.unescape(pm.sitename).split())
    if pm.title and pm.sitename:
        # "Headline | Site" / "Headline - Site" / "Headline | Site | by Author"
        m = re.match(rf"^(.{{10,}}?)\s+[|\-–—:·•]\s+{re.escape(pm.sitename)}(?:\s+[|\-–—].*)?$", pm.title, re.I)
        if m:
            pm.title = m.group(1).strip()
    desc = doc.description or (art.get("description") if isinstance(art.get("description"), str) else None)
    pm.description = " ".join(html.unescape(desc).split()) if desc else None

    # authors: JSON-LD persons > meta > trafilatura
    exclude = [pm.sitename or "", *pub_names]
    raw_authors = _names(art.get("author"), persons_only=True) or _names(art.get("creator"), persons_only=True)
    if not raw_authors:
        for key in AUTHOR_META:
            vals = [v for v in meta.get(key, ()) if v and not _URLISH.search(v)]
            if vals:
                raw_authors = vals
                break
    if not raw_authors and doc.author:
        raw_authors = [doc.author]
    if not raw_authors:
        raw_authors = _names(art.get("author"))
    pm.authors = clean_authors(raw_authors, exclude=exclude)

    # dates: JSON-LD > meta > htmldate > news sitemap hint
    published = iso_date(art.get("datePublished"), max_day) or iso_date(art.get("dateCreated"), max_day)
    if not published:
        published = iso_date(_first(meta, PUBLISHED_META), max_day) or iso_date(_itemprop_dates(tree, "datePublished"), max_day)
    structured_published = bool(published)
    if not published and doc.date:
        published = iso_date(doc.date, max_day)
    if not published:
        published = iso_date(hints.get("news_published"), max_day)
    modified = iso_date(art.get("dateModified"), max_day) or iso_date(_first(meta, MODIFIED_META), max_day) or iso_date(_itemprop_dates(tree, "dateModified"), max_day)
    if not modified and not structured_published:
        # htmldate only when the page's structured data (JSON-LD, meta, itemprop) gave no date
        try:
            found = find_date(tree, url=url, original_date=False, extensive_search=True, max_date=date_config["max_date"])
        except Exception:  # htmldate is defensive but a parser edge case must not kill the page
            found = None
        modified = iso_date(found, max_day)
    if modified and published and modified[:10] < published[:10]:
        modified = None
    pm.published, pm.modified = published, modified

    # tags and categories
    # trafilatura's tags and categories (JSON-LD, then links in post-meta blocks, a costly XPath
    # search) only when the page's meta tags and JSON-LD article gave none
    tags = list(meta.get("article:tag", [])) + _split_keywords(art.get("keywords"))
    if not tags:
        tags = list(doc.tags or [])
    cats = list(meta.get("article:section", [])) + _split_keywords(art.get("articleSection"))
    if not cats:
        cats = list(doc.categories or [])
    pm.tags = _dedup_strings(tags)
    pm.categories = _dedup_strings(cats)

    # image
    img = _first(meta, ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")) or _image_url(art.get("image")) or doc.image
    pm.image = _absolute(url, img)

    # canonical
    canon = None
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href"):
            canon = link.get("href")
            break
    if not canon:
        canon = _first(meta, ("og:url",))
    canon_abs = _absolute(url, canon)
    if canon_abs and registered_domain(canon_abs) == registered_domain(url):
        pm.canonical_url = canon_abs
    return pm
