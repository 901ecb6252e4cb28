"""The dashboard in headless Chromium (Debian's ``chromium``, driven by Playwright):
from the runs table to a run, to one of its articles, to its replay in pywb."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from crawler.cli import main
from crawler.demo.server import SiteServer
from tests.conftest import ROOT
from tests.observe.sites import news_site
from tests.observe.test_metrics import free_port, wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run"]


@pytest.fixture(scope="module")
def crawled_store(tmp_path_factory):
    """A real crawl of a small site built from real news pages, and its search index."""
    store = tmp_path_factory.mktemp("dash") / "archive"
    routes, paths = news_site(4)
    with SiteServer(routes) as site:
        proc = subprocess.run([sys.executable, "-m", "crawler", "crawl", site.url("/"), "--store", str(store),
                               "--allow-private", "--depth", "1", "-s", "EXTRACT_WORKERS=1",
                               "-s", "CRAWLER_SITEMAPS=false", "-s", "CRAWLER_FEEDS=false",
                               "-s", "CRAWLER_RESOURCES=false"],  # resources irrelevant here and slow (hundreds per real page, one host)
                              cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    assert main(["search", "--reindex", "--store", str(store)]) == 0
    return store


@pytest.fixture
def dashboard(crawled_store, tmp_path):
    port = free_port()
    log = open(tmp_path / "dashboard.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "crawler", "dashboard", "--store", str(crawled_store),
                             "--port", str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: urllib.request.urlopen(base + "/healthz", timeout=2).status == 200, 60, "the dashboard")
        yield base
    finally:
        proc.terminate()  # SIGTERM: the dashboard stops pywb too
        proc.wait(30)
        log.close()


def test_run_to_article_to_replay_in_chromium(dashboard, crawled_store, tmp_path):
    from playwright.sync_api import sync_playwright

    before = sorted(p.relative_to(crawled_store).as_posix() for p in crawled_store.rglob("*") if p.is_file())
    shots = tmp_path / "shots"
    shots.mkdir()
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1000})
        try:
            page = ctx.new_page()
            page.goto(dashboard + "/")
            assert page.locator("table.runs a.run-link").count() == 1
            assert page.locator("svg title", has_text="Articles per site per day").count() == 1
            assert page.locator("table.articles a.article-link").count() == 4
            page.screenshot(path=str(shots / "overview.png"), full_page=True)

            page.locator("table.runs a.run-link").first.click()
            page.wait_for_load_state()
            crawl_id = page.locator("h1 .mono").inner_text()
            assert "/run/" + crawl_id in page.url
            page.locator("table.articles a.article-link").first.click()
            page.wait_for_load_state()
            title = page.locator("h1").inner_text()
            assert "/article/" in page.url and title
            # the article's cleaned JSON, as linked
            rid = page.url.rsplit("/", 1)[1]
            record = json.loads(urllib.request.urlopen(f"{dashboard}/article/{rid}.json", timeout=10).read())
            assert record["title"] == title and record["crawl_id"] == crawl_id

            page.set_default_navigation_timeout(180_000)  # pywb starts on first use
            page.locator("#replay-link").click()
            page.wait_for_url("**/archive/*/**", timeout=180_000)
            page.wait_for_load_state("load")
            frame = next((f for f in page.frames if "mp_/" in f.url), None)
            assert frame is not None, [f.url for f in page.frames]
            frame.wait_for_load_state("load")
            assert record["url"] in frame.url
            assert title[:30] in frame.locator("body").inner_text()  # the archived page, replayed
            page.screenshot(path=str(shots / "replay.png"))

            # the search box: the article comes first for its own title
            page.goto(dashboard + "/")
            page.fill("header input[type=search]", title)
            page.press("header input[type=search]", "Enter")
            page.wait_for_load_state()
            assert page.locator(".hit a.hit-link").first.inner_text() == title
            assert page.locator(".hit mark").count() > 0
        finally:
            ctx.close()
    assert (shots / "overview.png").stat().st_size > 10_000 and (shots / "replay.png").stat().st_size > 10_000
    # the WARC record link serves the capture byte for byte
    w = record["warc"]
    raw = urllib.request.urlopen(f"{dashboard}/article/{rid}/warc", timeout=10).read()
    warc = next(crawled_store.glob(f"warc/{crawl_id}/{w['filename']}")).read_bytes()
    assert raw == warc[w["offset"]:w["offset"] + w["length"]]
    after = sorted(p.relative_to(crawled_store).as_posix() for p in crawled_store.rglob("*") if p.is_file())
    assert after == before  # the dashboard wrote nothing to the store
