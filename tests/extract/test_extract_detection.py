"""Article vs listing vs non-HTML classification."""

from __future__ import annotations

import json

import pytest

from crawler.extract import extract_page
from crawler.extract.detect import classify_url

from _extract_cases import EN_1, EN_2, ps
from _extract_helpers import make_page

TEASERS = [
    ("Council approves harbour market hall after long debate", "The grain terminal will keep its brick facade and host forty stalls."),
    ("Volunteers finish restoring the valley signal box", "Visitors can pull the levers from May on open weekends."),
    ("Early potato harvest starts two weeks ahead of schedule", "Yields are slightly lower after the dry spell in March."),
    ("Library extends evening opening hours for students", "A pilot showed strong demand between seven and nine."),
    ("New cycle bridge passes its first load tests", "Three gravel lorries were driven onto the deck."),
    ("Museum opens a wing devoted to the great flood", "Four thousand donated objects are now on display."),
    ("Ferry strike called off after overnight talks", "Unions and operators agreed on a new rota."),
    ("Lifeboat crew honoured for winter rescue", "The crew saved six people from a stranded yacht."),
]


def listing_html(extra_head: str = "", h1: str = "") -> str:
    cards = "".join(
        f'<article class="card"><h2><a href="/news/2024/03/{i}/{t.lower().replace(" ", "-")}">{t}</a></h2><p>{s}</p></article>'
        for i, (t, s) in enumerate(TEASERS)
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Harbour News</title>{extra_head}</head>
<body><header><a href="/">Harbour News</a></header><main>{h1}{cards}</main><footer>© Harbour News</footer></body></html>"""


ARTICLE_HTML = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Market hall</title>
<meta property="og:type" content="article"></head><body><main><article><h1>Grain terminal to become market hall</h1>
{ps(EN_1 + EN_2)}</article></main></body></html>"""


@pytest.mark.parametrize(
    "url,head",
    [
        ("https://harbour-news.example/", '<meta property="og:type" content="website">'),
        ("https://harbour-news.example/", ""),
        ("https://harbour-news.example/tag/harbour/", ""),
        ("https://harbour-news.example/category/local/", '<meta property="og:type" content="website">'),
        ("https://harbour-news.example/page/2/", ""),
        ("https://harbour-news.example/news/?page=3", ""),
        ("https://harbour-news.example/author/ed-porter/", '<meta property="og:type" content="profile">'),
        ("https://harbour-news.example/?s=harbour", ""),
        ("https://harbour-news.example/2024/03/", ""),
        ("https://harbour-news.example/local/", ""),
        (
            "https://harbour-news.example/topics/ports-and-shipping-news-coverage-overview",
            '<script type="application/ld+json">{"@context":"https://schema.org","@type":"CollectionPage","name":"Ports"}</script>',
        ),
    ],
)
def test_listing_pages(url, head):
    res = extract_page(make_page(url, listing_html(head, "<h1>Latest news</h1>")))
    assert res.kind == "listing", res.reason
    assert res.article is None


def test_listing_even_with_article_og_type_when_mostly_links():
    links = "".join(f'<li><a href="/news/{i}/story-number-{i}-about-the-harbour-and-the-town">Story number {i} about the harbour and the town council meeting</a></li>' for i in range(40))
    html = f"""<html><head><meta property="og:type" content="article"><title>Archive</title></head><body><main><h1>All our harbour stories</h1>
<ul>{links}</ul></main></body></html>"""
    res = extract_page(make_page("https://harbour-news.example/harbour-stories-collected-in-one-place", html))
    assert res.kind == "listing", res.reason


def test_structured_article_beats_weak_url_hint():
    html = ARTICLE_HTML.replace(
        '<meta property="og:type" content="article">',
        '<meta property="og:type" content="article"><script type="application/ld+json">{"@type":"NewsArticle","headline":"Grain terminal to become market hall"}</script>',
    )
    res = extract_page(make_page("https://harbour-news.example/section/local/", html))
    assert res.kind == "article", res.reason


def test_news_sitemap_hint_counts_as_article_evidence():
    html = ARTICLE_HTML.replace('<meta property="og:type" content="article">', "")
    res = extract_page(make_page("https://harbour-news.example/local/market/", html, hints={"source": "news-sitemap"}))
    assert res.kind == "article", res.reason
    res = extract_page(make_page("https://harbour-news.example/local/market/", listing_html(), hints={"source": "link"}))
    assert res.kind == "listing", res.reason


def test_plain_article_without_structured_data_is_article():
    html = ARTICLE_HTML.replace('<meta property="og:type" content="article">', "")
    res = extract_page(make_page("https://harbour-news.example/2024/03/12/grain-terminal-market-hall/", html))
    assert res.kind == "article", res.reason


def test_wordpress_query_post_id_at_root_is_not_root():
    assert classify_url("https://blog.example/?p=123") is None
    assert classify_url("https://blog.example/") == "root"
    assert classify_url("https://blog.example/index.html") == "root"
    assert classify_url("https://blog.example/tag/politics/page/3/") == "pagination"
    assert classify_url("https://blog.example/category/news/2024/05/long-article-slug-with-many-words/") is None
    assert classify_url("https://blog.example/2024/05/long-article-slug-with-many-words/") is None


def test_too_short():
    html = "<html><head><title>Note</title></head><body><article><h1>Note</h1><p>The office is closed on Monday because of the public holiday.</p></article></body></html>"
    res = extract_page(make_page("https://harbour-news.example/2024/05/office-closed-monday-holiday/", html))
    assert res.kind == "too_short"
    assert res.article is None


@pytest.mark.parametrize(
    "content_type,body",
    [
        ("application/pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"),
        ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40),
        ("application/json", json.dumps({"headline": "Not a page", "body": "<p>x</p>"}).encode()),
        ("", b"%PDF-1.4 no content type header at all"),
        ("text/html", b"%PDF-1.4 mislabeled as html"),
        ("application/octet-stream", b"\x00\x01\x02\x03binary junk\xff\xfe"),
        ("text/css", b"body { color: red }"),
    ],
)
def test_not_html(content_type, body):
    res = extract_page(make_page("https://harbour-news.example/file", body, content_type=content_type))
    assert res.kind == "not_html", res.reason
    assert res.article is None


