"""Turn a :class:`~crawler.record.FetchedPage` into an :class:`~crawler.record.Article`.

Pipeline (pure and deterministic: no clock, no randomness, no unordered iteration):

1. content-type / magic-byte sniffing -> ``not_html``;
2. robust decoding (:mod:`crawler.extract.decode`);
3. lxml parse; metadata from JSON-LD, meta tags, trafilatura's metadata extractor and
   htmldate (bounded by the fetch date) (:mod:`crawler.extract.metadata`);
4. the project's pre-cleaning of boilerplate blocks (:func:`crawler.extract.clean.preclean`);
5. trafilatura (the extraction engine) on the cleaned tree, comments excluded;
6. line-level post-cleaning (:func:`crawler.extract.clean.postclean_blocks`);
7. conservative listing detection (:mod:`crawler.extract.detect`) and a minimum length.

Text format of :attr:`Article.text`: one *block* per paragraph, heading, list or table,
blocks separated by a blank line (``"\\n\\n"``); inside a block, line breaks (``<br>``),
list items (``"- item"``) and table rows stay on their own lines (``"\\n"``).  A leading
heading that repeats the title is dropped (the title has its own field).
"""

from __future__ import annotations

import hashlib
import re
from copy import copy
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import lxml.html
from lxml import etree

from ..record import Article, FetchedPage, article_id
from . import clean, detect
from .decode import DecodeError, decode_body, sniff_not_html
from .metadata import collect_metadata, site_of
from .recall import recover_split_body

__all__ = ["EXTRACTOR_VERSION", "MIN_WORDS", "MIN_WORDS_STRUCTURED", "ExtractResult", "extract_page", "count_words", "text_digest", "warm_up", "ParsedPage", "parse_page"]

#: Bump whenever the output for the same input could change.
EXTRACTOR_VERSION = "1.3.0"

#: Pages with fewer words of cleaned text are not archived as articles (kind="too_short").
MIN_WORDS = 60

#: ... unless the page has the structure of an article (JSON-LD article type, og:type
#: article, a single <h1> with its date or byline, or a news sitemap/feed found it): news
#: briefs of 40 to 60 words are articles.
MIN_WORDS_STRUCTURED = 40

#: Below this many words the text is too short for statistical language identification;
#: the HTML ``lang`` attribute is used instead.
MIN_WORDS_LANGID = 15

#: Language identification reads at most this many characters of the text: py3langid
#: walks its model byte by byte in Python.  On the fundus-eval articles, the benchmark
#: pages and the multilingual test pages, 1,000 characters give the same language as
#: 20,000 on every page, at a twentieth of the cost.
LANGID_CHARS = 1000

#: Refuse to parse bodies larger than this (characters after decoding).
MAX_HTML_CHARS = 15_000_000


