"""The crawl's Dedup service: URL states cached for the life of a fetch, and URLs whose
article records were recovered from a killed run counted as done."""

from __future__ import annotations

from scrapy.utils.test import get_crawler

from crawler.archive.httpmsg import parse_head
from crawler.context import RunContext
from crawler.dedup.service import Dedup


def _crawler(tmp_path, **settings):
    return get_crawler(settings_dict={"CRAWLER_STORE": str(tmp_path / "store"), **settings})


def test_url_state_read_once_per_fetch(tmp_path, monkeypatch):
    dedup = Dedup.of(_crawler(tmp_path))
    reads = []
    real = dedup.index.get_url
    monkeypatch.setattr(dedup.index, "get_url", lambda url: reads.append(url) or real(url))
    url = "https://news.example.com/2026/11/30/story.html"
    assert dedup.fetch_decision(url) == ("fetch", None)
    head = parse_head(b'HTTP/1.1 200 OK\r\nETag: "v1"\r\n\r\n')
    dedup.remember_url(url, 200, head, "sha1:AAAA", "2026-11-30T10:00:00.000000Z")
    dedup.mark_article(url, "a1")
    assert reads == [url]  # one look-up; the later steps use the cached state
    dedup.index.flush()
    state = real(url)
    assert (state.etag, state.payload_digest, state.last_status, state.article_id) == ('"v1"', "sha1:AAAA", 200, "a1")
    # the cache hands out copies: changing one changes nothing else
    decision, cached = dedup.fetch_decision(url)
    cached.article_id = "changed"
    assert dedup.has_article(url) and dedup.fetch_decision(url)[1].article_id == "a1"
    dedup.close()


def test_recovered_records_count_as_done(tmp_path):
    # a killed run wrote these JSON lines but never committed the URLs' states
    now = "2026-11-30T10:00:00.000000Z"
    crawler = _crawler(tmp_path)
    ctx = RunContext.of(crawler)
    url = "https://news.example.com/2026/11/30/story.html"
    ctx.recovered_articles = [
        {"url": url, "id": "a1", "http_status": 200, "fetched_at": now, "warc": {"payload_digest": "sha1:AAAA"}},
        {"url": 7, "id": None},  # malformed lines are ignored
    ]
    dedup = Dedup.of(crawler)
    dedup.now = dedup.now.replace(year=2026, month=11, day=30, hour=10, minute=5)
    decision, state = dedup.fetch_decision(url)
    assert decision == "skip"  # finished minutes ago: not fetched again
    assert (state.article_id, state.last_status, state.payload_digest) == ("a1", 200, "sha1:AAAA")
    assert dedup.has_article(url)
    dedup.close()
