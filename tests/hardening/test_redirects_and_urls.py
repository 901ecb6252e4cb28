"""Redirect loops and chains longer than REDIRECT_MAX_TIMES, redirects to non-HTTP
schemes, IDN and percent-encoded URLs, links with non-HTTP schemes.  One crawl of the
``redirects`` group of the hostile site."""

from __future__ import annotations

import pytest

from crawler.demo.hostile import (
    REDIRECT_LONG_CHAIN_END,
    REDIRECT_NO_LOCATION,
    REDIRECT_ODD,
    REDIRECT_SHORT_CHAIN_END,
    UNICODE_ARTICLES,
)
from tests.hardening._support import check_good_articles, check_memory, check_outputs
from tests.hardening.conftest import CrawlSpec

MAX_REDIRECTS = 10
CRAWL = CrawlSpec("redirects", groups=("redirects",), settings={"REDIRECT_MAX_TIMES": MAX_REDIRECTS})


def test_crawl_finishes_and_everything_written_is_sound(hostile):
    check_outputs(hostile.run)
    check_good_articles(hostile.run, hostile.base)


def test_memory_bounded(hostile):
    check_memory(hostile.run)


def test_nothing_but_http_to_the_test_server_was_fetched(hostile):
    uris = {h["WARC-Target-URI"] for h, _ in hostile.run.records()
            if h.get("WARC-Type") in ("response", "request", "revisit")}
    assert uris and all(u.startswith(hostile.base + "/") for u in uris), sorted(uris)
    for line in hostile.run.crawl_log():
        assert line.split()[3].startswith(hostile.base + "/"), line
    blob = b"".join(b for _, b in hostile.run.records())
    assert b"root:x:0:0" not in blob  # file:///etc/passwd was never read


def test_redirect_loops_stop(hostile):
    for path in ("/redirect/loop-a", "/redirect/loop-b", "/redirect/self"):
        assert hostile.served(path) == 1, f"{path} served {hostile.served(path)} times"
        lines = hostile.run.log_lines_for(hostile.url(path))
        assert len(lines) == 1 and lines[0].split()[1] in ("302", "307")


def test_long_redirect_chain_abandoned_at_redirect_max_times(hostile):
    for i in range(MAX_REDIRECTS + 1):
        assert hostile.served(f"/redirect/chain/{i}") == 1, i
        assert len(hostile.run.log_lines_for(hostile.url(f"/redirect/chain/{i}"))) == 1
    assert hostile.served(f"/redirect/chain/{MAX_REDIRECTS + 1}") == 0
    assert hostile.served(REDIRECT_LONG_CHAIN_END) == 0
    assert hostile.run.stats.get("fetch/errors", 0) >= 1


def test_abandoned_redirect_chain_is_reported_in_one_line(hostile):
    """Giving up after REDIRECT_MAX_TIMES hops must be visible at the default log level
    (today: Scrapy logs it at DEBUG and the spider's errback at INFO)."""
    lines = [line for line in hostile.run.stderr.splitlines()
             if "/redirect/chain/" in line and "redirect" in line.lower()]
    assert lines, "no stderr line about the abandoned redirect chain"


def test_short_redirect_chain_followed(hostile):
    url = hostile.url(REDIRECT_SHORT_CHAIN_END)
    arts = hostile.run.articles_by_url()
    assert url in arts and arts[url]["title"] == "End of the short chain"
    meta = [b for h, b in hostile.run.records() if h.get("WARC-Type") == "metadata"
            and h.get("WARC-Target-URI") == url]
    assert len(meta) == 1 and b"via: " in meta[0]


@pytest.mark.parametrize("path", sorted(REDIRECT_ODD) + [REDIRECT_NO_LOCATION])
def test_redirect_to_nowhere_or_non_http_is_archived_and_not_followed(hostile, path):
    url = hostile.url(path)
    assert hostile.served(path) == 1
    recs = hostile.run.responses(url)
    assert len(recs) == 1 and recs[0][1].split(b" ", 2)[1] == b"302"
    assert len(hostile.run.log_lines_for(url)) == 1


@pytest.mark.parametrize("target", sorted(UNICODE_ARTICLES))
def test_percent_encoded_and_utf8_paths_fetched_once_and_extracted(hostile, target):
    assert hostile.served(target) == 1, f"{target} served {hostile.served(target)} times"
    url = hostile.url(target)
    assert len(hostile.run.responses(url)) == 1
    arts = hostile.run.articles_by_url()
    assert url in arts and arts[url]["title"] == UNICODE_ARTICLES[target]


@pytest.mark.parametrize("target", ["/caf%E9", "/a%20b%20c.html", "/encoded%2Fslash.html"])
def test_odd_but_valid_paths_fetched_as_written(hostile, target):
    assert hostile.served(target) == 1
    assert hostile.url(target) in hostile.run.articles_by_url()


def test_non_http_links_never_requested(hostile):
    bad = ("mailto", "javascript", "tel:", "sms:", "data:", "ftp", "file", "about:", "vbscript",
           "chrome", "ws:", "urn:", "b%C3%BCcher", "xn--", "99999", "[")
    for entry in hostile.log:
        if entry.path.startswith("/redirect/"):
            continue
        assert not any(b in entry.path.lower() for b in bad), entry.path
    stats = hostile.run.stats
    # ftp:// and file:// pass Scrapy's LinkExtractor and are refused by the spider;
    # the off-site IDN host is refused by scope
    assert stats.get("discovery/rejected/scheme", 0) >= 2, stats
    assert stats.get("discovery/rejected/off-site", 0) >= 1, stats
