"""Command-line features of issue 19: --since on feeds, `crawler show` options and URL
canonicalisation, `crawler runs` columns, `crawler demo --serve`."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from crawler.demo.server import Route, SiteServer
from tests.conftest import ROOT, run_cli
from tests.test_cli_terminal import _run_in_pty


def _article(title: str) -> bytes:
    paras = "".join(f"<p>{title} paragraph {i}: " + "the council met again on Tuesday to discuss the "
                    "new budget for the library and the river walk. " * 4 + "</p>" for i in range(6))
    return (f'<html><head><title>{title}</title><meta property="og:type" content="article"></head>'
            f"<body><article><h1>{title}</h1>{paras}</article></body></html>").encode()


def _feed(base: str) -> bytes:
    now = datetime.now(timezone.utc)
    items = [("new", format_datetime(now - timedelta(hours=3))),
             ("old", format_datetime(now - timedelta(days=30))),
             ("undated", None)]
    xml = "".join(f"<item><title>{name}</title><link>{base}/{name}.html</link>"
                  + (f"<pubDate>{date}</pubDate>" if date else "") + "</item>" for name, date in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>{base}/</link>'
            f"{xml}</channel></rss>").encode()


@pytest.fixture(scope="module")
def feed_crawl(tmp_path_factory):
    """A crawl with --since 2d of a site whose articles are found only through its RSS feed."""
    store = tmp_path_factory.mktemp("since-store")
    routes = {"/robots.txt": Route(status=404, body=b""),
              "/new.html": Route(body=_article("New story"), encoding="gzip"),
              "/old.html": Route(body=_article("Old story")),
              "/undated.html": Route(body=_article("Undated story"), chunked=True)}
    today = datetime.now(timezone.utc).strftime("%Y/%m/%d")
    routes[f"/{today}/linked.html"] = Route(body=_article("Linked today"))
    routes["/2020/01/02/linked.html"] = Route(body=_article("Linked long ago"))
    with SiteServer(routes) as srv:
        srv.routes["/"] = Route(body=(f'<html><head><link rel="alternate" type="application/rss+xml" '
                                      f'href="/feed.xml"></head><body>home <a href="/{today}/linked.html">a</a>'
                                      f' <a href="/2020/01/02/linked.html">b</a></body></html>').encode())
        srv.routes["/feed.xml"] = Route(body=_feed(srv.base_url), content_type="application/rss+xml")
        proc = run_cli("crawl", srv.base_url + "/", "--store", str(store), "--allow-private", "--since", "2d",
                       "-s", "CRAWLER_GUESS_SITEMAPS=false")
        fetched = srv.fetched_paths()
        base = srv.base_url
    assert proc.returncode == 0, proc.stderr
    return store, base, fetched, routes


def test_since_filters_feed_entries_and_dated_links(feed_crawl):
    store, _, fetched, _ = feed_crawl
    assert "/new.html" in fetched and "/undated.html" in fetched  # in the window / no date: fetched
    assert "/old.html" not in fetched
    today = datetime.now(timezone.utc).strftime("%Y/%m/%d")
    assert f"/{today}/linked.html" in fetched and "/2020/01/02/linked.html" not in fetched
    manifest = json.loads(next((store / "manifests").glob("*.json")).read_text())
    assert manifest["stats"]["discovery/feed_out_of_window"] == 1
    assert manifest["stats"]["discovery/link_out_of_window"] == 1


def test_url_dates():
    from crawler.discovery.window import url_date_before as _url_date_before

    since = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
    assert _url_date_before("https://n.example/2026/11/20/story.html", since)
    assert _url_date_before("https://n.example/news/2026-11-02-story", since)
    assert not _url_date_before("https://n.example/2026/11/25/story.html", since)  # a day of slack
    assert not _url_date_before("https://n.example/2026/11/", since)  # a month listing
    assert not _url_date_before("https://n.example/story-20261101.html", since)  # not a path date
    assert not _url_date_before("https://n.example/2026/13/40/x", since)


def test_show_canonicalises_the_url_and_decodes(feed_crawl):
    store, base, _, routes = feed_crawl
    host = base.split("://", 1)[1]
    raw = subprocess.run([sys.executable, "-m", "crawler", "show", f"{base}/new.html?utm_source=x#top",
                          "--store", str(store)], cwd=ROOT, capture_output=True, timeout=60)
    assert raw.returncode == 0, raw.stderr
    head, _, body = raw.stdout.partition(b"\r\n\r\n")
    assert b"Content-Encoding: gzip" in head and gzip.decompress(body) == routes["/new.html"].body
    # no scheme, as typed: found; --decoded gives the decompressed body only
    dec = subprocess.run([sys.executable, "-m", "crawler", "show", f"{host}/new.html", "--decoded",
                          "--store", str(store)], cwd=ROOT, capture_output=True, timeout=60)
    assert dec.returncode == 0, dec.stderr
    assert dec.stdout == routes["/new.html"].body
    # chunked: de-chunked by --decoded
    dec = subprocess.run([sys.executable, "-m", "crawler", "show", f"{base}/undated.html", "--decoded",
                          "--store", str(store)], cwd=ROOT, capture_output=True, timeout=60)
    assert dec.stdout == routes["/undated.html"].body
    hdr = subprocess.run([sys.executable, "-m", "crawler", "show", f"{base}/new.html", "--headers",
                          "--store", str(store)], cwd=ROOT, capture_output=True, timeout=60)
    assert hdr.stdout == head + b"\r\n\r\n"
    both = subprocess.run([sys.executable, "-m", "crawler", "show", f"{base}/new.html", "--headers",
                           "--decoded", "--store", str(store)], cwd=ROOT, capture_output=True, timeout=60)
    assert both.stdout == head + b"\r\n\r\n" + routes["/new.html"].body


def test_show_never_writes_gzip_to_a_terminal(feed_crawl):
    store, base, _, _ = feed_crawl
    code, out = _run_in_pty(["show", f"{base}/new.html", "--store", str(store)])
    assert code == 0
    assert b"\x1f\x8b" not in out
    assert b"HTTP/1.1 200" in out and b"gzip-encoded body" in out and b"--decoded" in out


def test_runs_shows_job_and_kind_and_no_none(feed_crawl, tmp_path):
    from crawler.schedule.history import record_skipped

    store, _, _, _ = feed_crawl
    record_skipped(store, "nightly", "already running", {"pid": 1})
    proc = run_cli("runs", "--store", str(store))
    assert proc.returncode == 0, proc.stderr
    header = proc.stdout.splitlines()[2]
    assert "job" in header and "kind" in header
    assert "None" not in proc.stdout
    skipped = [line for line in proc.stdout.splitlines() if "nightly" in line]
    assert len(skipped) == 1 and "skipped" in skipped[0] and "crawl" in skipped[0]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_demo_serve_serves_until_interrupted(stop):
    proc = subprocess.Popen([sys.executable, "-m", "crawler", "demo", "--serve"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()
        assert line.startswith("demo news site serving at http://127.0.0.1:"), line
        url = line.split()[5]  # "demo news site serving at URL"
        import urllib.request

        with urllib.request.urlopen(url, timeout=10) as resp:
            assert b"Millbrook" in resp.read()
        proc.send_signal(stop)
        assert proc.wait(timeout=20) == 0
        err = proc.stderr.read()
        assert "Traceback" not in err and "demo site stopped" in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_read_articles_takes_one_site_as_a_string(feed_crawl):
    from crawler import read_articles

    store = feed_crawl[0]
    as_list = list(read_articles(store, sites=["127.0.0.1"]))
    assert len(as_list) == 3  # new, undated, linked today
    assert list(read_articles(store, sites="127.0.0.1")) == as_list
    assert list(read_articles(store, sites="127.0.0.1", languages="en")) == as_list
    assert list(read_articles(store, sites="example.com")) == []
