"""Budgets: a path pattern whose fetches keep failing goes behind the other links
instead of eating the budget; a per-host budget is exact."""

from __future__ import annotations

from contextlib import ExitStack

from crawler.demo.server import Route, SiteServer
from crawler.demo.site import build_site
from tests.test_incremental import article

GOOD = [f"/good/{i}.html" for i in range(10)]
BROKEN = [f"/gone/{i}.html" for i in range(30)]


def _site() -> dict[str, Route]:
    links = []
    for i in range(10):  # three broken links before each good one, in page order
        links += BROKEN[3 * i: 3 * i + 3] + [GOOD[i]]
    home = "".join(f'<p><a href="{p}">{p}</a></p>' for p in links)
    r = {"/robots.txt": Route(status=404, body=b""), "/": Route(body=f"<html><body>{home}</body></html>".encode())}
    for i, p in enumerate(GOOD):
        r[p] = Route(body=article(f"Good {i}", i))
    return r


def test_failing_pattern_demoted(crawl):
    budget = 26  # robots, home, 10 good; the rest broken
    with SiteServer(_site()) as srv:
        run = crawl(srv.base_url + "/", args=["--max-pages", str(budget)],
                    settings={"CRAWLER_GUESS_SITEMAPS": False, "CRAWLER_FEEDS": False})
        paths = [e.path for e in srv.log]
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(paths) == budget
    assert set(GOOD) <= set(paths), paths  # FIFO alone would reach 6 of the 10 good pages
    stats = run.manifest["stats"]
    assert stats["frontier/demoted"] >= 1
    assert len([p for p in paths if p in BROKEN]) == budget - 12
    assert stats["frontier/fetched/status/404"] == budget - 11  # robots.txt too


def test_per_host_budget(crawl):
    with ExitStack() as stack:
        a, b = (stack.enter_context(SiteServer({})) for _ in range(2))
        for srv in (a, b):
            srv.routes.update(build_site(srv.base_url))
        run = crawl(a.base_url + "/", b.base_url + "/", settings={"CRAWLER_MAX_PAGES_PER_HOST": 12,
                                                                 "AUTOTHROTTLE_ENABLED": False})
        counts = [len(a.log), len(b.log)]
    assert run.returncode == 0, run.stderr[-3000:]
    assert counts == [12, 12]
    assert run.manifest["stats"]["frontier/dropped/host_budget"] > 0