@dataclass
class ExtractResult:
    article: Article | None
    kind: str  # "article" | "listing" | "not_html" | "too_short" | "error" | "skipped" (not asked for)
    reason: str = ""
    #: MinHash signature of the article text for near-duplicate detection, computed in
    #: the worker process by the pool (None inline without it, or for short texts).
    signature: bytes | None = None
    #: The signature's LSH band keys (``crawler.dedup.near.band_keys``), also from the worker.
    band_keys: list[int] | None = None
    #: Out-links of the page (:class:`crawler.discovery.links.Outlink`), when the job
    #: asked for them; None with ``links_error`` set when the page could not be parsed for links.
    links: list | None = None
    links_error: str | None = None


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_WORD_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+(?:['’\-][^\W_{_CJK}]+)*")


def count_words(text: str) -> int:
    """Words in ``text``; each CJK character counts as one word."""
    return len(_WORD_RE.findall(text))


def text_digest(text: str) -> str:
    normalised = " ".join(text.lower().split())
    return "sha1:" + hashlib.sha1(normalised.encode("utf-8")).hexdigest()


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def _parse(text: str) -> lxml.html.HtmlElement:
    text = _XML_DECL.sub("", text, count=1)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, recover=True, collect_ids=False, default_doctype=False)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise DecodeError(f"unparsable HTML: {exc}") from exc
    if root is None:
        raise DecodeError("empty HTML document")
    return root


def _language(text: str, words: int, html_lang: str | None) -> str | None:
    if words < MIN_WORDS_LANGID or len(text) < 80:
        return html_lang
    import py3langid

    lang, _score = py3langid.classify(text[:LANGID_CHARS])
    return lang or html_lang


def _norm_title(s: str) -> str:
    return re.sub(r"\W+", " ", s.casefold()).strip()


def _title_variants(tree: lxml.html.HtmlElement, title: str | None) -> set[str]:
    """Normalised title strings a leading text block may repeat (title, og:title, first <h1>)."""
    out = set()
    if title:
        out.add(_norm_title(title))
    for el in tree.iter("meta"):
        if (el.get("property") or el.get("name") or "").lower() in ("og:title", "twitter:title") and el.get("content"):
            out.add(_norm_title(el.get("content")))
    h1 = next(iter(tree.iter("h1")), None)
    if h1 is not None:
        out.add(_norm_title(h1.text_content()))
    out.discard("")
    return out


@lru_cache(maxsize=2)
def _trafilatura_options(fast: bool) -> Any:
    """trafilatura's options object, built once per process (its constructor reads the
    config file's values through ConfigParser)."""
    from trafilatura.settings import Extractor

    return Extractor(
        output_format="python",
        fast=fast,
        comments=False,
        tables=True,
        images=False,
        links=False,
        with_metadata=False,
        dedup=False,
    )


def _extract_blocks(tree: lxml.html.HtmlElement, url: str, fast: bool = False) -> tuple[list[str], Any]:
    """trafilatura's text blocks of ``tree`` (which it may modify) and its result body."""
    import trafilatura
    from trafilatura.xml import xmltotxt

    options = copy(_trafilatura_options(fast))  # trafilatura never mutates it; url is per page
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    doc = trafilatura.bare_extraction(tree, options=options)
    if doc is None or getattr(doc, "body", None) is None:
        return [], None
    blocks: list[str] = []
    body = doc.body
    if body.text and body.text.strip():
        blocks.append(body.text.strip())
    for child in body:
        txt = xmltotxt(child, False)
        txt = "\n".join(line.rstrip() for line in txt.strip().split("\n") if line.strip())
        if txt:
            blocks.append(txt)
    return blocks, body


def _fast_pass_is_final(blocks: list[str], body: Any, page_chars: int) -> bool:
    """Would trafilatura's fallbacks (readability, justext) leave this fast-mode result alone?

    In full mode trafilatura also runs readability on every page and justext on some, and
    takes their result only when its own is empty or short (readability's text more than
    twice as long, or under ``MIN_EXTRACTED_SIZE``), has no paragraph text, is dominated by
    tables, or still holds page furniture (its "unclean" test); a short result covering
    little of the page also triggers a recall retry with justext.  When none of that can
    happen -- the text is long, covers at least half of the cleaned page's text (counted
    without whitespace, so nothing can be twice as long), and is paragraphs without
    furniture -- full mode returns the
    same text, and the fallbacks are skipped.  On the fundus-eval pages and the benchmark
    site the fast pass is final on most pages and the text is then identical.
    """
    from trafilatura.external import SANITIZED_XPATH

    if body is None:
        return False
    text_len = sum(len(b) for b in blocks)
    if text_len < _trafilatura_options(False).min_extracted_size or 2 * sum(map(clean.nonspace, blocks)) < page_chars:
        return False
    paragraphs = len(body.findall(".//p"))
    if not paragraphs or not body.xpath(".//p//text()") or len(body.findall(".//table")) > paragraphs:
        return False
    return not body.xpath(SANITIZED_XPATH)


def _article_blocks(tree: lxml.html.HtmlElement, url: str) -> list[str]:
    """Pre-cleaning (in place), then trafilatura: the fast pass, and the full one when needed.
    ``bare_extraction`` works on a copy of the tree it is given: both passes read the
    pre-cleaned tree."""
    page_chars = clean.preclean_measured(tree)
    clean.strip_dead_elements(tree)
    blocks, body = _extract_blocks(tree, url, fast=True)
    if not _fast_pass_is_final(blocks, body, page_chars):
        blocks = _extract_blocks(tree, url, fast=False)[0]
    return recover_split_body(tree, blocks)


@dataclass
class ParsedPage:
    """A page decoded and parsed once, for every use in the worker (article, out-links)."""

    text: str
    encoding: str
    tree: lxml.html.HtmlElement


def parse_page(page: FetchedPage) -> ParsedPage | ExtractResult:
    """Decode and parse ``page``; an :class:`ExtractResult` (not HTML, empty, error) when
    there is nothing to parse."""
    try:
        return _parse_page(page)
    except DecodeError as exc:
        return ExtractResult(None, "error", str(exc))
    except (RecursionError, MemoryError) as exc:
        return ExtractResult(None, "error", f"{type(exc).__name__} while parsing (page too complex)")
    except Exception as exc:  # noqa: BLE001 - one bad page must never stop the crawl
        return ExtractResult(None, "error", f"{type(exc).__name__}: {exc}"[:500])


def _parse_page(page: FetchedPage) -> ParsedPage | ExtractResult:
    body = page.body or b""
    if not body.strip():
        return ExtractResult(None, "too_short", "empty body")
    not_html = sniff_not_html(body, page.headers)
    if not_html:
        return ExtractResult(None, "not_html", not_html)
    text, encoding = decode_body(body, page.encoding, page.headers)
    if len(text) > MAX_HTML_CHARS:
        return ExtractResult(None, "error", f"HTML too large ({len(text)} characters)")
    return ParsedPage(text, encoding, _parse(text))


_WARM_UP_PAGE = (
    "<html lang='en'><head><title>Warm-up</title><meta property='og:type' content='article'></head><body>"
    "<header><nav><a href='/'>Home</a></nav></header><article><h1>Warm-up</h1><p>"
    + "The extraction worker loads its models and lazy imports on this page before its first real one. " * 4
    + "</p></article><footer><p>Leave a Reply</p></footer></body></html>"
)


def warm_up() -> None:
    """Load, once per process, what the first page would otherwise pay for: the language
    model (py3langid, ~0.6 s), justext's stop-word lists (~0.25 s, used by trafilatura's
    fallback), and the modules trafilatura, htmldate and courlan import lazily."""
    import py3langid
    from trafilatura import external

    py3langid.classify("warm up the language identifier model")
    if not getattr(external, "JT_STOPLIST", None):
        external.jt_stoplist_init()
    extract_page(FetchedPage(url="http://warm-up.invalid/news/2024/01/01/warm-up-story.html", status=200,
                             headers={"content-type": "text/html; charset=utf-8"}, body=_WARM_UP_PAGE.encode(),
                             fetched_at="2024-01-01T00:00:00Z", crawl_id="warm-up"))


def extract_page(page: FetchedPage, parsed: ParsedPage | ExtractResult | None = None) -> ExtractResult:
    """Extract the article of one fetched page (see the module docstring).

    ``parsed``: the page's :func:`parse_page` when the caller parsed it already (its tree
    is then cleaned in place: the caller must be done with it)."""
    try:
        return _extract(page, parsed)
    except DecodeError as exc:
        return ExtractResult(None, "error", str(exc))
    except (RecursionError, MemoryError) as exc:
        return ExtractResult(None, "error", f"{type(exc).__name__} while extracting (page too complex)")
    except Exception as exc:  # noqa: BLE001 - one bad page must never stop the crawl
        return ExtractResult(None, "error", f"{type(exc).__name__}: {exc}"[:500])


def _extract(page: FetchedPage, parsed: ParsedPage | ExtractResult | None) -> ExtractResult:
    if parsed is None:
        parsed = _parse_page(page)
    if isinstance(parsed, ExtractResult):
        return parsed
    tree, encoding = parsed.tree, parsed.encoding

    meta = collect_metadata(tree, page.url, page.fetched_at, page.hints)

    # what is read from the page as fetched, before the tree is cleaned in place
    title_variants = _title_variants(tree, meta.title)
    facts = detect.tree_facts(tree)

    blocks = clean.postclean_blocks(_article_blocks(tree, page.url))
    if blocks and _norm_title(blocks[0]) in title_variants:
        blocks = blocks[1:]
    article_text = "\n\n".join(blocks)
    words = count_words(article_text)

    signals = detect.gather_signals(facts, meta, blocks, words, page.hints or {}, page.url)
    if detect.is_listing(signals):
        return ExtractResult(None, "listing", signals.describe())
    min_words = MIN_WORDS_STRUCTURED if signals.article_evidence else MIN_WORDS
    if words < min_words:
        return ExtractResult(None, "too_short", f"{words} words < {min_words}")

    record_id = page.warc.record_id if page.warc else None
    authors = meta.authors
    article = Article(
        id=article_id(record_id, page.url),
        url=page.url,
        canonical_url=meta.canonical_url,
        site=site_of(page.url),
        title=meta.title,
        author="; ".join(authors) if authors else None,
        authors=list(authors),
        published=meta.published,
        modified=meta.modified,
        language=_language(article_text, words, meta.html_lang),
        sitename=meta.sitename,
        description=meta.description,
        tags=list(meta.tags),
        categories=list(meta.categories),
        image=meta.image,
        text=article_text,
        word_count=words,
        fetched_at=page.fetched_at,
        http_status=page.status,
        crawl_id=page.crawl_id,
        warc=page.warc,
        extractor_version=EXTRACTOR_VERSION,
        text_digest=text_digest(article_text),
    )
    return ExtractResult(article, "article", f"decoded as {encoding}")
