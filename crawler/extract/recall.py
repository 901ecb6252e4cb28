"""Recall guard: an article body split into several containers of the same kind.

trafilatura reads its text from the *first* element its body expressions match.  News and
magazine pages often cut one article into several sibling containers of the same class --
``<div class="articleBodyText">`` before and after an advertisement or an embed, a live blog
whose posts each hold their own body container, a long read in numbered parts -- and the text
after the first container is then lost (a live blog kept a fifth of its posts, a long magazine
article lost a third of its text).

:func:`recover_split_body` finds the container that holds the extracted paragraphs and the
other containers of the page with the same tag and ``class``; their paragraphs and headings
that the extraction missed are put back, in document order, when they are prose (long, not
link text) and amount to a substantial part of the article.  It runs on the pre-cleaned tree,
so boilerplate the cleaning removed stays removed.
"""

from __future__ import annotations

from lxml.html import HtmlElement

__all__ = ["recover_split_body"]

#: a paragraph is prose from this many characters on (collapsed whitespace)
PROSE_CHARS = 80
#: ... and when at most this share of its text is link text
MAX_LINK_SHARE = 0.3
#: the container holding the extraction: the deepest element with this share of the matched text
CHUNK_SHARE = 0.6
#: text put back only when the missed prose is at least this share of the extracted text
MIN_GAIN = 0.2
_HEADINGS = frozenset({"h2", "h3", "h4"})


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _key(text: str) -> str:
    """The first words of a paragraph (at most eight, from its first 160 characters)."""
    return " ".join(text[:160].lower().split()[:8])


def _text(el: HtmlElement) -> str:
    return " ".join(el.text_content().split())


def _link_chars(el: HtmlElement) -> int:
    return sum(len(" ".join(a.text_content().split())) for a in el.iter("a"))


def _is_prose(el: HtmlElement, text: str) -> bool:
    return len(text) >= PROSE_CHARS and _link_chars(el) <= MAX_LINK_SHARE * len(text)


def recover_split_body(tree: HtmlElement, blocks: list[str]) -> list[str]:
    """``blocks`` with the paragraphs of sibling body containers put back (see the module
    docstring); ``blocks`` unchanged when there is nothing to recover."""
    if not blocks:
        return blocks
    joined = _norm("\n".join(blocks))
    extracted = sum(len(b) for b in blocks)
    covered: list[tuple[HtmlElement, str]] = []
    missed = 0
    for p in tree.iter("p"):
        text = _text(p)
        if len(text) < PROSE_CHARS or not _is_prose(p, text):
            continue
        if _key(text) in joined:
            covered.append((p, text))
        else:
            missed += len(text)
    if not covered or missed < MIN_GAIN * extracted:
        return blocks
    found = _containers(covered)
    if found is None:
        return blocks
    sig, holders = found
    additions: list[HtmlElement] = []
    gained = 0
    for other in tree.iter(sig[0]):
        if other.get("class") != sig[1] or other in holders:
            continue
        if any(a in holders for a in other.iterancestors()) or any(h in holders for h in other.iterdescendants(sig[0])):
            continue
        missing, prose = _missed_in(other, joined)
        if prose:
            additions.extend(missing)
            gained += prose
    if gained < MIN_GAIN * extracted:
        return blocks
    return _insert(tree, blocks, covered, additions)


def _containers(covered: list[tuple[HtmlElement, str]]) -> tuple[tuple[str, str], set[HtmlElement]] | None:
    """The kind of container (tag, class) the extracted paragraphs sit in, and the elements of
    that kind holding them: among the classed ancestors of the paragraphs, the kinds holding
    ``CHUNK_SHARE`` of their text and found elsewhere on the page too, the most specific one
    (fewest elements on the page).  None when there is no such kind."""
    total = sum(len(t) for _, t in covered)
    chars: dict[tuple[str, str], int] = {}
    holders: dict[tuple[str, str], set[HtmlElement]] = {}
    for p, text in covered:
        kinds = set()
        for anc in p.iterancestors():
            if anc.tag in ("body", "html"):
                break
            cls = anc.get("class")
            if not cls or not isinstance(anc.tag, str):
                continue
            kind = (anc.tag, cls)
            holders.setdefault(kind, set()).add(anc)
            if kind not in kinds:
                kinds.add(kind)
                chars[kind] = chars.get(kind, 0) + len(text)
    if not chars:
        return None
    root = next(iter(next(iter(holders.values())))).getroottree().getroot()
    best = None
    for kind, n in chars.items():
        if n < CHUNK_SHARE * total:
            continue
        count = sum(1 for el in root.iter(kind[0]) if el.get("class") == kind[1])
        if count <= len(holders[kind]):
            continue  # no other container of this kind
        if best is None or count < best[0]:
            best = (count, kind)
    if best is None:
        return None
    return best[1], holders[best[1]]


def _missed_in(container: HtmlElement, joined: str) -> tuple[list[HtmlElement], int]:
    """Paragraphs and headings of ``container`` missing from the extraction, and the length of
    its missed prose (0 when the container is not prose: mostly links, or no long paragraph)."""
    text = _text(container)
    if not text or _link_chars(container) > MAX_LINK_SHARE * len(text):
        return [], 0
    found: list[HtmlElement] = []
    prose = 0
    for el in container.iter("p", *_HEADINGS):
        t = _text(el)
        if not t or _key(t) in joined:
            continue
        if el.tag == "p":
            if _link_chars(el) > 0.5 * len(t):
                continue
            if _is_prose(el, t):
                prose += len(t)
        elif len(t) > 200:
            continue
        found.append(el)
    return found, prose


def _insert(tree: HtmlElement, blocks: list[str], covered: list[tuple[HtmlElement, str]],
            additions: list[HtmlElement]) -> list[str]:
    """``blocks`` with the texts of ``additions`` inserted in document order: each after the
    block of the last covered paragraph before it in the page."""
    order = {el: i for i, el in enumerate(tree.iter())}
    normed = [_norm(b) for b in blocks]
    anchors: list[tuple[int, int]] = []  # (document position, block index) of covered paragraphs
    for p, text in covered:
        key = _key(text)
        idx = next((i for i, b in enumerate(normed) if key in b), None)
        if idx is not None and p in order:
            anchors.append((order[p], idx))
    anchors.sort()
    after: dict[int, list[str]] = {}
    seen: set[str] = set()
    for el in sorted(additions, key=lambda e: order.get(e, 0)):
        text = _text(el)
        if text in seen:
            continue
        seen.add(text)
        pos = order.get(el, 0)
        idx = -1
        for apos, aidx in anchors:
            if apos < pos:
                idx = max(idx, aidx)
        after.setdefault(idx, []).append(text)
    out = list(after.get(-1, []))
    for i, block in enumerate(blocks):
        out.append(block)
        out.extend(after.get(i, []))
    return out
