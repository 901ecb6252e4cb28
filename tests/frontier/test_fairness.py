"""Ten hosts (127.0.0.1, ten ports: ten frontier hosts) under one shared budget: each
gets its equal share within 20 %, although one of them is far larger than the others."""

from __future__ import annotations

from contextlib import ExitStack

from crawler.demo.server import Route, SiteServer
from crawler.demo.site import build_site

HOSTS = 10
BUDGET = 150


def _big_site(base: str) -> dict[str, Route]:
    """A host with hundreds of listed URLs (queued first, it would take everything)."""
    paths = [f"/big/{i}.html" for i in range(600)]
    urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    r = {"/robots.txt": Route(body=f"User-agent: *\nSitemap: {base}/sitemap.xml\n".encode(),
                              content_type="text/plain"),
         "/sitemap.xml": Route(body=('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/'
                                     'schemas/sitemap/0.9">' + urls + "</urlset>").encode(),
                               content_type="application/xml"),
         "/": Route(body=b"<html><body><a href='/big/0.html'>first</a></body></html>")}
    for p in paths:
        r[p] = Route(body=f"<html><body><p>page {p}</p></body></html>".encode())
    return r


def test_hosts_share_the_budget(crawl):
    with ExitStack() as stack:
        servers = [stack.enter_context(SiteServer({})) for _ in range(HOSTS)]
        servers[0].routes.update(_big_site(servers[0].base_url))
        for srv in servers[1:]:
            srv.routes.update(build_site(srv.base_url))
        run = crawl(*[s.base_url + "/" for s in servers], args=["--max-pages", str(BUDGET)],
                    settings={"AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 4})
        counts = [len(s.log) for s in servers]
    assert run.returncode == 0, run.stderr[-3000:]
    assert sum(counts) == BUDGET, counts
    share = BUDGET / HOSTS
    assert all(0.8 * share <= c <= 1.2 * share for c in counts), counts
