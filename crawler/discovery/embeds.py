"""What a page needs to render: the URLs its HTML and CSS embed (page resources).

Pure functions, no I/O, so they run wherever the page is parsed -- in the extraction
workers, in the same pass over the lxml tree as the out-links (:mod:`crawler.discovery.links`)
-- and on the reactor only for stylesheets (small, and once per crawl each).

Covered, as ``wget --page-requisites`` and Heritrix's extractors do and a browser needs:

* ``<link rel=stylesheet>`` (CSS), icons (``rel=icon``, ``shortcut icon``, ``apple-touch-icon``,
  ``mask-icon``), ``rel=preload``/``modulepreload`` of styles, scripts, images and fonts;
* images: ``<img src srcset>``, ``<picture><source srcset>``, ``<input type=image>``, video
  ``poster``, the ``background`` attribute, the common lazy-load attributes (``data-src``,
  ``data-srcset``, ``data-lazy-src``, ``data-original`` ...), ``og:image`` / ``twitter:image``;
* ``<script src>``;
* CSS -- ``<style>`` blocks, ``style=""`` attributes and stylesheets: ``url()`` targets
  (backgrounds, fonts, cursors) and ``@import``, parsed with tinycss2 (comments, strings and
  escapes handled as a browser does).

Each embed is ``(url as written, kind)``, kind one of ``css``, ``img``, ``js``, ``icon``,
``font``, ``media``; the caller resolves it against the page's base URL.
"""

from __future__ import annotations

from typing import Any, Iterator

import tinycss2

__all__ = ["EMBED_KINDS", "element_embeds", "css_embeds", "srcset_urls"]

EMBED_KINDS = ("css", "img", "js", "icon", "font", "media")

#: Lazy-loading attributes of the common scripts (lazysizes, lozad, WordPress lazy-load
#: plug-ins, jQuery lazyload, Blazy...) holding an image URL or a srcset.
LAZY_SRC_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-url",
                  "data-hi-res-src", "data-full-src", "data-orig-src", "data-echo", "data-lazyload")
LAZY_SRCSET_ATTRS = ("data-srcset", "data-lazy-srcset", "data-original-set")
_ICON_RELS = frozenset({"icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon",
                        "fluid-icon"})
_PRELOAD_AS = {"style": "css", "script": "js", "image": "img", "font": "font"}
_META_IMAGE = frozenset({"og:image", "og:image:url", "og:image:secure_url", "twitter:image",
                         "twitter:image:src"})
_BACKGROUND_TAGS = frozenset({"body", "table", "td", "th", "tr"})


def srcset_urls(value: str) -> list[str]:
    """The candidate URLs of a ``srcset`` (HTML's parsing rules, descriptors dropped).

    A URL may contain commas (``data:`` URIs, image CDNs' ``w_640,h_360``); a candidate
    ends at whitespace, or at commas that end the URL."""
    out: list[str] = []
    n, i = len(value), 0
    while i < n:
        while i < n and (value[i].isspace() or value[i] == ","):
            i += 1
        if i >= n:
            break
        start = i
        while i < n and not value[i].isspace():
            i += 1
        url = value[start:i]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            # descriptors up to the next comma outside parentheses
            depth = 0
            while i < n:
                ch = value[i]
                if ch == "(":
                    depth += 1
                elif ch == ")" and depth:
                    depth -= 1
                elif ch == "," and not depth:
                    break
                i += 1
        if url:
            out.append(url)
    return out


def _css_urls_of_tokens(tokens: Any, out: list[tuple[str, str]], kind_hint: str | None = None) -> None:
    for tok in tokens or ():
        ttype = getattr(tok, "type", None)
        if ttype == "url":
            out.append((tok.value, kind_hint or _kind_of_css_url(tok.value)))
        elif ttype == "function":
            name = tok.lower_name
            if name == "url" or name == "src":
                for arg in tok.arguments:
                    if getattr(arg, "type", None) == "string":
                        out.append((arg.value, kind_hint or _kind_of_css_url(arg.value)))
                        break
            elif name in ("image-set", "-webkit-image-set"):
                for arg in tok.arguments:
                    if getattr(arg, "type", None) == "string":
                        out.append((arg.value, "img"))
                _css_urls_of_tokens(tok.arguments, out)
            else:
                _css_urls_of_tokens(tok.arguments, out)
        elif ttype in ("() block", "[] block", "{} block"):
            _css_urls_of_tokens(tok.content, out)


_FONT_EXTS = (".woff2", ".woff", ".ttf", ".otf", ".eot")


def _kind_of_css_url(url: str) -> str:
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    if path.endswith(_FONT_EXTS):
        return "font"
    if path.endswith(".css"):
        return "css"
    return "img"


