"""The project's cleaning layer around trafilatura.

Two stages:

* :func:`preclean` works on the lxml tree *before* trafilatura sees it and removes
  comment sections and forms, related/similar-post blocks, newsletter boxes, share bars,
  author bio boxes, cookie banners, ad labels and "read more" pointers.  Blocks are
  recognised (a) by structure (forms, link lists, share links, link-dense elements),
  (b) by class/id/role tokens and (c) by the *text* of headings and labels in English,
  German, French, Spanish, Italian, Portuguese and Dutch, so themes without telltale
  class names are handled too.
* :func:`postclean_blocks` removes residual boilerplate *whole lines* from the extracted
  text (never a long paragraph that merely contains a trigger word).

Safety: the element that holds most of the page's paragraph text (the presumed article
body), every ``<h1>`` and ``itemprop=articleBody``, and all their ancestors are never
removed; inside the article body only short or link-dense elements are removed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from lxml import etree
from lxml.html import HtmlElement

from . import patterns as P

__all__ = ["preclean", "postclean_blocks", "link_density", "text_of"]

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: tags that may carry a text label such as "Similar Posts" or "Advertisement"
LABEL_TAGS = frozenset(
    {"h2", "h3", "h4", "h5", "h6", "p", "div", "span", "strong", "b", "em", "header", "legend", "label", "dt", "summary", "small", "section", "aside", "li", "figcaption"}
)
#: tags that the class/id token rules may remove
TOKEN_TAGS = frozenset({"div", "section", "aside", "nav", "ul", "ol", "form", "footer", "p", "span", "li", "iframe", "ins", "button", "dl", "table", "figure", "header"})
_ALWAYS_BP_TAGS = frozenset({"form", "button", "input", "select", "textarea", "iframe", "script", "style", "noscript", "nav", "svg", "hr", "br", "img", "picture", "link", "meta", "template", "ins"})
_LINK_PARAGRAPH_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6"})
_COOKIE_TAGS = frozenset({"div", "section", "aside", "p", "dialog", "footer"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "meta", "link", "html", "body", "svg", "path"})

# --- class / id / role tokens ----------------------------------------------------------------

_TOKEN_GROUPS: dict[str, frozenset[str]] = {
    P.COMMENTS: frozenset({"comment", "comments", "commentlist", "respond", "disqus", "kommentare", "commentaires", "comentarios", "commenti", "reacties", "replytitle"}),
    P.RELATED: frozenset({"related", "relatedposts", "similar", "recommended", "recommendations", "recirculation", "recirc", "yarpp", "crp", "outbrain", "taboola", "zergnet", "revcontent", "mgid", "morestories", "readnext", "readmore", "mostread", "mostpopular", "popular", "trending", "jp", "alsolike", "youmayalsolike", "nextarticle", "nextpost", "prevpost", "postnavigation", "navlinks", "morelikethis"}),
    P.NEWSLETTER: frozenset({"newsletter", "newsletters", "subscribe", "subscription", "signup", "optin", "mailchimp", "mc4wp", "nieuwsbrief", "emailsignup"}),
    P.SHARE: frozenset({"share", "shares", "sharing", "sharedaddy", "addtoany", "a2a", "sharethis", "shariff", "socialshare", "sociallinks", "socialicons", "socialbuttons", "socialbar", "sharebar", "sharetools"}),
    P.BIO: frozenset({"authorbio", "aboutauthor", "authorbox", "saboxplugin", "authordescription", "aboutauthor", "biography", "bio"}),
    "cookie": frozenset({"cookie", "cookies", "consent", "gdpr", "cmp", "onetrust", "cookiebot", "usercentrics", "didomi", "cookieconsent", "cookienotice", "cookiebanner"}),
    P.AD: frozenset({"ad", "ads", "advert", "adverts", "advertisement", "advertising", "adslot", "adunit", "adcontainer", "adwrapper", "dfp", "gpt", "adsense", "adsbygoogle", "sponsor", "sponsored", "promo", "googleads"}),
    "nav": frozenset({"breadcrumb", "breadcrumbs", "pagination", "pager", "sidebar", "widget", "widgets", "skiplink", "srOnly".lower(), "screenreadertext", "visuallyhidden", "srtext", "printonly"}),
}
_TOKEN_TO_GROUP: dict[str, str] = {}
for _grp, _toks in _TOKEN_GROUPS.items():
    for _tok in _toks:
        _TOKEN_TO_GROUP.setdefault(_tok, _grp)
# "jp" alone means nothing; only as "jp-relatedposts" (pairs give "jprelatedposts" -> handled below)
_TOKEN_TO_GROUP.pop("jp", None)

_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT_RE = re.compile(r"[^a-z0-9]+")
_TOKEN_ATTRS = ("class", "id", "role", "data-component", "data-module", "aria-label")


def _tokens_of(values: tuple[str | None, ...]) -> list[str]:
    """Tokens of the ``_TOKEN_ATTRS`` values of an element, in that order."""
    out: list[str] = []
    for attr, value in zip(_TOKEN_ATTRS, values):
        if not value or len(value) > 300:
            continue
        if attr == "aria-label":
            # only the label's own first words ("Share", "Related articles", "Comments")
            value = " ".join(value.split()[:3])
        for part in value.split():
            words = [w for w in _SPLIT_RE.split(_CAMEL_RE.sub(" ", part).lower()) if w]
            out.extend(words)
            # adjacent pairs joined: "author-bio" -> "authorbio", "jp-relatedposts" -> "relatedposts"
            out.extend(a + b for a, b in zip(words, words[1:]))
            if len(words) > 2:
                out.append("".join(words))
    return out


def _tokens(el: HtmlElement) -> list[str]:
    return _tokens_of(tuple(el.get(a) for a in _TOKEN_ATTRS))


def _gate_prefixes() -> tuple[str, ...]:
    # every token starts with one of these prefixes: a cheap pre-check before tokenising
    return tuple(sorted({tok[:3] for toks in _TOKEN_GROUPS.values() for tok in toks if len(tok) >= 3}
                        | {"ad", "jp", "a2a", "bio", "cmp", "crp", "dfp", "gpt"}))


_GATE_PREFIXES = _gate_prefixes()
_GATE_RE = re.compile("|".join(re.escape(p) for p in _GATE_PREFIXES))


def _gate(attrs: str) -> bool:
    return _GATE_RE.search(P.fold_case(attrs)) is not None


@lru_cache(maxsize=16384)
def _group_of_values(values: tuple[str | None, ...]) -> str | None:
    """The token group named by one element's ``_TOKEN_ATTRS`` values (pure: the same class
    strings recur on every page of a site, so this is memoised)."""
    attrs = " ".join(v for v in values if v)
    if not attrs or not _gate(attrs):
        return None
    for tok in _tokens_of(values):
        grp = _TOKEN_TO_GROUP.get(tok)
        if grp:
            return grp
    return None


def token_group(el: HtmlElement, cache: dict | None = None) -> str | None:
    """The boilerplate group named by ``el``'s class/id/role tokens (``None`` if none).

    ``cache`` (element -> group) saves the work for elements asked about repeatedly;
    attributes never change while a page is cleaned."""
    if cache is not None:
        try:
            return cache[el]
        except KeyError:
            pass
    get = el.get
    values = (get("class"), get("id"), get("role"), get("data-component"), get("data-module"), get("aria-label"))
    grp = _group_of_values(values) if any(values) else None
    if cache is not None:
        cache[el] = grp
    return grp


# --- text helpers --------------------------------------------------------------------------------


def text_of(el: HtmlElement, limit: int | None = None) -> str | None:
    """Whitespace-collapsed text of ``el``; ``None`` if longer than ``limit``."""
    if not len(el):  # a leaf: its own text is all of it
        text = " ".join((el.text or "").split())
        return None if limit is not None and len(text) > limit else text
    parts: list[str] = []
    size = 0
    check = limit * 3 + 200 if limit is not None else None
    for t in el.itertext():
        parts.append(t)
        size += len(t)
        if check is not None and size > check:
            # long already? (markup indentation makes raw text much longer than the text)
            if len(" ".join("".join(parts).split())) > limit:
                return None
            check = size * 2
    text = " ".join("".join(parts).split())
    if limit is not None and len(text) > limit:
        return None
    return text


def nonspace(s: str | None) -> int:
    """Characters of ``s`` other than whitespace."""
    return len("".join(s.split())) if s else 0


def nonspace_counts(elements: list[HtmlElement]) -> dict[HtmlElement, int]:
    """Characters other than whitespace in the text of each element (its tail excluded), for
    ``elements`` given in document order: one pass, bottom up.  A lower bound of the length
    of :func:`text_of`, so an element over a limit is known to be without reading its text."""
    counts: dict[HtmlElement, int] = {}
    get = counts.get
    for el in reversed(elements):
        t = el.text
        n = len("".join(t.split())) if t else 0
        for ch in el:
            c = get(ch)
            if c:
                n += c
            t = ch.tail
            if t and not t.isspace():
                n += len("".join(t.split()))
        counts[el] = n
    return counts


def _len_text(el: HtmlElement) -> int:
    return len(" ".join("".join(el.itertext()).split()))


def link_density(el: HtmlElement) -> float:
    total = _len_text(el)
    if total == 0:
        return 0.0
    linked = 0
    for a in el.iter("a"):
        linked += len(" ".join("".join(a.itertext()).split()))
    return min(1.0, linked / total)


def _has_form_parts(el: HtmlElement) -> bool:
    for sub in el.iter("form", "textarea", "input", "select"):
        if sub.tag == "input" and (sub.get("type") or "text").lower() in ("hidden",):
            continue
        return True
    return False


def _is_element(el: object) -> bool:
    return isinstance(el, HtmlElement) and isinstance(el.tag, str)


# --- protection ------------------------------------------------------------------------------------


def _main_container(root: HtmlElement, groups: dict | None = None) -> HtmlElement | None:
    scores: dict[HtmlElement, float] = {}
    order: list[HtmlElement] = []
    for p in root.iter("p"):
        text = text_of(p)
        if not text or len(text) < 40:
            continue
        linked = sum(len(" ".join("".join(a.itertext()).split())) for a in p.iter("a"))
        if linked > 0.5 * len(text):
            continue
        parent = p.getparent()
        if parent is None:
            continue
        if parent not in scores:
            scores[parent] = 0.0
            order.append(parent)
        scores[parent] += len(text)
        gp = parent.getparent()
        if gp is not None:
            if gp not in scores:
                scores[gp] = 0.0
                order.append(gp)
            scores[gp] += 0.5 * len(text)
    best = None
    best_score = 0.0
    for el in order:
        grp = None
        # a comment thread is never the article
        anc = el
        while anc is not None:
            if token_group(anc, groups) == P.COMMENTS:
                grp = P.COMMENTS
                break
            anc = anc.getparent()
        if grp:
            continue
        if scores[el] > best_score:
            best, best_score = el, scores[el]
    return best


class _Guard:
    def __init__(self, root: HtmlElement, groups: dict | None = None) -> None:
        self.root = root
        #: elements removed from the tree with everything below them (see ``attached``)
        self.gone: set[HtmlElement] = set()
        self.container = _main_container(root, groups)
        self.protected: set[HtmlElement] = set()
        anchors: list[HtmlElement] = []
        if self.container is not None:
            anchors.append(self.container)
        anchors.extend(root.iter("h1"))
        anchors.extend(root.xpath('//*[@itemprop="articleBody" or @itemprop="articlebody"]'))
        for el in anchors:
            anc = el
            while anc is not None:
                self.protected.add(anc)
                anc = anc.getparent()

    def is_protected(self, el: HtmlElement) -> bool:
        return el in self.protected

    def inside_container(self, el: HtmlElement) -> bool:
        if self.container is None:
            return False
        anc = el.getparent()
        while anc is not None:
            if anc is self.container:
                return True
            anc = anc.getparent()
        return False

    def attached(self, el: HtmlElement) -> bool:
        """Still in the tree?  Elements only leave it through ``_Cleaner.drop``, which
        records each removed subtree in ``gone``."""
        return el not in self.gone

    def removed(self, el: HtmlElement) -> None:
        self.gone.update(el.iter())


def _remove(el: HtmlElement) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():
        el.drop_tree()  # keeps the tail text in the parent
    else:
        parent.remove(el)


# --- block predicates ------------------------------------------------------------------------------


def _teaser_like(el: HtmlElement) -> bool:
    text = text_of(el, 600)
    if text is None:
        return False
    links = [a for a in el.iter("a") if a.get("href")]
    if not links:
        return False
    if not any(len((text_of(a) or "").split()) >= 2 for a in links) and el.find(".//img") is None:
        return False
    return link_density(el) >= 0.25 or el.find(".//img") is not None or len(text) < 160


def _teaser_list(el: HtmlElement) -> bool:
    node = el
    for _ in range(4):  # unwrap single-child wrappers
        kids = [c for c in node if _is_element(c)]
        if len(kids) == 1:
            node = kids[0]
        else:
            break
    kids = [c for c in node if _is_element(c)]
    if len(kids) < 2:
        return False
    good = sum(1 for c in kids if _teaser_like(c))
    return good >= max(2, int(0.6 * len(kids) + 0.999))


def _all_lines_boilerplate(text: str) -> bool:
    return bool(text) and P.is_boilerplate_line(text)


def _bp_sibling(sib: HtmlElement, cat: str, groups: dict | None = None) -> bool:
    """Is this element (following a boilerplate heading) boilerplate too?"""
    tag = sib.tag
    if tag in _ALWAYS_BP_TAGS:
        return True
    text = text_of(sib, 3000)
    if text is not None and not text:
        return True
    if token_group(sib, groups):
        return True
    if (text is None or len(text) < 1500) and _has_form_parts(sib):
        return True
    if text is None:
        return False
    if len(text) <= 220 and (P.heading_category(text) or _all_lines_boilerplate(text)):
        return True
    if tag in HEADING_TAGS:
        return False
    if link_density(sib) >= 0.5:
        return True
    if cat == P.RELATED and (_teaser_like(sib) or _teaser_list(sib)):
        return True
    if cat == P.SHARE and len(text) <= 40:
        return True
    return False


def _short_prose(sib: HtmlElement, limit: int = 300) -> bool:
    text = text_of(sib, limit)
    return text is not None and sib.tag not in HEADING_TAGS


def _widget(parent: HtmlElement) -> bool:
    """A small block holding a form: a newsletter box or comment form wrapper."""
    if not _has_form_parts(parent):
        return False
    return text_of(parent, 1500) is not None


def _only_boilerplate_besides(parent: HtmlElement, node: HtmlElement, cat: str, groups: dict | None = None) -> bool:
    if parent.text and len(parent.text.strip()) > 30:
        return False
    if cat in (P.COMMENTS, P.NEWSLETTER) and _widget(parent):
        return True
    for child in parent:
        if child is node:
            continue
        if child.tail and len(child.tail.strip()) > 30:
            return False
        if not _is_element(child):
            continue
        if not _bp_sibling(child, cat, groups):
            return False
    if node.tail and len(node.tail.strip()) > 30:
        return False
    return True


# --- the pre-cleaner ------------------------------------------------------------------------------


class _Cleaner:
    def __init__(self, root: HtmlElement) -> None:
        self.root = root
        #: every element, in document order (comments and PIs are not elements)
        self.elements = list(root.iter(etree.Element))
        #: element -> characters of its text other than whitespace, kept up to date by ``drop``
        self.counts = nonspace_counts(self.elements)
        #: element -> its text (``text_of``), while no element has been dropped since
        self._texts: dict[HtmlElement, str] = {}
        #: element -> token group (attributes do not change while cleaning)
        self.groups: dict[HtmlElement, str | None] = {}
        self.guard = _Guard(root, self.groups)
        self.removed = 0
        # No cookie word anywhere on the page: no element can be a cookie banner.
        self.cookie_words = P.may_mention_cookies(
            etree.tostring(root, method="text", encoding="utf-8", with_tail=False) or b"")

    def text(self, el: HtmlElement, limit: int | None = None) -> str | None:
        """``text_of(el, limit)``, without reading the text of an element known to be longer."""
        count = self.counts.get(el)
        if count is None:
            return text_of(el, limit)
        if limit is not None and count > limit:
            return None
        text = self._texts.get(el)
        if text is None:
            text = self._texts[el] = text_of(el)
        return None if limit is not None and len(text) > limit else text

    def drop(self, el: HtmlElement) -> None:
        if self.guard.is_protected(el) or el is self.root:
            return
        count = self.counts.get(el, 0)
        if count and el.getparent() is not None:
            anc = el.getparent()
            while anc is not None:
                if anc in self.counts:
                    self.counts[anc] -= count
                anc = anc.getparent()
        self._texts.clear()
        _remove(el)
        self.guard.removed(el)
        self.removed += 1

    # (b) class / id / role tokens
    def token_rule(self, el: HtmlElement) -> bool:
        if el.tag not in TOKEN_TAGS:
            return False
        grp = token_group(el, self.groups)
        if grp is None:
            return False
        text = self.text(el, 1500)
        if grp == "nav" and el.tag in ("li", "p", "span"):
            return False
        if self.guard.inside_container(el):
            # inside the article body only short, link-dense or form blocks go
            if not (text is not None and (len(text) <= 250 or _has_form_parts(el)) or link_density(el) >= 0.4):
                return False
        elif text is None and grp not in (P.COMMENTS, P.RELATED):
            # a long prose block outside the body: only remove when it is link-dense
            if link_density(el) < 0.3:
                return False
        elif text is None and grp == P.RELATED and link_density(el) < 0.15 and not _teaser_list(el):
            return False
        self.drop(el)
        return True

    # (a) structure: forms and share bars
    def structure_rule(self, el: HtmlElement) -> bool:
        tag = el.tag
        if tag == "form":
            if self.text(el, 2000) is not None or el.find(".//textarea") is not None:
                self.drop(el)
                return True
            return False
        if tag in ("ul", "ol", "div", "nav", "p", "span", "section", "aside", "footer") and self.text(el, 250) is not None:
            links = [a.get("href") or "" for a in el.iter("a")]
            if len(links) >= 2:
                shares = sum(1 for h in links if P.is_share_href(h))
                if shares >= 2 and shares >= 0.6 * len(links):
                    node = el
                    while True:
                        parent = node.getparent()
                        if parent is None or self.guard.is_protected(parent):
                            break
                        other = (self.text(parent, 260) or "x" * 300)
                        if len(other) - len(self.text(node) or "") > 60:
                            break
                        node = parent
                    self.drop(node)
                    return True
        return False

    # (c) text of headings and labels
    def label_rule(self, el: HtmlElement) -> bool:
        tag = el.tag
        if tag not in LABEL_TAGS:
            return False
        limit = 220 if tag in HEADING_TAGS else 120
        text = self.text(el, limit)
        if not text:
            return False
        if P.is_ad_label(text):
            self._drop_climbing_same_text(el, text)
            return True
        cat = P.heading_category(text)
        if cat is not None and not text.endswith((".", "?", "!")) or (cat is not None and tag in HEADING_TAGS):
            if tag == "li" or (tag in ("span", "em", "small") and cat in (P.COMMENTS_WEAK, P.BIO)):
                # list items / inline spans: only remove themselves
                if link_density(el) < 0.9 and cat != P.BIO:
                    self.drop(el)
                    return True
                return False
            if link_density(el) >= 0.9 and cat in (P.COMMENTS, P.COMMENTS_WEAK):
                # "12 Comments" link next to the byline: just the link
                self.drop(el)
                return True
            self.heading_block(el, cat)
            return True
        if len(text) <= 250 and P.is_boilerplate_line(text):
            self._drop_climbing_same_text(el, text)
            return True
        if tag in ("p", "div", "li", "strong", "b", "span", "h4", "h5", "h6") and P.READ_MORE_PREFIX_RE.match(text):
            if link_density(el) >= 0.45 and len(text) <= 250:
                self._drop_climbing_same_text(el, text)
                return True
        return False

    def _drop_climbing_same_text(self, el: HtmlElement, text: str) -> None:
        node = el
        while True:
            parent = node.getparent()
            if parent is None or self.guard.is_protected(parent) or parent.tag in ("body", "html", "article", "main"):
                break
            ptext = self.text(parent, len(text) + 20)
            if ptext is None or ptext != text:
                break
            node = parent
        self.drop(node)

    def heading_block(self, el: HtmlElement, cat: str) -> None:
        node = el
        while True:
            parent = node.getparent()
            if parent is None or self.guard.is_protected(parent) or parent.tag in ("body", "html", "main"):
                break
            if token_group(parent, self.groups) in (P.COMMENTS, P.RELATED, P.NEWSLETTER, P.SHARE, P.BIO) or _only_boilerplate_besides(parent, node, cat, self.groups):
                node = parent
                continue
            break
        to_drop = [node]
        pending: list[HtmlElement] = []
        wedged: list[HtmlElement] = []
        ended = True
        for sib in node.itersiblings():
            if not _is_element(sib):
                continue
            if self.guard.is_protected(sib):
                ended = False
                break
            if (cat == P.RELATED and sib.tag in HEADING_TAGS
                    and P.heading_category(self.text(sib, 220) or "") == P.COMMENTS):
                # Short prose wedged between a related-posts block and a comment-form
                # heading (the comments of a class-less theme) belongs to the comments;
                # the heading itself is handled by its own rule.
                to_drop.extend(wedged)
                break
            if wedged:
                break  # prose after related posts, not followed by comments: keep it
            if _bp_sibling(sib, cat, self.groups):
                to_drop.extend(pending)
                pending = []
                to_drop.append(sib)
                continue
            if cat == P.RELATED and _short_prose(sib, 300):
                wedged.append(sib)  # dropped only if a comments heading follows
                continue
            if cat in (P.COMMENTS, P.NEWSLETTER, P.BIO) and _short_prose(sib, 600 if cat == P.BIO else 300):
                pending.append(sib)
                continue
            ended = False
            break
        if ended and cat in (P.COMMENTS, P.NEWSLETTER, P.BIO):
            to_drop.extend(pending)
        for x in to_drop:
            self.drop(x)

    # hidden elements (hidden attribute, display:none) outside the article body
    def hidden_rule(self, el: HtmlElement) -> bool:
        style = (el.get("style") or "").replace(" ", "").lower()
        hidden = el.get("hidden") is not None or "display:none" in style or "visibility:hidden" in style
        if not hidden or self.guard.inside_container(el):
            return False
        self.drop(el)
        return True

    # a paragraph/heading that is nothing but a link: a pointer to another story or an app/promo link
    def link_paragraph_rule(self, el: HtmlElement) -> bool:
        if el.tag not in _LINK_PARAGRAPH_TAGS:
            return False
        links = [a for a in el.iter("a") if (a.get("href") or "").strip() and not (a.get("href") or "").startswith("#")]
        if not links:
            return False
        text = self.text(el, 200)
        if not text or len(text.split()) < 3:
            return False
        if link_density(el) < 0.9:
            return False
        self.drop(el)
        return True

    # author bio boxes without telltale classes: avatar + author link + a short text
    def bio_prepass(self) -> None:
        avatars = [
            img
            for img in self.root.iter("img")
            if _AVATAR_RE.search(" ".join((img.get("class") or "", img.get("src") or "", img.get("data-src") or "", img.get("alt") or "")))
        ]
        for img in avatars:
            if not self.guard.attached(img):
                continue
            node = img.getparent()
            best = None
            for _ in range(4):
                if node is None or self.guard.is_protected(node) or node.tag in ("body", "html"):
                    break
                text = self.text(node, 700)
                if text is None:
                    break
                if node.tag in ("div", "section", "aside", "footer") and any(
                    "author" in (a.get("rel") or "").lower().split() or _AUTHOR_HREF_RE.search(a.get("href") or "") for a in node.iter("a")
                ):
                    best = node
                node = node.getparent()
            if best is not None:
                self.drop(best)

    # cookie banners outside the article body
    def cookie_rule(self, el: HtmlElement) -> bool:
        if not self.cookie_words or el.tag not in _COOKIE_TAGS:
            return False
        text = self.text(el, 800)
        if not text or len(text) < 20 or not P.COOKIE_TEXT_RE.search(text):
            return False
        if self.guard.inside_container(el):
            return False
        low = text.lower()
        if not re.search(r"accept|agree|allow|ok\b|got it|einverstanden|akzeptieren|zustimmen|accepter|j'accepte|aceptar|acepto|accetta|accetto|aceitar|aceito|akkoord|accepteren|privacy|datenschutz|confidentialité|privacidad|privacidade|cookie policy|settings|einstellungen|paramètres|configuración|impostazioni|configurações|instellingen", low):
            return False
        # climb to the banner wrapper while it holds nothing else
        node = el
        while True:
            parent = node.getparent()
            if parent is None or self.guard.is_protected(parent):
                break
            ptext = self.text(parent, 900)
            if ptext is None or len(ptext) - len(text) > 80:
                break
            node = parent
        self.drop(node)
        return True

    def _share_zone(self) -> set[HtmlElement]:
        """Elements holding two or more share-bar links (the only ones the share-bar part
        of ``structure_rule`` can remove); computed once: removals only shrink it."""
        seen: dict[HtmlElement, int] = {}
        for a in self.root.iter("a"):
            if P.is_share_href(a.get("href") or ""):
                anc = a.getparent()
                while anc is not None:
                    seen[anc] = seen.get(anc, 0) + 1
                    anc = anc.getparent()
        return {el for el, n in seen.items() if n >= 2}

    def run(self) -> int:
        """Every rule, element by element in document order; the first that removes the
        element ends its turn.  Each rule is only called for the elements it can act on
        (by tag, attributes, text length known from ``counts``)."""
        self.bio_prepass()
        share_zone = self._share_zone()
        protected, gone, counts = self.guard.protected, self.guard.gone, self.counts
        cookie_words = self.cookie_words
        for el in self.elements:
            tag = el.tag
            if tag in _SKIP_TAGS or el in protected or el in gone:
                continue
            if tag in TOKEN_TAGS and self.token_rule(el):
                continue
            if (tag == "form" or el in share_zone) and self.structure_rule(el):
                continue
            count = counts[el]
            if tag in LABEL_TAGS and count <= (220 if tag in HEADING_TAGS else 120) and self.label_rule(el):
                continue
            if (el.get("style") is not None or el.get("hidden") is not None) and self.hidden_rule(el):
                continue
            if tag in _LINK_PARAGRAPH_TAGS and count <= 200 and self.link_paragraph_rule(el):
                continue
            if cookie_words and tag in _COOKIE_TAGS and count <= 800:
                self.cookie_rule(el)
        return self.removed


def preclean(root: HtmlElement) -> int:
    """Remove boilerplate blocks from ``root`` in place; returns the number of removals."""
    return _Cleaner(root).run()


_NON_TEXT_TAGS = ("script", "style", "noscript", "template")
#: removed before trafilatura (which removes them too, after copying the tree three times)
_DEAD_TAGS = ("script", "style", "svg", "template", "link")


def strip_dead_elements(root: HtmlElement) -> int:
    """Remove scripts (JSON-LD kept: trafilatura reads it), styles, inline SVG, templates and
    ``<link>`` elements, their tails kept in place, as trafilatura's own tree cleaning and
    its fallbacks' cleaning do: the same text, from a smaller tree to copy and walk."""
    removed = 0
    for el in list(root.iter(*_DEAD_TAGS)):
        if el.tag == "script" and "ld+json" in (el.get("type") or "").lower():
            continue
        parent = el.getparent()
        if parent is None:
            continue
        if el.tail:
            prev = el.getprevious()
            if prev is None:
                parent.text = (parent.text or "") + el.tail
            else:
                prev.tail = (prev.tail or "") + el.tail
        parent.remove(el)
        removed += 1
    return removed


