"""Size and time limits: 50 MB pages (Content-Length, chunked, until close) cut at
DOWNLOAD_MAXSIZE (5 MB here), gzip/brotli/deflate decompression bombs, a server that
stalls mid-body and one that never answers (DOWNLOAD_TIMEOUT 4 s).  One crawl of the
``limits`` group of the hostile site."""

from __future__ import annotations

import pytest

from crawler.demo.hostile import LIMIT_BIG, LIMIT_BOMBS, LIMIT_STALL_BODY, LIMIT_STALL_HEAD, MB
from tests.hardening._support import check_good_articles, check_memory, check_outputs
from tests.hardening.conftest import CrawlSpec

MAXSIZE = 5 * MB
TIMEOUT = 4
CRAWL = CrawlSpec("limits", groups=("limits",), settings={
    "DOWNLOAD_MAXSIZE": MAXSIZE, "DOWNLOAD_WARNSIZE": MB, "DOWNLOAD_TIMEOUT": TIMEOUT,
}, site_options={"big_size": 50 * MB, "bomb_size": 64 * MB})


def test_crawl_finishes_and_everything_written_is_sound(hostile):
    check_outputs(hostile.run)
    check_good_articles(hostile.run, hostile.base)


def test_memory_bounded(hostile):
    check_memory(hostile.run)
    # The bombs inflate to 64 MB each and the big pages are 50 MB: nothing near that
    # may have been held by the crawler.
    assert hostile.run.stats["memusage/max"] - hostile.run.stats["memusage/startup"] < 200 * MB


@pytest.mark.parametrize("path", LIMIT_BIG)
def test_big_page_cut_at_maxsize_and_archived_truncated_length(hostile, path):
    url = hostile.url(path)
    recs = hostile.run.responses(url)
    # One record cut at DOWNLOAD_MAXSIZE ("length").  On a loaded machine a first attempt
    # may hit DOWNLOAD_TIMEOUT before 5 MB arrived: archived as "time" and retried.
    assert [h.get("WARC-Truncated") for h, _ in recs].count("length") == 1, [h for h, _ in recs]
    for headers, block in recs:
        assert headers.get("WARC-Truncated") in ("length", "time")
        assert block.startswith(b"HTTP/1.1 200 OK")
        assert len(block) <= MAXSIZE + 256 * 1024 + 4096
    assert url not in hostile.run.articles_by_url()
    lines = hostile.run.log_lines_for(url)
    assert len(lines) == len(recs) and sum("truncated:length" in line for line in lines) == 1
    assert any(url in line and "max size" in line for line in hostile.run.stderr.splitlines())


def test_big_pages_counted(hostile):
    assert hostile.run.stats.get("warc/truncated/length", 0) == len(LIMIT_BIG)


@pytest.mark.parametrize("path", LIMIT_BOMBS)
def test_decompression_bomb_dropped_at_maxsize(hostile, path):
    url = hostile.url(path)
    recs = hostile.run.responses(url)
    # archived exactly as received: a small compressed body, complete (not truncated)
    assert len(recs) == 1
    headers, block = recs[0]
    assert "WARC-Truncated" not in headers
    assert len(block) < 200_000 and b"Content-Encoding: " in block
    assert url not in hostile.run.articles_by_url()
    assert len(hostile.run.log_lines_for(url)) == 1
    lines = [line for line in hostile.run.stderr.splitlines() if url in line]
    assert any("DOWNLOAD_MAXSIZE" in line for line in lines), lines


def test_bombs_counted(hostile):
    assert hostile.run.stats.get("fetch/errors", 0) >= len(LIMIT_BOMBS)


def test_stall_mid_body_archived_truncated_time(hostile):
    url = hostile.url(LIMIT_STALL_BODY)
    recs = hostile.run.responses(url)
    assert recs and hostile.served(LIMIT_STALL_BODY) == len(recs)  # every attempt archived
    for headers, block in recs:
        assert headers.get("WARC-Truncated") == "time"
        assert block.startswith(b"HTTP/1.1 200 OK") and b"Stalled story" in block
    lines = hostile.run.log_lines_for(url)
    assert len(lines) == len(recs) and all("truncated:time" in line for line in lines)
    assert hostile.run.stats.get("warc/truncated/time", 0) >= len(recs)
    assert any(url in line and f"took longer than {TIMEOUT:.1f} seconds" in line
               for line in hostile.run.stderr.splitlines())


def test_no_answer_is_a_logged_timeout_without_record(hostile):
    url = hostile.url(LIMIT_STALL_HEAD)
    assert not hostile.run.responses(url)
    lines = hostile.run.log_lines_for(url)
    assert lines and all(" -1 " in line and "DownloadTimeoutError" in line for line in lines)
    assert hostile.run.stats.get("fetch/failed/DownloadTimeoutError") == len(lines)
