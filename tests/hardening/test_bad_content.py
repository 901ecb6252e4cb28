"""Hostile content: truncated/malformed HTML, wrong or missing charsets, binary bodies
served as text/html, responses cut or garbled by the server.  One crawl of the
``content`` group of the hostile site."""

from __future__ import annotations

import pytest

from crawler.demo.hostile import CONTENT_ARTICLES
from tests.hardening._support import check_good_articles, check_memory, check_outputs
from tests.hardening.conftest import CrawlSpec

CRAWL = CrawlSpec("content", groups=("content",))

#: strings that only appear when text was decoded with the wrong codec
MOJIBAKE = ("\ufffd", "Ã", "â€", "Â", "ď", "ŕ", "Ĺ")


def test_crawl_finishes_and_everything_written_is_sound(hostile):
    check_outputs(hostile.run)
    check_good_articles(hostile.run, hostile.base)


def test_memory_bounded(hostile):
    check_memory(hostile.run)


@pytest.mark.parametrize("path", sorted(CONTENT_ARTICLES))
def test_badly_labelled_and_malformed_pages_still_make_clean_articles(hostile, path):
    arts = hostile.run.articles_by_url()
    url = hostile.url(path)
    assert url in arts, f"no article for {path}\n{hostile.run.describe()}"
    text = arts[url]["text"]
    assert CONTENT_ARTICLES[path] in (arts[url]["title"] or "") + "\n" + text
    assert not [m for m in MOJIBAKE if m in text], f"mojibake in {path}: {text[:300]!r}"
    assert "\x00" not in text and "\x1b" not in text


def test_cp1252_labelled_utf8_decodes_as_windows_1252(hostile):
    """Western text mislabelled UTF-8 must come out as windows-1252 (the WHATWG fallback
    for such pages), not as another single-byte code page that happens to decode too:
    'naïve' must not turn into 'naďve' (cp1250)."""
    art = hostile.run.articles_by_url()[hostile.url("/charset/cp1252-labelled-utf8.html")]
    assert "naïve mural" in art["text"], art["text"][:400]
    assert "€120,000" in art["text"]


def test_japanese_page_language(hostile):
    art = hostile.run.articles_by_url()[hostile.url("/charset/shift-jis-meta-only.html")]
    assert art["language"] == "ja"
    assert art["title"].startswith("図書館の開館時間を延長")


@pytest.mark.parametrize("path", ["/binary/random-bytes.html", "/binary/png-as-html.html",
                                  "/binary/gzip-as-html.html"])
def test_binary_served_as_html_is_archived_but_makes_no_article(hostile, path):
    url = hostile.url(path)
    recs = hostile.run.responses(url)
    assert len(recs) == 1 and recs[0][1].startswith(b"HTTP/1.1 200 OK")
    assert "WARC-Truncated" not in recs[0][0]
    assert url not in hostile.run.articles_by_url()
    assert len(hostile.run.log_lines_for(url)) == 1


def test_binary_pages_are_counted(hostile):
    stats = hostile.run.stats
    assert stats.get("extract/not_html", 0) + stats.get("extract/error", 0) >= 3, stats


def test_deeply_nested_page_does_not_break_the_crawl(hostile):
    url = hostile.url("/malformed/deeply-nested.html")
    assert len(hostile.run.responses(url)) == 1
    assert hostile.run.log_lines_for(url)


def test_response_cut_by_server_is_archived_truncated_disconnect(hostile):
    url = hostile.url("/malformed/dataloss.html")
    recs = hostile.run.responses(url)
    assert recs, hostile.run.describe()
    for headers, block in recs:
        assert headers.get("WARC-Truncated") == "disconnect"
        assert block.startswith(b"HTTP/1.1 200 OK") and b"Data loss story" in block
    lines = hostile.run.log_lines_for(url)
    assert lines and all("truncated:disconnect" in line for line in lines)
    assert hostile.run.stats.get("warc/truncated/disconnect", 0) >= 1
    assert any(url in line for line in hostile.run.stderr.splitlines())


@pytest.mark.parametrize("path,reason", [
    ("/malformed/bad-status-line.html", "ParseError"),
    ("/malformed/no-http-head.html", "ParseError"),
    ("/malformed/huge-header.html", "Connection"),
    ("/malformed/bad-content-length.html", "non-decimal"),
])
def test_garbled_responses_leave_a_crawl_log_line_and_no_record(hostile, path, reason):
    url = hostile.url(path)
    assert not hostile.run.responses(url), "a response record for an unparseable response"
    lines = hostile.run.log_lines_for(url)
    assert lines, f"no crawl log line for {path}"
    assert all(line.split()[1] == "-1" and reason in line for line in lines), lines
    stderr = [line for line in hostile.run.stderr.splitlines() if url in line]
    assert stderr, f"nothing on stderr about {path}"
    assert sum(v for k, v in hostile.run.stats.items() if k.startswith("fetch/failed/")) >= 4


def test_content_encoding_gzip_on_plain_body_is_reported(hostile):
    """The body says gzip but is plain HTML: Scrapy's decompression fails and the page is
    dropped.  The capture is fine (archived as received); the failure must be visible in
    one warning line on stderr, not only at INFO level."""
    url = hostile.url("/malformed/not-gzip-but-says-so.html")
    recs = hostile.run.responses(url)
    assert len(recs) == 1 and b"Content-Encoding: gzip" in recs[0][1]
    assert url not in hostile.run.articles_by_url()
    assert hostile.run.stats.get("fetch/errors", 0) >= 1
    lines = [line for line in hostile.run.stderr.splitlines() if url in line]
    assert lines, "the dropped page left no line on stderr (spider.on_error logs at INFO)"