def preclean_measured(root: HtmlElement) -> int:
    """:func:`preclean`, then the characters other than whitespace of the text left on the
    page (scripts, styles, noscript and templates excluded), from the counts the cleaner
    keeps anyway."""
    cleaner = _Cleaner(root)
    cleaner.run()
    counts = cleaner.counts
    total = counts.get(root, 0)
    for el in root.iter(*_NON_TEXT_TAGS):
        total -= counts.get(el, 0)
    return max(total, 0)


# --- post-cleaning of extracted text ---------------------------------------------------------------

_AVATAR_RE = re.compile(r"avatar|gravatar|author", re.I)
_AUTHOR_HREF_RE = re.compile(r"/(?:author|authors|autor|autoren|auteur|autore|autores|people|profile|profiles)/", re.I)
_HAS_WORD = re.compile(r"[^\W_]")
_TERMINAL = (".", "!", "?", "…", '"', "”", "»", ":", ";", ")")


def postclean_blocks(blocks: Iterable[str]) -> list[str]:
    """Drop whole boilerplate lines from extracted text blocks.

    A line is dropped when it is, as a whole, a known boilerplate sentence or label
    (:func:`patterns.is_boilerplate_line`).  After a line that is a related-posts/comment
    heading ("Similar Posts", "Leave a Reply"), the following short title-like lines (no
    sentence punctuation, <= 120 chars) go too -- but only when that run reaches the end of
    the text or another boilerplate line, so an article's own sub-headings survive.
    """
    lines: list[tuple[int, str]] = []
    for bi, block in enumerate(blocks):
        for line in block.split("\n"):
            # separators ("___", "* * *") and other lines without a letter or digit
            if line.strip() and _HAS_WORD.search(line):
                lines.append((bi, line.rstrip()))
    drop = [False] * len(lines)
    n = len(lines)
    i = 0
    while i < n:
        stripped = lines[i][1].strip()
        if P.is_boilerplate_line(stripped):
            drop[i] = True
            cat = P.heading_category(stripped) if len(stripped) <= 120 else None
            if cat in (P.RELATED, P.COMMENTS) and not stripped.endswith((".", "!", "?")):
                j = i + 1
                while j < n and len(lines[j][1].strip()) <= 120 and not lines[j][1].strip().endswith(_TERMINAL) and not P.is_boilerplate_line(lines[j][1].strip()):
                    j += 1
                if j == n or P.is_boilerplate_line(lines[j][1].strip()):
                    for k in range(i + 1, j):
                        drop[k] = True
                i = j
                continue
        i += 1
    out: dict[int, list[str]] = {}
    order: list[int] = []
    for (bi, line), d in zip(lines, drop):
        if d:
            continue
        if bi not in out:
            out[bi] = []
            order.append(bi)
        out[bi].append(line)
    return ["\n".join(out[bi]) for bi in order]
