"""Acceptance (issue 17, browser capture): a ``--browser`` crawl of the two-host fixture site
(every kind of page resource, a CDN, lazy images) plus script-built articles -- one whose text
arrives through fetch() of a JSON file, one through an inserted script -- has their text in
the JSON and in the replay (pywb + Chromium, the DOM read), and the replay check passes on
every page against the capture's own screenshots, with the site gone."""

from __future__ import annotations

import asyncio
import json
import re

from crawler.demo.requisites import RequisiteSite
from crawler.demo.scripted import scripted_articles
from crawler.replay.qa import UnframedReplayServer, run_qa
from crawler.storage import open_store
from tests.browser.conftest import FAST, fundus_stories, norm
from tests.browser.test_browser_capture import _replayed_texts
from tests.conftest import CrawlRun, run_cli


def test_browser_crawl_of_the_resource_site_with_script_built_articles(tmp_path):
    routes, expected = scripted_articles(fundus_stories(2))
    store = tmp_path / "archive"
    with RequisiteSite() as site:
        site.site.routes.update(routes)
        base = site.base_url
        seeds = [base + "/"] + [base + e["path"] for e in expected]
        proc = run_cli("crawl", *seeds, "--store", str(store), "--allow-private", "--browser", *FAST, timeout=300)
        pages = site.page_urls
        served = {p for p in site.site.fetched_paths()}
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert {e["resources"][0] for e in expected} <= served
    run = CrawlRun(proc.returncode, proc.stdout, proc.stderr, store)
    articles = {a["url"]: a for a in run.articles()}
    for exp in expected:
        art = articles.get(base + exp["path"])
        assert art is not None, f"{exp['kind']} article not emitted"
        for para in exp["paragraphs"][:3]:
            assert norm(para) in norm(art["text"]), (exp["kind"], para[:60])

    # the site is gone: the replay check compares each replay with its capture screenshot
    report = run_qa(open_store(str(store)), live=False, all_pages=True)
    by_url = {p["url"]: p for p in report["pages"]}
    assert set(pages) | {base + e["path"] for e in expected} <= set(by_url)
    for url, page in by_url.items():
        assert page["reference"] == "capture", url
        assert page["missing"] == [] and page["diff"] <= 1.0 and page["passed"], (url, page["missing"], page["diff"])
    print(json.dumps(report["summary"]))

    # and the replayed DOM holds the script-built text
    ts = {u: re.sub(r"\D", "", a["fetched_at"])[:14] for u, a in articles.items()}
    with UnframedReplayServer(open_store(str(store)), run.manifest["crawl_id"]) as rs:
        urls = {rs.url_for(base + e["path"], timestamp=ts[base + e["path"]], mode="mp_"): e for e in expected}
        texts = asyncio.run(_replayed_texts(list(urls)))
    for url, exp in urls.items():
        for para in exp["paragraphs"][:3]:
            assert norm(para) in norm(texts[url]), f"replay of the {exp['kind']} article lacks {para[:60]!r}"
