"""Recrawl: every known article is requested conditionally, also when it is reached
through a 301 (the redirect target carries its own validators from the index)."""

from __future__ import annotations

from crawler.demo.server import Route, SiteServer
from tests.conftest import run_cli
from tests.test_incremental import article, home

ARTICLES = ["/news/a1.html", "/news/a2.html", "/news/a3.html"]
MOVED = "/news/moved.html"  # only reachable through /old-url/


def _routes():
    r = {"/robots.txt": Route(status=404, body=b""),
         "/": Route(body=home(ARTICLES + ["/old-url/"])),
         "/old-url/": Route(status=301, redirect_to=MOVED)}
    for i, p in enumerate(ARTICLES + [MOVED]):
        r[p] = Route(body=article(f"Story {i}", i), etag=f'"v1-{i}"',
                     last_modified="Fri, 20 Nov 2026 08:00:00 GMT")
    return r


def _crawl(srv, store):
    proc = run_cli("crawl", srv.base_url + "/", "--store", str(store), "--allow-private",
                   "-s", "CRAWLER_GUESS_SITEMAPS=false", "-s", "CRAWLER_FEEDS=false",
                   "-s", "CRAWLER_RECRAWL_MIN_AGE=0")
    assert proc.returncode == 0, proc.stderr[-3000:]


def _header(entry, name):
    return next((v for k, v in entry.headers if k.lower() == name.lower()), None)


def test_recrawl_conditional_through_redirects(tmp_path):
    store = tmp_path / "store"
    with SiteServer(_routes()) as srv:
        _crawl(srv, store)
        first = {e.path for e in srv.log}
        assert MOVED in first and "/old-url/" in first
        srv.clear_log()
        _crawl(srv, store)
        second = list(srv.log)
    known = [e for e in second if e.path in ARTICLES + [MOVED]]
    assert {e.path for e in known} == set(ARTICLES + [MOVED])
    for e in known:
        i = (ARTICLES + [MOVED]).index(e.path)
        assert _header(e, "If-None-Match") == f'"v1-{i}"', (e.path, e.headers)
        assert _header(e, "If-Modified-Since") == "Fri, 20 Nov 2026 08:00:00 GMT"
        assert e.status == 304
    # the redirect itself is fetched in full (its last capture was a 301, not an article)
    old = [e for e in second if e.path == "/old-url/"]
    assert old and _header(old[0], "If-None-Match") is None
