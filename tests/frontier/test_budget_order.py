"""The frontier end to end (issue 16): order on a site built from real pages, exact
``--max-pages`` counted on the server, ``--depth 0``, the Scrapy entry point."""

from __future__ import annotations

import subprocess
import sys

from crawler.demo.realsite import bind, build_real_site
from crawler.demo.server import SiteServer
from crawler.demo.site import build_site
from tests.conftest import ROOT

N_REAL = 24


def test_sitemap_articles_first_within_budget(crawl):
    """N articles in the sitemap, 20 broken links on each: N+20 fetches archive all N."""
    routes, articles = build_real_site(N_REAL, broken_links=20)
    with SiteServer({}) as srv:
        srv.routes.update(bind(routes, srv.base_url))
        # page resources are irrelevant to page order and slow here (the real pages' hundreds
        # of off-site ones all go to one loopback stand-in, politely); tests/test_loopback_only.py
        # crawls real pages with them on
        run = crawl(srv.base_url + "/", args=["--max-pages", str(N_REAL + 20), "--no-resources"])
        log = list(srv.log)
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(log) == N_REAL + 20
    got = {e.path for e in log if e.status == 200}
    missing = sorted(set(articles) - got)
    assert not missing, f"articles not fetched within the budget: {missing}"
    stats = run.manifest["stats"]
    assert stats["frontier/fetched"] == N_REAL + 20
    assert stats["frontier/ended_by"] == "max_pages"
    assert stats["frontier/fetched/source/sitemap"] >= N_REAL + 1  # the sitemap + its entries
    assert stats["frontier/fetched/status/404"] >= 1
    assert stats["frontier/yield_per_100_fetches"] > 0
    assert "ended by" in run.stdout and "--max-pages" in run.stdout
    # newest first: the sitemap lists the newest first, they are fetched in that order
    order = [e.path for e in log if e.path in set(articles)]
    assert order[:5] == articles[:5]


def test_max_pages_exact_on_server(crawl):
    with SiteServer({}) as srv:
        srv.routes.update(build_site(srv.base_url))
        run = crawl(srv.base_url + "/", args=["--max-pages", "8"])
        log = list(srv.log)
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(log) == 8, [e.path for e in log]
    assert run.manifest["stats"]["frontier/fetched"] == 8


def test_scrapy_crawl_honours_max_pages(tmp_path):
    with SiteServer({}) as srv:
        srv.routes.update(build_site(srv.base_url))
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"seeds={srv.base_url}/",
             "-s", f"CRAWLER_STORE={tmp_path / 'store'}", "-s", "CRAWLER_ALLOW_PRIVATE=1",
             "-s", "CRAWLER_MAX_PAGES=10", "-s", "LOG_LEVEL=WARNING"],
            cwd=ROOT, capture_output=True, text=True, timeout=180)
        log = list(srv.log)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(log) == 10, [e.path for e in log]


def test_depth_zero_fetches_no_sitemap_entries(crawl):
    routes, articles = build_real_site(4, broken_links=20)
    with SiteServer({}) as srv:
        srv.routes.update(bind(routes, srv.base_url))
        run = crawl(srv.base_url + "/", args=["--depth", "0"])
        paths = [e.path for e in srv.log]
    assert run.returncode == 0, run.stderr[-3000:]
    assert not set(paths) & set(articles), paths
    assert "/" in paths
