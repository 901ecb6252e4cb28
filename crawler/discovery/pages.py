"""Cheap URL-shape heuristics, used to prioritise links *before* fetching.

:func:`url_kind` looks only at the URL string (no I/O, no HTML) and returns
one of ``"article"``, ``"listing"``, ``"feed"``, ``"asset"`` or
``"unknown"``.  It is deliberately conservative: when signals are weak
(e.g. ``/politics/``) it says ``"unknown"`` and leaves the decision to the
caller.  Listing markers cover several languages (en, de, fr, es, it, pt,
nl).

Decision order (first match wins):

1. extension: sitemap/feed-like (``.xml``, ``.rss``, ``.atom``, ``.rdf``,
   ``.xml.gz``) -> ``feed``; media/document/code assets -> ``asset``;
2. feed paths (``/feed``, ``/rss``, ``/atom``, ``/feed/atom/``,
   ``?feed=rss2``) -> ``feed``;
3. root / index pages (``/``, ``/index.html``, ``/default.aspx``) -> ``listing``;
4. path pagination (``/page/3``, ``/seite/3``) -> ``listing``;
5. a date in the path followed by a slug (``/2026/01/15/some-title``,
   ``/2026/jan/15/...``, ``/2026-01-15-some-title``) -> ``article``
   (so ``?page=2`` on such a URL is a paginated *article*);
6. listing segments (``/tag/``, ``/category/``, ``/author/``, ``/search``,
   ``/archive/``, ``/rubrik/``, ``/thema/``, ``/etiqueta/``...), query
   pagination (``?page=3``), a search query (``?s=``, ``?q=``) or an index
   page anywhere (``/news/index.html``) -> ``listing``;
7. date-only paths (``/2026/``, ``/2026/01/``) -> ``listing`` (archives);
8. article slugs: >= 3 hyphen/underscore words, a numeric id of >= 5 digits
   at the end, ``slug.html``, WordPress ``?p=123`` -> ``article``;
9. otherwise ``unknown``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

__all__ = ["ASSET_EXTENSIONS", "FEED_EXTENSIONS", "LISTING_SEGMENTS", "url_kind"]

ASSET_EXTENSIONS = frozenset(
    {
        # documents
        "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "epub", "csv",
        # images
        "jpg", "jpeg", "png", "gif", "webp", "svg", "ico", "bmp", "tif", "tiff", "avif", "heic",
        # audio / video
        "mp3", "mp4", "m4a", "m4v", "wav", "ogg", "oga", "ogv", "webm", "mov", "avi", "mkv",
        "flac", "aac", "m3u8", "ts",
        # web assets / fonts
        "css", "js", "mjs", "map", "woff", "woff2", "ttf", "otf", "eot", "json",
        # archives / binaries
        "zip", "gz", "tgz", "bz2", "xz", "7z", "rar", "tar", "exe", "dmg", "apk", "msi", "iso",
    }
)
FEED_EXTENSIONS = frozenset({"xml", "rss", "atom", "rdf"})

LISTING_SEGMENTS = frozenset(
    {
        # en
        "tag", "tags", "category", "categories", "section", "sections", "topic", "topics",
        "author", "authors", "search", "archive", "archives", "label", "labels",
        "subject", "subjects", "columnist", "columnists", "contributor", "contributors",
        # de
        "rubrik", "rubriken", "thema", "themen", "schlagwort", "schlagworte", "autor",
        "autoren", "archiv", "suche", "ressort", "stichwort",
        # fr
        "categorie", "rubrique", "rubriques", "sujet", "sujets", "auteur", "auteurs",
        "mot-cle", "mots-cles", "recherche", "archives",
        # es / pt / it
        "etiqueta", "etiquetas", "categoria", "categorias", "tema", "temas", "autores",
        "seccion", "secciones", "buscar", "busca", "archivo", "assunto", "assuntos",
        "argomento", "argomenti", "autore", "cerca",
        # nl
        "trefwoord", "onderwerp", "zoeken",
    }
)
_PAGINATION_SEGMENTS = frozenset({"page", "seite", "pagina", "pag", "strona", "sida", "side"})
_FEED_SEGMENTS = frozenset({"feed", "feeds", "rss", "atom", "rss2"})
_INDEX_NAMES = frozenset(
    {"index.html", "index.htm", "index.php", "index.shtml", "index.asp", "index.aspx",
     "default.aspx", "default.asp", "default.htm", "default.html", "home", "home.html"}
)
_PAGE_EXTENSIONS = frozenset({"html", "htm", "shtml", "php", "asp", "aspx", "jsp", "cms", "ece"})
#: Utility pages whose slugs would otherwise look like articles.
_UTILITY_SLUGS = frozenset(
    {"privacy-policy", "cookie-policy", "terms-of-service", "terms-of-use",
     "terms-and-conditions", "contact-us", "about-us", "frequently-asked-questions",
     "accessibility-statement", "do-not-sell-my-info"}
)

_YEAR = r"(?:19|20)\d\d"
_MONTH_NAMES = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
# /2026/01/15/slug, /2026/01/slug, /2026/jan/15/slug (section prefixes allowed)
_DATE_DIR_RE = re.compile(
    rf"/{_YEAR}/(?:0?[1-9]|1[0-2]|{_MONTH_NAMES})(?:/(?:0?[1-9]|[12]\d|3[01]))?/([^/]+)"
)
# /2026-01-15-slug, /20260115-slug, /2026-01-15/slug
_DATE_INLINE_RE = re.compile(rf"/{_YEAR}-?(?:0[1-9]|1[0-2])-?(?:0[1-9]|[12]\d|3[01])[-_/][^/]*[a-z]")
_DATE_ONLY_RE = re.compile(
    rf"^/(?:[a-z-]+/)?{_YEAR}(?:/(?:0?[1-9]|1[0-2]|{_MONTH_NAMES})(?:/(?:0?[1-9]|[12]\d|3[01]))?)?/?$"
)
_WORD_SPLIT_RE = re.compile(r"[-_+.]+")
_HAS_LETTER_RE = re.compile(r"[^\W\d_]")
_TRAILING_ID_RE = re.compile(r"(?:^|[^\d])\d{5,}$")
_QUERY_PAGE_RE = re.compile(r"(?:^|&)(?:page|paged|pg|seite|pagina|start|offset)=\d+(?:&|$)", re.I)
_QUERY_SEARCH_RE = re.compile(r"(?:^|&)(?:s|q|query|search|suche|keywords?)=", re.I)
_QUERY_FEED_RE = re.compile(r"(?:^|&)(?:feed|format|output)=(?:rss2?|atom|rdf|xml)(?:&|$)", re.I)
_QUERY_ARTICLE_RE = re.compile(r"(?:^|&)(?:p|story_fbid|articleid|article_id|story_id)=\d+(?:&|$)", re.I)


def _split_ext(segment: str) -> tuple[str, str]:
    stem, dot, ext = segment.rpartition(".")
    if not dot or not stem:
        return segment, ""
    return stem, ext


def _slug_words(stem: str) -> int:
    return sum(1 for w in _WORD_SPLIT_RE.split(stem) if _HAS_LETTER_RE.search(w))


def url_kind(url: str) -> str:
    """Classify *url* by shape: ``article`` / ``listing`` / ``feed`` /
    ``asset`` / ``unknown`` (see module docstring for the rules)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "unknown"
    path = unquote(parts.path).lower()
    query = parts.query
    segments = [s for s in path.split("/") if s]
    last = segments[-1] if segments else ""

    # 1. extension
    stem, ext = _split_ext(last)
    if ext:
        if ext in FEED_EXTENSIONS or last.endswith((".xml.gz", ".rss.gz")):
            return "feed"
        if ext == "json" and stem in _FEED_SEGMENTS:
            return "feed"  # JSON Feed: /feed.json
        if ext in ASSET_EXTENSIONS:
            return "asset"

    # 2. feeds
    if last in _FEED_SEGMENTS or (
        len(segments) >= 2 and segments[-2] in ("feed", "feeds") and last in ("atom", "rss", "rss2", "rdf", "json")
    ):
        return "feed"
    if query and _QUERY_FEED_RE.search(query):
        return "feed"

    # 3. root / index
    if not segments or (len(segments) == 1 and last in _INDEX_NAMES):
        if query and _QUERY_ARTICLE_RE.search(query):
            return "article"  # WordPress /?p=123
        return "listing"

    # 4. path pagination (/page/3, /seite/3)
    if len(segments) >= 2 and segments[-2] in _PAGINATION_SEGMENTS and last.isdigit():
        return "listing"

    # 5. date + slug
    m = _DATE_DIR_RE.search(path)
    if m is not None:
        tail = m.group(1)
        if (
            tail not in _PAGINATION_SEGMENTS
            and tail not in _INDEX_NAMES
            and (_HAS_LETTER_RE.search(tail) or _TRAILING_ID_RE.search(tail))
        ):
            return "article"
    if _DATE_INLINE_RE.search(path):
        return "article"

    # 6. listing markers, query pagination, search, index pages
    if not LISTING_SEGMENTS.isdisjoint(segments):
        return "listing"
    if query and (_QUERY_PAGE_RE.search(query) or _QUERY_SEARCH_RE.search(query)):
        return "listing"
    if last in _INDEX_NAMES:
        return "listing"

    # 7. date-only archives
    if _DATE_ONLY_RE.match(path):
        return "listing"

    # 8. article slugs / ids
    if stem in _UTILITY_SLUGS or last in _UTILITY_SLUGS:
        return "unknown"
    if ext in _PAGE_EXTENSIONS:
        if _slug_words(stem) >= 2 or _TRAILING_ID_RE.search(stem):
            return "article"
    else:
        stem = last
    if _slug_words(stem) >= 3:
        return "article"
    if _TRAILING_ID_RE.search(stem):
        return "article"
    if query and _QUERY_ARTICLE_RE.search(query):
        return "article"
    return "unknown"