def test_missing_content_type_but_html_body_is_extracted():
    res = extract_page(make_page("https://harbour-news.example/2024/03/12/grain-terminal-market-hall/", ARTICLE_HTML, content_type=""))
    assert res.kind == "article", res.reason


def test_garbage_does_not_raise():
    for body in (b"", b"   ", b"<html", b"<<<>>>", b"\x00" * 5000, b"<html><body>" + b"<div>" * 3000 + b"x"):
        res = extract_page(make_page("https://harbour-news.example/x/weird-page-slug-here", body))
        assert res.kind in ("error", "too_short", "not_html", "listing"), res


# --- page structure first, URL shape last (issue 18) ----------------------------------------------

NAV_LINKS = "".join(f'<li><a href="/news/list.html?section={s}">{s.title()}</a></li>' for s in ("politics", "economy", "society", "culture"))


def board_article_html(paragraphs: list[str], *, with_time: bool = True, og: bool = False) -> str:
    """An article of a board-style CMS (``news_view.html?idx=N``): no JSON-LD, one <h1>, a date."""
    head = '<meta property="og:type" content="article">' if og else ""
    date = '<p class="info"><time datetime="2024-03-12T09:00:00+09:00">2024-03-12 09:00</time></p>' if with_time else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Harbour Daily</title>{head}</head><body>'
            f'<div id="header"><a href="/">Harbour Daily</a><ul class="gnb">{NAV_LINKS}</ul></div>'
            f'<div id="container"><div class="view_head"><h1>Grain terminal to become market hall</h1>{date}</div>'
            f'<div class="view_con">{ps(paragraphs)}</div>'
            f'<div class="btn_list"><a href="/news/list.html?page=1">List</a></div></div>'
            f'<div id="footer"><p>Harbour Daily, 1 Quay Street</p></div></body></html>')