def css_embeds(text: str, *, declarations: bool = False) -> list[tuple[str, str]]:
    """``(url, kind)`` of a stylesheet's ``@import`` rules and ``url()`` values, in order.

    ``declarations``: ``text`` is the content of a ``style=""`` attribute."""
    if "url(" not in text.lower() and "@import" not in text.lower() and "image-set(" not in text.lower():
        return []  # nothing to find; tinycss2 is pure Python, skip the tokenizer
    out: list[tuple[str, str]] = []
    if declarations:
        _css_urls_of_tokens(tinycss2.parse_component_value_list(text, skip_comments=True), out)
        return out
    for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        rtype = getattr(rule, "type", None)
        if rtype == "at-rule" and rule.lower_at_keyword == "import":
            for tok in rule.prelude:
                ttype = getattr(tok, "type", None)
                if ttype in ("string", "url"):
                    out.append((tok.value, "css"))
                    break
                if ttype == "function" and tok.lower_name == "url":
                    for arg in tok.arguments:
                        if getattr(arg, "type", None) == "string":
                            out.append((arg.value, "css"))
                    break
            continue
        if rtype == "at-rule":
            # @media, @supports, @font-face, @page...: the tokens hold any nested rules too
            _css_urls_of_tokens(rule.prelude, out)
            _css_urls_of_tokens(rule.content, out, "font" if rule.lower_at_keyword == "font-face" else None)
        elif rtype == "qualified-rule":
            _css_urls_of_tokens(rule.prelude, out)
            _css_urls_of_tokens(rule.content, out)
    return out


_TAGS_WITH_EMBEDS = frozenset({"img", "link", "script", "source", "video", "input", "meta", "style"})
_EMPTY: list[tuple[str, str]] = []


def element_embeds(el: Any, tag: str) -> list[tuple[str, str]]:
    """``(url as written, kind)`` of the resources one HTML element embeds.

    Called for every element of every page (in the same pass as the out-links): elements
    that cannot embed anything (most of them: ``<a href>``, ``<p>``, ``<div class>``) are
    recognised from their tag and attribute names alone."""
    attrib = el.attrib
    if tag not in _TAGS_WITH_EMBEDS:
        if not attrib:
            return _EMPTY
        keys = attrib.keys()
        if not ("style" in keys or (tag in _BACKGROUND_TAGS and "background" in keys)
                or any(k[:5] == "data-" for k in keys)):
            return _EMPTY
    return list(_element_embeds(el, tag, attrib))


def _element_embeds(el: Any, tag: str, attrib: Any) -> Iterator[tuple[str, str]]:
    if tag == "img":
        src = attrib.get("src")
        if src:
            yield src, "img"
        srcset = attrib.get("srcset")
        if srcset:
            for u in srcset_urls(srcset):
                yield u, "img"
        yield from _lazy(attrib)
    elif tag == "link":
        href = attrib.get("href")
        if href:
            rels = set((attrib.get("rel") or "").lower().split())
            if "stylesheet" in rels and "alternate" not in rels:
                yield href, "css"
            elif rels & _ICON_RELS:
                yield href, "icon"
            elif rels & {"preload", "modulepreload"}:
                kind = "js" if "modulepreload" in rels else _PRELOAD_AS.get((attrib.get("as") or "").lower())
                if kind:
                    yield href, kind
        for u in srcset_urls(attrib.get("imagesrcset") or ""):
            yield u, "img"
    elif tag == "script":
        src = attrib.get("src")
        if src:
            yield src, "js"
    elif tag == "source":
        srcset = attrib.get("srcset")
        if srcset:
            for u in srcset_urls(srcset):
                yield u, "img"
        parent = el.getparent()
        if parent is not None and _local(parent.tag) == "picture" and attrib.get("src"):
            yield attrib["src"], "img"
        yield from _lazy(attrib)
    elif tag == "video":
        poster = attrib.get("poster") or attrib.get("data-poster")
        if poster:
            yield poster, "img"
    elif tag == "input":
        if (attrib.get("type") or "").lower() == "image" and attrib.get("src"):
            yield attrib["src"], "img"
    elif tag == "meta":
        prop = (attrib.get("property") or attrib.get("name") or "").lower()
        if prop in _META_IMAGE and attrib.get("content"):
            yield attrib["content"].strip(), "img"
    elif tag == "style":
        text = el.text or ""
        if text:
            yield from css_embeds(text)
    else:
        if tag in _BACKGROUND_TAGS and attrib.get("background"):
            yield attrib["background"], "img"
        yield from _lazy(attrib, background=True)
    style = attrib.get("style")
    if style:
        yield from css_embeds(style, declarations=True)


def _lazy(attrib: Any, background: bool = False) -> Iterator[tuple[str, str]]:
    for name in LAZY_SRC_ATTRS:
        v = attrib.get(name)
        if v and not v.startswith("{"):
            yield v, "img"
    for name in LAZY_SRCSET_ATTRS:
        v = attrib.get(name)
        if v:
            for u in srcset_urls(v):
                yield u, "img"
    if background:
        v = attrib.get("data-bg") or attrib.get("data-background") or attrib.get("data-background-image")
        if v:
            if "url(" in v:
                yield from css_embeds(v, declarations=True)
            else:
                yield v, "img"


def _local(tag: Any) -> str:
    if isinstance(tag, str):
        return tag.rsplit("}", 1)[-1].lower()
    return ""
