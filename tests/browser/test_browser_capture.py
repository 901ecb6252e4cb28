"""``crawl --browser``: a script-built article gets its text, everything the browser loaded is
archived byte-exact (so the page replays with its text), a screenshot record is linked to
the page; a crawl without --browser does not import Playwright; a killed Chromium costs at
most one page's rendering."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import subprocess
import sys
import time

from warcio.archiveiterator import ArchiveIterator

from crawler.demo.scripted import build_scripted_site
from crawler.demo.server import Route, SiteServer
from crawler.storage import open_store
from tests.browser.conftest import FAST, chromium_main_pids, fundus_stories, kill, norm, wait_for
from tests.conftest import ROOT, CrawlRun, run_cli
from tests.replay.test_browser import UnframedReplayServer



def _records(store) -> list:
    out = []
    for path in sorted(store.glob("warc/*/*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                out.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI"),
                            dict(rec.rec_headers.headers), rec.content_stream().read()))
    return out


async def _replayed_texts(urls: list[str]) -> dict[str, str]:
    from playwright.async_api import async_playwright

    from crawler.browser import chromium

    out = {}
    async with async_playwright() as pw:
        browser = await chromium.launch(pw, chromium.find_executable(),
                                        ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",))
        for url in urls:
            page = await browser.new_page()
            tracker = chromium.NetworkTracker(page)
            await page.goto(url, wait_until="load", timeout=60_000)
            await chromium.settle(page, tracker, 2.0)
            out[url] = await page.evaluate("() => document.body.innerText")
            await page.close()
        await browser.close()
    return out


def test_browser_crawl_archives_and_extracts_script_built_articles(browser_crawl):
    base, expected, store, run = (browser_crawl[k] for k in ("base", "expected", "store", "run"))
    stats = run.manifest["stats"]
    assert stats.get("browser/pages") == 4 and stats.get("browser/screenshots") == 4, stats
    assert stats.get("browser/recycled/pages", 0) >= 1 and stats.get("browser/launches", 0) >= 2, stats
    logs = {e["path"]: browser_crawl["requests"][e["path"]] for e in expected}
    api = next(p for e in expected if e["kind"] == "fetch" for p in e["resources"] if p.startswith("/api/"))
    api_log = browser_crawl["requests"][api]

    # 1. the JSON: every story's text, the script-built ones included
    articles = {a["url"]: a for a in run.articles()}
    for exp in expected:
        art = articles.get(base + exp["path"])
        assert art is not None, f"{exp['kind']} story not emitted: {sorted(articles)}"
        text = norm(art["text"])
        for para in exp["paragraphs"][:3]:
            assert norm(para) in text, f"{exp['kind']}: {para[:60]!r} missing from {text[:300]!r}"

    # 2. the WARC: what the browser loaded, byte-exact; one screenshot per page, linked to it
    records = _records(store)
    responses = {uri: (headers, body) for kind, uri, headers, body in records if kind == "response"}
    for exp in expected:
        for path in exp["resources"]:
            assert base + path in responses, f"{path} (loaded by the browser) not archived"
    assert len(api_log) == 1, "the JSON was fetched more than once"
    assert responses[base + api][1].endswith(api_log[0].raw_response.split(b"\r\n\r\n", 1)[1])
    assert all(len(v) == 1 for v in logs.values()), "a page was fetched twice (the browser must reuse it)"
    shots = [(uri, h) for kind, uri, h, body in records if kind == "resource" and uri.startswith("urn:screenshot:")]
    assert len(shots) == 4
    ids = {uri: h["WARC-Record-ID"] for kind, uri, h, _ in records if kind == "response"}
    for uri, h in shots:
        page = uri[len("urn:screenshot:"):]
        assert h["Content-Type"] == "image/png"
        assert h["WARC-Concurrent-To"] == ids[page], uri
    assert all(body.startswith(b"\x89PNG") for kind, uri, _, body in records
               if kind == "resource" and uri.startswith("urn:screenshot:"))
    assert subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, run.warc_files())],
                          capture_output=True).returncode == 0

    # 3. the replay: pywb + Chromium, the script-built pages show their text
    scripted = [e for e in expected if e["kind"] != "static"]
    ts = {a["url"]: re.sub(r"\D", "", a["fetched_at"])[:14] for a in articles.values()}
    with UnframedReplayServer(open_store(store), run.manifest["crawl_id"]) as rs:
        urls = {rs.url_for(base + e["path"], timestamp=ts[base + e["path"]], mode="mp_"): e
                for e in scripted}
        texts = asyncio.run(_replayed_texts(list(urls)))
    for url, exp in urls.items():
        for para in exp["paragraphs"][:3]:
            assert norm(para) in norm(texts[url]), f"replay of {exp['kind']} story lacks {para[:60]!r}"


def test_crawl_without_browser_never_imports_playwright(scripted_site, tmp_path):
    srv, expected = scripted_site
    store = tmp_path / "store"
    code = ("import sys; from crawler.cli import main; rc = main(sys.argv[1:]); "
            "assert 'playwright' not in sys.modules, 'playwright imported'; sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code, "crawl", srv.base_url + "/", "--store", str(store),
                           "--allow-private", *FAST], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = CrawlRun(proc.returncode, proc.stdout, proc.stderr, store)
    texts = {a["url"]: norm(a["text"]) for a in run.articles()}
    fetched = next(e for e in expected if e["kind"] == "fetch")
    # without the browser the fetch()-built story is an empty shell: no text of it anywhere
    assert norm(fetched["paragraphs"][0]) not in " ".join(texts.values())
    assert not any(p.startswith("/api/") for p in srv.fetched_paths())


def test_killed_chromium_costs_at_most_one_page(tmp_path):
    routes, expected = build_scripted_site(fundus_stories(6))
    # hold the second fetch()-built story's JSON so that a render is in flight at the kill
    held = [p for e in expected if e["kind"] == "fetch" for p in e["resources"] if p.startswith("/api/")][1]
    routes[held] = Route(body=routes[held].body, content_type="application/json", delay=3.0)
    store = tmp_path / "store"
    with SiteServer(routes) as srv:
        base = srv.base_url
        proc = subprocess.Popen([sys.executable, "-m", "crawler", "crawl", base + "/", "--store", str(store),
                                 "--allow-private", "--browser", *FAST, "-s", "CRAWLER_BROWSER_CONCURRENCY=1"],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: srv.requests_for(held), 120, "the held JSON to be requested")
            victims = wait_for(lambda: chromium_main_pids(proc.pid), 10, "the crawl's Chromium")
            for pid in victims:
                kill(pid)
            out, err = proc.communicate(timeout=240)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 0, err[-3000:]
    run = CrawlRun(proc.returncode, out, err, store)
    stats = run.manifest["stats"]
    assert stats.get("browser/crashes", 0) >= 1 and stats.get("browser/launches", 0) >= 2, stats
    articles = {a["url"]: norm(a["text"]) for a in run.articles()}
    missing = [e["path"] for e in expected
               if norm(e["paragraphs"][0]) not in articles.get(base + e["path"], "")]
    assert len(missing) <= 1, f"pages that lost their text to the crash: {missing}"
    assert len(articles) >= len(expected) - 1
    assert not chromium_main_pids(proc.pid)


def test_browser_requests_obey_robots_ssrf_guard_and_deny(tmp_path):
    """What the browser asks for goes through the downloader middlewares: robots.txt, the SSRF
    guard (only 127.0.0.1 allowed here: 127.0.0.2 is a private address) and CRAWLER_DENY."""
    (title, paragraphs), = fundus_stories(1)
    with SiteServer({}, host="127.0.0.2") as other, SiteServer({}) as srv:
        other.routes["/cdn.js"] = Route(body=b"document.title = 'cdn';", content_type="application/javascript")
        page = ("<!DOCTYPE html><html><head><title>{t}</title><meta property='og:type' content='article'>"
                "<script src='{o}/cdn.js'></script></head><body><article><h1>{t}</h1>{p}"
                "<img src='/private/pixel.png'><img src='/ads/banner.png'><img src='/img/ok.png'>"
                "</article></body></html>").format(t=title, o=other.base_url,
                                                   p="".join(f"<p>{x}</p>" for x in paragraphs))
        img = Route(body=b"\x89PNG\r\n\x1a\n", content_type="image/png")
        srv.routes.update({
            "/robots.txt": Route(body=b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
            "/news/embeds.html": Route(body=page.encode()),
            "/private/pixel.png": img, "/ads/banner.png": img, "/img/ok.png": img,
        })
        proc = run_cli("crawl", srv.base_url + "/news/embeds.html", "--store", str(tmp_path / "s"), "--browser",
                       "--depth", "0", *FAST, "-s", 'CRAWLER_ALLOWED_NETWORKS=["127.0.0.1/32"]',
                       "-s", 'CRAWLER_DENY=["/ads/"]', timeout=180)
        fetched = srv.fetched_paths()
        other_fetched = other.fetched_paths()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "/img/ok.png" in fetched  # the control: browser requests do get fetched
    assert "/private/pixel.png" not in fetched and "/ads/banner.png" not in fetched
    assert other_fetched == []
    stats = CrawlRun(proc.returncode, proc.stdout, proc.stderr, tmp_path / "s").manifest["stats"]
    assert stats.get("browser/requests/failed", 0) >= 2 and stats.get("browser/requests/blocked", 0) >= 1, stats
