"""No test, demo or bench may reach a real host: real pages (fundus-eval) are served with
every off-site URL sent to a loopback stand-in, and in loopback-only mode (set for the
whole suite by tests/conftest.py) the network guard refuses any other host by name,
before DNS."""

from __future__ import annotations

import gzip
import os
import re
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from crawler.demo.realsite import build_real_site, dataset_dir, loopback_only_html, names_offsite_host
from crawler.demo.server import SiteServer
from crawler.discovery.netguard import BlockedAddressError, NetGuardMiddleware, is_loopback_name


def test_every_real_page_names_no_real_host_once_rewritten():
    pages = sorted((dataset_dir() / "html").glob("*.html.gz"))
    assert len(pages) >= 80
    for f in pages:
        raw = gzip.decompress(f.read_bytes())
        assert names_offsite_host(raw), f"{f.name}: expected real hosts in the original"
        out = loopback_only_html(raw)
        assert names_offsite_host(out) == [], f.name
        assert {h.lower() for h in re.findall(rb"(?i)https?://([a-z0-9.-]+)", out)} <= {b"127.0.0.2"}, f.name


def test_rewrite_covers_attributes_css_and_scripts():
    page = (b'<html><head><link rel="stylesheet" href="https://cdn.pub.example/a.css">'
            b'<meta property="og:image" content="https://img.pub.example/og.jpg">'
            b"<style>@import url(//fonts.example.net/f.css); @import 'https://x.example/y.css';"
            b" body{background:url('https://img.pub.example/bg.png')}</style>"
            b'<script src="//www.googletagmanager.example/gtm.js"></script>'
            b'<script>var u="https:\\/\\/api.pub.example\\/v1"; // comment\n</script></head>'
            b'<body style="background:url(https://img.pub.example/b.png)">'
            b'<img src="/local.png" srcset="https://img.pub.example/a.jpg 1x,https://img.pub.example/b.jpg 2x"'
            b' data-src="http://lazy.pub.example/l.jpg"><video poster="https://v.pub.example/p.jpg"></video>'
            b'<form action="https://search.pub.example/q"></form>'
            b'<a href="http://127.0.0.1:8000/keep">k</a><a href="/rel">r</a></body></html>')
    out = loopback_only_html(page, "http://127.0.0.2:4567")
    assert names_offsite_host(out) == []
    assert b"pub.example" in out and out.count(b"http://127.0.0.2:4567/") == 12
    assert b'href="http://127.0.0.2:4567/cdn.pub.example/a.css"' in out
    assert b"http:\\/\\/127.0.0.2:4567\\/api.pub.example\\/v1" in out
    assert b'href="http://127.0.0.1:8000/keep"' in out and b'href="/rel"' in out and b"// comment" in out


@pytest.mark.parametrize("host,ok", [("127.0.0.1", True), ("127.9.9.9", True), ("localhost", True),
                                     ("a.localhost", True), ("::1", True), ("10.0.0.1", False),
                                     ("news.example.com", False), ("8.8.8.8", False), ("localhost.evil.com", False)])
def test_loopback_names(host, ok):
    assert is_loopback_name(host) is ok


def test_guard_refuses_non_loopback_by_name_even_with_allow_private():
    assert os.environ.get("NEWSARCHIVER_LOOPBACK_ONLY") == "1"  # set by the session fixture
    stats = MemoryStatsCollector(SimpleNamespace(settings=Settings()))
    mw = NetGuardMiddleware(SimpleNamespace(settings=Settings({"CRAWLER_ALLOW_PRIVATE": True}), stats=stats))
    assert mw.process_request(Request("http://127.0.0.2:9/x")) is None
    for url in ("https://cdn.pub.example/a.js", "http://10.0.0.53/", "https://[2606:4700::1111]/"):
        with pytest.raises(BlockedAddressError, match="non-loopback"):
            mw.process_request(Request(url))
    assert stats.get_value("netguard/refused/non_loopback") == 3


def test_real_page_crawl_with_resources_contacts_only_loopback(crawl):
    # page resources on (the default): the pages' CDN images, scripts, fonts are requested --
    # from the 404 stand-in on 127.0.0.2, never from their real hosts
    with SiteServer({}, host="127.0.0.2") as offsite:
        routes, paths = build_real_site(3, broken_links=2, offsite_base=offsite.base_url)
        with SiteServer(routes) as srv:
            # AutoThrottle off: it never lowers a host's delay on non-200 answers, so each of the
            # stand-in's ~60 404s waited ~0.6 s (35 s of the test)
            run = crawl(srv.base_url + "/", args=["--depth", "1", "-s", "RETRY_TIMES=0",
                                                  "-s", "CRAWLER_RESOURCES_MAX_PER_PAGE=20",
                                                  "-s", "AUTOTHROTTLE_ENABLED=false"])
        stand_in_hits = offsite.fetched_paths()
    assert run.returncode == 0, run.stderr[-3000:]
    assert stand_in_hits, "resources were not requested at all"
    assert {p.split("/")[1] for p in stand_in_hits} - {""}, stand_in_hits  # named by original host
    logs = list(run.store.glob("logs/*.crawl.log"))
    assert logs
    urls = re.findall(r"\b(?:https?|wss?)://[^\s\"']+", "".join(p.read_text() for p in logs))
    assert urls
    hosts = {urlsplit(u).hostname for u in urls}
    assert hosts == {"127.0.0.1", "127.0.0.2"}, hosts  # the stand-in's 404s are logged too
    assert run.manifest  # and no refusal was needed: nothing named a real host
    assert "non-loopback" not in run.stderr
