"""Acceptance (issue 17): a default crawl of the two-host fixture site, replayed in pywb
and loaded in headless Chromium (the replay check of ``crawler qa``), has no missing
resource on its static pages, and each page differs from the live one by at most 1 % of
pixels.  The same check on a crawl without page resources fails, so it can tell."""

from __future__ import annotations

import json

from crawler.demo.requisites import RequisiteSite
from crawler.replay.qa import run_qa
from crawler.storage import open_store
from tests.conftest import run_cli


def crawl_and_check(tmp_path, *args: str) -> tuple[dict, list[str]]:
    store = tmp_path / "archive"
    with RequisiteSite() as site:
        proc = run_cli("crawl", site.base_url + "/", "--store", str(store), "--allow-private", *args)
        assert proc.returncode == 0, proc.stderr[-3000:]
        # while the site still serves: the live pages are the reference screenshots
        report = run_qa(open_store(str(store)), live=True, all_pages=True)
        pages = site.page_urls
    return report, pages


def test_default_crawl_replays_complete_and_as_it_looked(tmp_path):
    report, pages = crawl_and_check(tmp_path)
    by_url = {p["url"]: p for p in report["pages"]}
    assert set(by_url) == set(pages)
    for url in pages:
        page = by_url[url]
        assert page["status"] == 200, page
        assert page["missing"] == [], (url, page["missing"])
        assert page["reference"] == "live" and page["diff"] is not None
        assert page["diff"] <= 1.0, (url, page["diff"])
    summary = report["summary"]
    assert summary["missing_resources"] == 0 and summary["failed"] == 0
    print(json.dumps(summary))


def test_without_resources_the_check_fails(tmp_path):
    report, pages = crawl_and_check(tmp_path, "--no-resources")
    summary = report["summary"]
    assert summary["missing_resources"] > 20
    assert summary["max_diff"] > 1.0
