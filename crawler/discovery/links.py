"""Out-links of an HTML page, ready for scheduling decisions.

:func:`outlinks` gives exactly the links Scrapy's ``LinkExtractor(tags=("a", "area"),
attrs=("href",), deny_extensions=[])`` gives -- same order, same de-duplication, same
``nofollow`` flags -- plus, per link, the facts the spider's scheduling needs that depend
on the URL alone: whether it is an http(s) URL, its canonical form (tracking parameters
dropped), its :func:`~crawler.discovery.pages.url_kind` and the 64-bit key of the canonical
URL.  Everything here is pure, so it runs wherever is cheapest:

* in the extraction worker processes, next to the article extraction of the same page
  (the full pipeline: the reactor thread then never parses HTML for links);
* inline in the spider when there is no extraction pool (e.g. a fetch-only crawl).

Per-URL results are memoised (bounded LRU caches): navigation links repeat on every page
of a site, and their canonical form never changes.  The link *text* that Scrapy collects is
not computed: nothing here uses it.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

from lxml import etree
from scrapy.utils.misc import rel_has_nofollow
from w3lib.html import strip_html5_whitespace
from w3lib.url import safe_url_string

from crawler.discovery.embeds import css_embeds, element_embeds
from crawler.discovery.pages import url_kind
from crawler.discovery.urls import canonicalize_url, is_http_url

__all__ = ["LinkSpec", "Outlink", "embeds_of_css", "hash64", "outlinks", "outlinks_of_page"]

_TAGS = frozenset({"a", "area"})
#: an absolute http(s) URL with a host: resolves the same against any base of the same scheme
_ABSOLUTE_HTTP = re.compile(r"https?://[^/\\?#\s]", re.I)
_TAG_PATTERNS = tuple("{*}" + tag for tag in sorted(_TAGS))
#: Schemes Scrapy's link extractor keeps (``scrapy.linkextractors._is_valid_url``).
_VALID_SCHEMES = frozenset({"http", "https", "file", "ftp"})
_CACHE = 65536


class Outlink(NamedTuple):
    url: str  #: as Scrapy's link extractor gives it
    nofollow: bool
    kind: str  #: url_kind(url)
    canonical: str | None  #: canonical URL; None when not an http(s) URL (or unsplittable)
    key: int  #: hash64(canonical) (0 without canonical)
    #: "" for a link; for a page resource (``resources=True``) what it is: css, img, js,
    #: icon, font or media (see :mod:`crawler.discovery.embeds`)
    embed: str = ""


class LinkSpec(NamedTuple):
    """How to rebuild, in another process, the response the links come from."""

    response_class: str  #: e.g. ``scrapy.http.response.html.HtmlResponse``
    encoding: str | None  #: ``response.encoding`` as the spider saw it
    tracking_params: tuple[str, ...] = ()
    resources: bool = False  #: also the page's resources (embeds), after the links


def hash64(url: str) -> int:
    """64-bit key of a URL (the spider's per-run "already admitted" set holds these)."""
    return int.from_bytes(hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


def _nons(tag: Any) -> Any:
    if isinstance(tag, str) and tag[0] == "{" and "}" in tag:
        return tag.split("}", 1)[1]
    return tag


@lru_cache(maxsize=_CACHE)
def _safe_url(url: str, encoding: str) -> str | None:
    try:
        return safe_url_string(url, encoding=encoding)
    except ValueError:
        return None


def _resolve_uncached(base_url: str, href: str, encoding: str, response_url: str) -> str | None:
    # exactly the steps of Scrapy's LxmlParserLinkExtractor._extract_links
    try:
        joined = urljoin(base_url, href)
    except ValueError:
        return None  # bogus link
    url = _safe_url(joined, encoding)
    if url is None:
        return None
    return urljoin(response_url, url)


@lru_cache(maxsize=_CACHE)
def _resolve_cached(base_origin: str, href: str, encoding: str, response_scheme: str) -> str | None:
    return _resolve_uncached(base_origin, href, encoding, response_scheme + "://")


def _resolve(base_url: str, base_origin: str | None, href: str, encoding: str, response_url: str,
             response_scheme: str) -> str | None:
    """The absolute URL of ``href`` (None for a bogus one).

    An href that starts with one "/" resolves against the base URL's scheme and host
    only, and the result, an absolute URL, against the response URL's scheme only: those
    (navigation links, mostly) are memoised by exactly that.  An absolute http(s) href
    (scheme and host) depends on the base and response URLs' schemes only: memoised too."""
    if base_origin is not None:
        if href[:1] == "/" and href[1:2] not in ("/", "\\"):
            return _resolve_cached(base_origin, href, encoding, response_scheme)
        if _ABSOLUTE_HTTP.match(href):
            return _resolve_cached(base_origin[: base_origin.index("://") + 3], href, encoding, response_scheme)
    return _resolve_uncached(base_url, href, encoding, response_url)


def _origin(url: str) -> str | None:
    """``scheme://netloc/`` of an absolute http(s) URL, else None (no memoising then)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}/"


@lru_cache(maxsize=_CACHE)
def _facts(url: str, tracking_params: tuple[str, ...]) -> tuple[str, str | None, int]:
    kind = url_kind(url)
    canonical = None
    if is_http_url(url):
        try:
            canonical = canonicalize_url(url, tracking_params)
        except ValueError:
            canonical = None
    return kind, canonical, (hash64(canonical) if canonical is not None else 0)


def outlinks(response: Any, tracking_params: tuple[str, ...] = (), root: Any = None, *,
             resources: bool = False) -> list[Outlink]:
    """The page's links (see the module docstring) from a Scrapy ``TextResponse``; ``root``:
    the page already parsed by lxml's HTML parser from the same text (the extraction
    worker's tree), instead of parsing it again.

    ``resources``: also what the page embeds (stylesheets, images, scripts, icons...,
    :func:`crawler.discovery.embeds.element_embeds`), found in the same pass over the
    tree and appended after the links, each once, with ``embed`` set to its kind."""
    from scrapy.utils.response import get_base_url

    base_url = get_base_url(response)
    response_url = response.url
    encoding = response.encoding
    base_origin = _origin(base_url)
    response_scheme = response_url.split(":", 1)[0] if _origin(response_url) else ""
    if not response_scheme:
        base_origin = None  # the last join needs the whole response URL
    seen: set[str] = set()
    out: list[Outlink] = []
    embeds: list[Outlink] = []
    embed_seen: set[str] = set()
    if root is None:
        root = response.selector.root
    # without resources, only a/area elements ("{*}a": the tag in any namespace or none, as _nons)
    for el in (root.iter(etree.Element) if resources else root.iter(*_TAG_PATTERNS)):
        if resources:
            tag = _nons(el.tag)
            if isinstance(tag, str):
                tag = tag.lower()
                for raw, kind in element_embeds(el, tag):
                    _add_embed(embeds, embed_seen, raw, kind, base_url, base_origin, encoding, response_url,
                               response_scheme, tracking_params)
        if _nons(el.tag) not in _TAGS:
            continue
        href = el.attrib.get("href")
        if href is None:
            continue
        url = _resolve(base_url, base_origin, strip_html5_whitespace(href), encoding, response_url,
                       response_scheme)
        if url is None:
            continue
        if url in seen:  # the first occurrence wins, as in Scrapy's unique_list
            continue
        seen.add(url)
        if url.split("://", 1)[0] not in _VALID_SCHEMES:
            continue
        kind, canonical, key = _facts(url, tracking_params)
        out.append(Outlink(url, rel_has_nofollow(el.get("rel")), kind, canonical, key))
    return out + embeds if embeds else out


def _add_embed(embeds: list[Outlink], seen: set[str], raw: str, kind: str, base_url: str,
               base_origin: str | None, encoding: str, response_url: str, response_scheme: str,
               tracking_params: tuple[str, ...]) -> None:
    raw = strip_html5_whitespace(raw)
    if not raw or raw[:5].lower() in ("data:", "blob:", "about") or raw[:1] == "#":
        return
    url = _resolve(base_url, base_origin, raw, encoding, response_url, response_scheme)
    if url is None or url in seen:
        return
    seen.add(url)
    if url.split("://", 1)[0] not in ("http", "https"):
        return
    _, canonical, key = _facts(url, tracking_params)
    if canonical is not None:
        embeds.append(Outlink(url, False, "asset", canonical, key, kind))


def embeds_of_css(text: str, css_url: str, tracking_params: tuple[str, ...] = ()) -> list[Outlink]:
    """The resources a stylesheet embeds (``@import``, ``url()``), resolved against its URL."""
    out: list[Outlink] = []
    seen: set[str] = set()
    origin = _origin(css_url)
    scheme = css_url.split(":", 1)[0] if origin else ""
    for raw, kind in css_embeds(text):
        _add_embed(out, seen, raw, kind, css_url, origin if scheme else None, "utf-8", css_url, scheme,
                   tracking_params)
    return out


@lru_cache(maxsize=16)
def _response_class(path: str) -> type:
    module, _, name = path.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    from scrapy.http import TextResponse

    if not (isinstance(cls, type) and issubclass(cls, TextResponse)):
        raise TypeError(f"{path} is not a TextResponse class")
    return cls


def outlinks_of_page(url: str, body: bytes, spec: LinkSpec, root: Any = None) -> list[Outlink]:
    """:func:`outlinks` of a page given as URL + body (in an extraction worker); ``root`` as
    for :func:`outlinks`."""
    cls = _response_class(spec.response_class)
    response = cls(url=url, body=body, encoding=spec.encoding or "utf-8")
    return outlinks(response, spec.tracking_params, root, resources=spec.resources)


def link_spec(response: Any, tracking_params: tuple[str, ...] = (), resources: bool = False) -> LinkSpec:
    cls = type(response)
    return LinkSpec(f"{cls.__module__}.{cls.__qualname__}", response.encoding, tuple(tracking_params),
                    resources)