@pytest.mark.parametrize("query", [
    "idx=8576&page=1&sfield=&skey=&sort=new",   # the list page the reader came from
    "idx=8576&page=3",                           # not page 1 either: the id names one document
    "no=8576&pg=2",
    "bo_table=news&wr_id=8576&page=2",
    "articleNo=8576&offset=20",
])
def test_article_with_page_parameter_is_article(query):
    url = f"https://harbour-daily.example/news/news_view.html?{query}"
    res = extract_page(make_page(url, board_article_html(EN_1 + EN_2)))
    assert res.kind == "article", res.reason
    assert "grain terminal will be converted" in res.article.text


def test_page_parameter_without_document_id_is_still_pagination():
    assert classify_url("https://harbour-daily.example/news/list.html?page=2") == "pagination"
    assert classify_url("https://harbour-daily.example/news/?page=3") == "pagination"
    assert classify_url("https://harbour-daily.example/news/list.html?page=1") is None  # the first page: decided by structure
    assert classify_url("https://harbour-daily.example/news/news_view.html?idx=8576&page=1") is None
    assert classify_url("https://harbour-daily.example/view.php?q=harbour&id=3") is None
    assert classify_url("https://harbour-daily.example/view.php?q=harbour") == "listing"
    res = extract_page(make_page("https://harbour-daily.example/news/list.html?page=2", listing_html("", "<h1>Latest news</h1>")))
    assert res.kind == "listing", res.reason


def test_listing_at_first_page_url_is_listing_by_structure():
    res = extract_page(make_page("https://harbour-daily.example/news/list.html?page=1", listing_html("", "<h1>Latest news</h1>")))
    assert res.kind == "listing", res.reason


# 45 words: a news brief
BRIEF = ("The coastal road between the harbour and the lighthouse will close from Monday for two weeks while "
         "engineers replace the sea wall that was damaged in the January storms, the county council said, adding "
         "that buses will use the inland route and add ten minutes to the journey.")


@pytest.mark.parametrize("variant", ["h1+time", "og:type", "json-ld", "byline"])
def test_short_news_brief_with_article_structure_is_kept(variant):
    assert 40 <= len(BRIEF.split()) < 60
    head, top = "", "<h1>Coastal road to close for sea wall repairs</h1>"
    if variant == "h1+time":
        top += '<time datetime="2024-03-12">12 March 2024</time>'
    elif variant == "og:type":
        head = '<meta property="og:type" content="article">'
    elif variant == "json-ld":
        head = '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"Coastal road to close"}</script>'
    else:
        top += '<p class="byline">By <a rel="author" href="/staff/ed-porter">Ed Porter</a></p>'
    html = (f'<html lang="en"><head><title>Coastal road to close</title>{head}</head><body><header><a href="/">Harbour News</a></header>'
            f'<main><article>{top}<p>{BRIEF}</p></article></main><footer>© Harbour News</footer></body></html>')
    res = extract_page(make_page("https://harbour-news.example/2024/03/12/coastal-road-to-close-for-sea-wall-repairs/", html))
    assert res.kind == "article", res.reason
    assert res.article.word_count >= 40
    assert "engineers replace the sea wall" in res.article.text


def test_short_text_without_article_structure_is_too_short():
    html = (f'<html lang="en"><head><title>Notice</title></head><body><header><a href="/">Harbour News</a></header>'
            f'<main><div class="notice"><p>{BRIEF}</p></div></main><footer>© Harbour News</footer></body></html>')
    res = extract_page(make_page("https://harbour-news.example/2024/03/12/coastal-road-to-close-for-sea-wall-repairs/", html))
    assert res.kind == "too_short", res.reason
