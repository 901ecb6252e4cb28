"""``crawler crawl --metrics-port``: the counters read over HTTP while the crawl runs."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from crawler.demo.server import Route, SiteServer
from crawler.metrics.server import scrape, total
from tests.conftest import ROOT
from tests.observe.sites import fundus_pages, news_site


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout: float = 90.0, what: str = "condition"):
    """Poll ``condition()`` (an HTTP scrape) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except (OSError, urllib.error.URLError) as exc:
            last_exc = exc
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} (last error: {last_exc})")


def test_crawl_serves_metrics_while_running(tmp_path):
    gate = threading.Event()
    slow_html = fundus_pages(7)[-1][1]

    def held(target: str) -> Route:
        gate.wait(120)  # the crawl cannot finish before the test has read its metrics
        return Route(body=slow_html)

    routes, paths = news_site(6, extra_links=["/gate/late-story.html"])
    routes["/gate/*"] = Route(dynamic=held)
    port = free_port()
    store = tmp_path / "store"
    with SiteServer(routes) as site:
        cmd = [sys.executable, "-m", "crawler", "crawl", site.url("/"), "--store", str(store),
               "--allow-private", "--depth", "1", "--metrics-port", str(port),
               "-s", "EXTRACT_WORKERS=1", "-s", "CRAWLER_SITEMAPS=false", "-s", "CRAWLER_FEEDS=false",
               "-s", "CRAWLER_RESOURCES=false"]  # resources irrelevant here and slow (hundreds per page)
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            url = f"http://127.0.0.1:{port}/metrics"

            def six_articles():
                s = scrape(url)
                return s if total(s, "newsarchiver_articles_written_total") >= 6 else None

            s = wait_for(six_articles, what="6 articles in the metrics")
            assert proc.poll() is None, "the crawl should still be running (held by the gate)"
            assert s["newsarchiver_crawl_running"] == 1
            assert s['newsarchiver_pages_fetched_total{source="seed",status="200"}'] == 1
            assert s['newsarchiver_pages_fetched_total{source="robots",status="200"}'] == 1
            assert s['newsarchiver_pages_fetched_total{source="link",status="200"}'] >= 6
            assert total(s, "newsarchiver_archived_bytes_total") > 0
            assert s["newsarchiver_extraction_workers"] >= 1
            assert s["newsarchiver_extraction_seconds_count"] >= 1
            assert s["newsarchiver_pending_uploads"] == 0
            info = [k for k in s if k.startswith("newsarchiver_crawl_info{")]
            assert len(info) == 1 and str(store) in info[0]
            # the endpoint is announced in the store's state folder for the dashboard
            announced = list((store / "state" / "metrics").glob("*.json"))
            assert len(announced) == 1 and json.loads(announced[0].read_text())["url"] == url
            # the dashboard shows the running crawl's progress from the announced endpoint
            from crawler.dashboard.data import StoreView

            view = StoreView(str(store))
            live = view.live()
            assert len(live) == 1 and live[0]["running"] and live[0]["articles"] >= 6
            assert live[0]["pages"] >= 8 and live[0]["crawl_id"] == json.loads(announced[0].read_text())["crawl_id"]
            spooling = view.spooling()  # and, without metrics, from its spool folder
            assert [c["crawl_id"] for c in spooling] == [live[0]["crawl_id"]] and spooling[0]["bytes"] > 0
            # bound to loopback only
            assert ("127.0.0.1", port) == _bound_address(port)
        finally:
            gate.set()
            out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=2)
    assert not list((store / "state" / "metrics").glob("*.json"))
    assert StoreView(str(store)).live() == []  # finished: nothing running
    manifest = json.loads(next((store / "manifests").glob("*.json")).read_text())
    assert manifest["stats"]["articles/written"] >= 7


def _bound_address(port: int) -> tuple[str, int]:
    """Where the endpoint listens: it answers on 127.0.0.1, and not on another local address."""
    urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read()
    with socket.socket() as s:
        s.settimeout(1)
        host = socket.gethostbyname(socket.gethostname())
        if not host.startswith("127."):
            assert s.connect_ex((host, port)) != 0
    return ("127.0.0.1", port)
