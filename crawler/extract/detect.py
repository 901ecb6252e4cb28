"""Conservative article-vs-listing detection.

A page is an *article* only when nothing says otherwise.  Evidence, strongest first:

* structured data: JSON-LD ``@type`` (NewsArticle, BlogPosting, ... vs CollectionPage,
  ItemList, SearchResultsPage, ProfilePage) and ``og:type`` (article vs website/profile);
* discovery hints: a page found through a news sitemap or a feed is very likely an article;
* the URL shape: root path, ``/page/2``, ``?page=``, ``/tag/``, ``/category/``, ``/author/``,
  ``/search``, date archives, bare section paths;
* the page body: share of the extracted text that is link text, number of teaser
  headlines / ``<article>`` teasers.

Positive structured evidence beats weak URL hints, but a page whose main content is mostly
links is a listing whatever its markup claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from lxml.etree import XPath
from lxml.html import HtmlElement

from .metadata import LISTING_TYPES, TEXT_ARTICLE_TYPES, PageMeta

__all__ = ["ListingSignals", "TreeFacts", "classify_url", "gather_signals", "is_listing", "tree_facts"]

LISTING_SEGMENTS = frozenset(
    {
        "tag", "tags", "category", "categories", "cat", "section", "sections", "topic", "topics", "author", "authors",
        "search", "archive", "archives", "archiv", "label", "labels", "rubrique", "rubriques", "rubrik", "rubriken",
        "thema", "themen", "schlagwort", "schlagworte", "stichwort", "kategorie", "kategorien", "categorie", "categoria",
        "categorias", "categoría", "categorías", "seccion", "sección", "secciones", "sezione", "sezioni", "secao", "seção",
        "etiqueta", "etiquetas", "tema", "temas", "onderwerp", "onderwerpen", "trefwoord", "people", "profile", "profiles",
        "contributor", "contributors", "byline", "writers", "staff", "autor", "autoren", "auteur", "auteurs", "autore",
        "autori", "autores", "mot-cle", "mots-cles", "argomenti", "tema", "dossier", "dossiers", "hub", "sujet", "sujets",
    }
)
PAGINATION_SEGMENTS = frozenset({"page", "seite", "pagina", "página", "pag", "p", "pg"})
PAGINATION_PARAMS = frozenset({"page", "paged", "pg", "seite", "pagina", "start", "offset", "pagenum", "page_num"})
SEARCH_PARAMS = frozenset({"s", "q", "query", "search", "keyword", "keywords", "term"})
ARTICLE_PARAMS = frozenset({"p", "id", "idx", "no", "article", "story", "storyid", "articleid", "post", "newsid", "item", "nid", "aid", "sid",
                            "docid", "seq", "num", "artid", "postid", "contentid", "entryid"})
#: a query parameter naming one document: ``idx=8576``, ``article_id=123``, ``newsNo=...``, ``ntt_id=...``
_ID_PARAM_RE = re.compile(r"(?:^|[_\-.])(?:id|idx|no|seq|num|key)$|(?<=[a-z])(?:id|idx|no|seq)$", re.I)
_INDEX_FILES = frozenset({"index.html", "index.htm", "index.php", "index.asp", "index.aspx", "default.aspx", "home", "home.html", "start", "startseite", "accueil", "inicio", "portada"})

#: below this share of link text in the extracted content a page is not a link list
LINK_SHARE_LISTING = 0.6


def _sluggy(seg: str) -> bool:
    """Does a path segment look like an article slug or id?"""
    seg = re.sub(r"\.(?:html?|php|aspx?|shtml|cms)$", "", seg)
    words = [w for w in re.split(r"[-_+.]", seg) if w]
    if len(words) >= 4:
        return True
    if re.search(r"\d{5,}", seg):
        return True
    return len(seg) >= 30


def classify_url(url: str) -> str | None:
    """``"root"``, ``"pagination"``, ``"listing"``, ``"section"`` or ``None``."""
    parts = urlsplit(url)
    segs = [s for s in parts.path.lower().split("/") if s]
    query = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    has_article_param = any(v and (k in ARTICLE_PARAMS or (_ID_PARAM_RE.search(k) and any(ch.isdigit() for ch in v)))
                            for k, v in query.items() if k not in PAGINATION_PARAMS)
    if any(k in SEARCH_PARAMS for k in query) and not has_article_param:
        return "listing"
    if not has_article_param:
        # the id of one document outweighs the page number (a comment page, or the page of the
        # list the reader came from: ``news_view.html?idx=8576&page=1``); page 1 is no later page
        for k, v in query.items():
            if k in PAGINATION_PARAMS and v.isdigit() and int(v) > 1:
                return "pagination"
    if not segs or (len(segs) == 1 and segs[0] in _INDEX_FILES):
        return None if has_article_param else "root"
    if len(segs) >= 2 and segs[-2] in PAGINATION_SEGMENTS and segs[-1].isdigit():
        return "pagination"
    if all(s.isdigit() for s in segs) and len(segs[0]) == 4 and len(segs) <= 3:
        return "listing"  # /2024/ or /2024/03/ or /2024/03/05/ date archives
    for i, seg in enumerate(segs):
        if seg in LISTING_SEGMENTS:
            rest = segs[i + 1 :]
            if len(rest) <= 2 and not any(_sluggy(r) for r in rest):
                return "listing"
    if segs[-1] in ("search", "suche", "recherche", "buscar", "busca", "cerca", "zoeken"):
        return "listing"
    if has_article_param:
        return None
    if len(segs) <= 2 and not any(_sluggy(s) or any(ch.isdigit() for ch in s) or "." in s for s in segs):
        return "section"
    return None


@dataclass
class ListingSignals:
    article_struct: bool
    listing_struct: bool
    hint_article: bool
    url_kind: str | None
    link_share: float
    teasers: int
    words: int
    #: the markup of one article: a single <h1> with a <time> or a byline of its own
    page_struct: bool = False

    def describe(self) -> str:
        return (
            f"url={self.url_kind} article_struct={self.article_struct} listing_struct={self.listing_struct} "
            f"hint_article={self.hint_article} page_struct={self.page_struct} link_share={self.link_share:.2f} "
            f"teasers={self.teasers} words={self.words}"
        )

    @property
    def article_evidence(self) -> bool:
        """Anything on the page itself or in how it was found saying "one article"."""
        return self.article_struct or self.hint_article or self.page_struct


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _anchor_texts(tree: HtmlElement) -> set[str]:
    out: set[str] = set()
    for a in tree.iter("a"):
        t = _norm(a.text_content())
        if len(t) >= 12:
            out.add(t)
    return out


def _teaser_count(tree: HtmlElement) -> int:
    headline_links = 0
    for h in tree.iter("h2", "h3", "h4"):
        text = _norm(h.text_content())
        if len(text.split()) < 3:
            continue
        linked = sum(len(_norm(a.text_content())) for a in h.iter("a"))
        anc = h.getparent()
        inside_link = False
        while anc is not None:
            if anc.tag == "a":
                inside_link = True
                break
            anc = anc.getparent()
        if inside_link or linked >= 0.8 * len(text):
            headline_links += 1
    articles = 0
    for art in tree.iter("article"):
        parent = art.getparent()
        nested = False
        while parent is not None:
            if parent.tag == "article":
                nested = True
                break
            parent = parent.getparent()
        if not nested and art.find(".//h1") is None:
            articles += 1
    return max(headline_links, articles)


@dataclass
class TreeFacts:
    """What the listing test needs from the page as fetched (before any cleaning)."""

    anchors: set[str]
    teasers: int
    page_struct: bool = False


_MARKS = XPath("//*[@itemprop='author' or @itemprop='datePublished' or contains(@class, 'byline')"
               " or contains(@class, 'Byline')] | //a[contains(@rel, 'author')]")


def _page_struct(tree: HtmlElement) -> bool:
    """One <h1> and one or two dates (<time>, itemprop=datePublished) or one to three
    bylines (rel=author, itemprop=author, class *byline*): the markup of a single article.
    A listing dates and credits each of its teasers."""
    h1s = 0
    for _ in tree.iter("h1"):
        h1s += 1
        if h1s > 1:
            return False
    if h1s != 1:
        return False
    times = sum(1 for _ in tree.iter("time"))
    if 1 <= times <= 2:
        return True
    bylines = 0
    for el in _MARKS(tree):
        if el.get("itemprop") == "datePublished":
            if el.tag != "time":
                times += 1
        else:
            bylines += 1
    return 1 <= times <= 2 or 1 <= bylines <= 3


def tree_facts(tree: HtmlElement) -> TreeFacts:
    return TreeFacts(_anchor_texts(tree), _teaser_count(tree), _page_struct(tree))


def gather_signals(tree: HtmlElement | TreeFacts, meta: PageMeta, blocks: list[str], words: int, hints: dict,
                   url: str) -> ListingSignals:
    """The listing signals of a page; ``tree`` is the page as fetched, or its :func:`tree_facts`."""
    facts = tree if isinstance(tree, TreeFacts) else tree_facts(tree)
    types = {t.lower() for t in meta.jsonld_types}
    article_struct = bool(types & TEXT_ARTICLE_TYPES) or (meta.og_type or "") in ("article", "newsarticle", "news", "blog_post", "blogposting")
    listing_struct = bool(types & LISTING_TYPES) and not (types & TEXT_ARTICLE_TYPES)
    # listed in a news sitemap (source "sitemap" with news:* fields; "news-sitemap" in
    # captures made before the frontier's sources were unified) or in a feed
    hint_article = (str(hints.get("source") or "").lower() in ("news-sitemap", "feed")
                    or bool(hints.get("news_published") or hints.get("news_title")))
    anchors = facts.anchors
    total = 0
    linked = 0
    for block in blocks:
        for line in block.split("\n"):
            n = _norm(line.lstrip("-•* "))
            if not n:
                continue
            total += len(n)
            if n in anchors:
                linked += len(n)
    link_share = linked / total if total else 0.0
    return ListingSignals(
        article_struct=article_struct,
        listing_struct=listing_struct,
        hint_article=hint_article,
        url_kind=classify_url(url),
        link_share=link_share,
        teasers=facts.teasers,
        words=words,
        page_struct=facts.page_struct,
    )


def is_listing(s: ListingSignals) -> bool:
    """Page structure first, URL shape last: structured data, discovery hints and the
    markup of one article outweigh what the URL suggests (a page number or a section-like
    path); only a page that is mostly links is a listing whatever it claims."""
    if s.url_kind == "root" and not s.article_struct:
        return True
    if s.words > 0 and s.link_share >= LINK_SHARE_LISTING:
        return True
    if s.article_evidence:
        if s.url_kind == "pagination" and not (s.article_struct or s.page_struct):
            return True
        if s.teasers >= 10 and s.link_share >= 0.35:
            return True
        return False
    if s.listing_struct or s.url_kind in ("listing", "pagination", "root"):
        return True
    if s.link_share >= 0.4:
        return True
    if s.teasers >= 6 and s.link_share >= 0.25:
        return True
    if s.teasers >= 6 and s.words < 20 * s.teasers:
        # teaser summaries: the cleaning took the linked headlines out of the text
        return True
    if s.url_kind == "section" and (s.teasers >= 4 or s.link_share >= 0.3):
        return True
    return False
