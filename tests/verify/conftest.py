"""A small store for the audit tests: a site built at test time from real article pages
(fundus-eval), some served chunked (and gzip-encoded), crawled twice into one store so the
second run writes revisits."""

from __future__ import annotations

import gzip
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.demo.realsite import OFFSITE_BASE, loopback_only_html
from crawler.demo.server import Route, SiteServer
from tests.conftest import mark_store_unverifiable, run_cli

FUNDUS = Path("/work/shared/datasets/fundus-eval/dataset/html")
PAGES = ["TheIntercept_3.html.gz", "TheIntercept_1.html.gz", "OccupyDemocrats_4.html.gz", "FreeBeacon_2.html.gz"]


def site(offsite_base: str = OFFSITE_BASE) -> dict[str, Route]:
    """Four real pages as articles (two chunked, one of them gzip-encoded), a home page
    linking to them; the pages' own relative links 404 as on a real site; off-site URLs go to a
    loopback stand-in at ``offsite_base`` (``loopback_only_html``)."""
    links, routes = [], {"/robots.txt": Route(status=404, body=b"")}
    for i, name in enumerate(PAGES):
        html = loopback_only_html(gzip.decompress((FUNDUS / name).read_bytes()), offsite_base)
        path = f"/news/2026/12/04/story-{i}.html"
        links.append(f'<li><a href="{path}">story {i}</a></li>')
        routes[path] = Route(body=html, chunked=i in (1, 2), encoding="gzip" if i == 2 else None)
    routes["/"] = Route(body=("<html><head><title>Home</title></head><body><ul>" + "".join(links)
                              + "</ul></body></html>").encode())
    return routes


CRAWL_OPTS = ["--allow-private", "--depth", "1", "-s", "CRAWLER_GUESS_SITEMAPS=false",
              "-s", "CRAWLER_FEEDS=false", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CRAWLER_RECRAWL_MIN_AGE=0"]


@dataclass
class TwoRuns:
    store: Path
    run1: str
    run2: str

    def copy(self, dest: Path) -> Path:
        shutil.copytree(self.store, dest, ignore=shutil.ignore_patterns(".spool"))
        mark_store_unverifiable(dest, "a copy the test damages on purpose")
        return dest

    def manifest(self, store: Path, run: str) -> dict:
        return json.loads((store / "manifests" / f"{run}.json").read_text())


@pytest.fixture(scope="package")
def two_runs(tmp_path_factory) -> TwoRuns:
    store = tmp_path_factory.mktemp("verify") / "store"
    ids = []
    # the off-site stand-in answers 404 at once: on a port nothing listens on, every one of the
    # pages' ~160 off-site resources cost 3 refused connections of 0.3 s each (Twisted's
    # HostnameEndpoint reports a refusal on its next connection-attempt tick), ~110 s a crawl
    with SiteServer({}, host="127.0.0.2") as offsite, SiteServer(site(offsite.base_url)) as srv:
        for run in ("run-1", "run-2"):
            proc = run_cli("crawl", srv.base_url + "/", "--store", str(store), "--crawl-id", run, *CRAWL_OPTS)
            assert proc.returncode == 0, proc.stderr[-3000:]
            ids.append(run)
    return TwoRuns(store, *ids)
