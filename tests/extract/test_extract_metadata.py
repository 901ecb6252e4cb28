"""Metadata fields, determinism and the Article contract."""

from __future__ import annotations

import hashlib
import json
import re

from crawler.extract import EXTRACTOR_VERSION, extract_page
from crawler.record import SCHEMA_VERSION, article_id

from _extract_cases import EN_4, EN_5, ps
from _extract_helpers import make_page

URL = "https://www.bridgeworks.example/engineering/2024/07/18/cycle-bridge-load-test?utm_source=feed"

JSONLD = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebSite", "name": "Bridgeworks", "url": "https://www.bridgeworks.example/"},
        {
            "@type": "NewsArticle",
            "headline": "Cycle bridge passes its first load test",
            "datePublished": "2024-07-18T08:30:00+02:00",
            "dateModified": "2024-07-19T10:05:00+02:00",
            "author": [
                {"@type": "Person", "name": "Jane Doe"},
                {"@type": "Person", "name": "By John Smith"},
                {"@type": "Person", "name": "jane doe"},
            ],
            "publisher": {"@type": "Organization", "name": "Bridgeworks"},
            "keywords": "bridges, cycling, Load testing",
            "articleSection": ["Engineering"],
        },
    ],
}

HTML = f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<title>Cycle bridge passes its first load test | Bridgeworks</title>
<link rel="canonical" href="/engineering/2024/07/18/cycle-bridge-load-test">
<meta property="og:type" content="article">
<meta property="og:title" content="Cycle bridge passes its first load test">
<meta property="og:site_name" content="Bridgeworks">
<meta property="og:image" content="/images/bridge-test.jpg">
<meta name="description" content="Three gravel lorries on the deck: the new cycle bridge bent less than expected.">
<meta property="article:tag" content="Bridges">
<meta property="article:tag" content="River">
<meta property="article:section" content="Engineering">
<script type="application/ld+json">{json.dumps(JSONLD)}</script>
</head><body><main><article><h1>Cycle bridge passes its first load test</h1><p class="byline">By Jane Doe and John Smith</p>
{ps(EN_5 + EN_4)}</article></main></body></html>"""


def test_metadata_fields():
    page = make_page(URL, HTML)
    res = extract_page(page)
    assert res.kind == "article", res.reason
    art = res.article
    assert art.id == article_id(page.warc.record_id, URL)
    assert art.url == URL
    assert art.site == "bridgeworks.example"
    assert art.canonical_url == "https://www.bridgeworks.example/engineering/2024/07/18/cycle-bridge-load-test"
    assert art.title == "Cycle bridge passes its first load test"
    assert art.authors == ["Jane Doe", "John Smith"]
    assert art.author == "Jane Doe; John Smith"
    assert art.published == "2024-07-18T08:30:00+02:00"
    assert art.modified == "2024-07-19T10:05:00+02:00"
    assert art.language == "en"
    assert art.sitename == "Bridgeworks"
    assert art.description == "Three gravel lorries on the deck: the new cycle bridge bent less than expected."
    assert art.tags[:2] == ["Bridges", "River"]
    assert "cycling" in art.tags and "Load testing" in art.tags
    assert len({t.casefold() for t in art.tags}) == len(art.tags)
    assert art.categories == ["Engineering"]
    assert art.image == "https://www.bridgeworks.example/images/bridge-test.jpg"
    assert art.fetched_at == page.fetched_at and art.http_status == 200 and art.crawl_id == "test-crawl"
    assert art.warc == page.warc
    assert art.extractor_version == EXTRACTOR_VERSION
    assert art.schema_version == SCHEMA_VERSION
    normalised = " ".join(art.text.lower().split())
    assert art.text_digest == "sha1:" + hashlib.sha1(normalised.encode()).hexdigest()
    assert art.word_count == len(re.findall(r"\w+(?:['’-]\w+)*", art.text))
    assert art.duplicate_of is None
    json.dumps(art.to_dict())  # JSON-serialisable


def test_id_from_url_without_warc():
    page = make_page(URL, HTML, warc=False)
    art = extract_page(page).article
    assert art.id == article_id(None, URL)
    assert art.warc is None


def test_canonical_on_other_site_is_dropped():
    html = HTML.replace('href="/engineering/2024/07/18/cycle-bridge-load-test"', 'href="https://aggregator.example/story/123"')
    art = extract_page(make_page(URL, html)).article
    assert art.canonical_url is None


def test_canonical_on_other_subdomain_of_same_site_is_kept():
    html = HTML.replace('href="/engineering/2024/07/18/cycle-bridge-load-test"', 'href="https://amp.bridgeworks.example/cycle-bridge-load-test"')
    art = extract_page(make_page(URL, html)).article
    assert art.canonical_url == "https://amp.bridgeworks.example/cycle-bridge-load-test"


def test_meta_tags_without_jsonld_and_news_sitemap_date_fallback():
    html = f"""<html lang="de"><head><meta charset="utf-8"><title>Load test</title>
<meta name="author" content="Max Mustermann, Erika Musterfrau">
<meta property="og:type" content="article"></head><body><article><h1>Load test</h1>{ps(EN_5 + EN_4)}</article></body></html>"""
    page = make_page("https://bridgeworks.example/load-test-of-the-new-cycle-bridge", html, hints={"news_published": "2024-07-18T06:00:00Z"})
    art = extract_page(page).article
    assert art.authors == ["Max Mustermann", "Erika Musterfrau"]
    assert art.published == "2024-07-18T06:00:00+00:00"
    assert art.language == "en"  # text language wins over a wrong html lang
    assert art.tags == [] and art.categories == [] and art.image is None


def test_published_from_htmldate_when_no_structured_date():
    html = f"""<html><head><title>Load test</title></head><body><article><h1>Load test</h1>
<p class="date">Published 18 July 2024</p>{ps(EN_5 + EN_4)}</article></body></html>"""
    art = extract_page(make_page("https://bridgeworks.example/2024/07/18/load-test-of-the-new-cycle-bridge", html)).article
    assert art.published == "2024-07-18"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", art.modified or "2024-07-18")


def test_dates_never_after_fetch_time():
    html = HTML.replace("2024-07-19T10:05:00+02:00", "2031-01-01T00:00:00Z")
    art = extract_page(make_page(URL, html)).article
    assert art.modified is None or art.modified <= "2024-08-02"


def test_determinism_identical_dicts():
    page = make_page(URL, HTML)
    first = extract_page(page).article.to_dict()
    second = extract_page(make_page(URL, HTML)).article.to_dict()
    assert first == second
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
