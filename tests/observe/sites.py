"""Fixture news sites built at test time from the real pages of the fundus-eval set
(gunzipped, relative links kept -- they 404 as on the real sites; off-site URLs sent to a
loopback stand-in by ``loopback_only_html``, so nothing reaches a real host)."""

from __future__ import annotations

import gzip
from pathlib import Path

from crawler.demo.realsite import loopback_only_html
from crawler.demo.server import Route

FUNDUS = Path("/work/shared/datasets/fundus-eval/dataset/html")


def fundus_pages(n: int) -> list[tuple[str, bytes]]:
    """``n`` real article pages as (slug, html), one publisher after another."""
    files = sorted(FUNDUS.glob("*.html.gz"))
    by_pub: dict[str, list[Path]] = {}
    for f in files:
        by_pub.setdefault(f.name.rsplit("_", 1)[0], []).append(f)
    picked: list[Path] = []
    while len(picked) < n:
        for pub in sorted(by_pub):
            if by_pub[pub] and len(picked) < n:
                picked.append(by_pub[pub].pop(0))
    return [(f.name[: -len(".html.gz")].lower(), loopback_only_html(gzip.decompress(f.read_bytes()))) for f in picked]


def news_site(n: int, extra_links: list[str] = ()) -> tuple[dict[str, Route], list[str]]:
    """Routes of a home page linking to ``n`` article pages (plus ``extra_links``), and
    the article paths."""
    paths = []
    routes: dict[str, Route] = {}
    for i, (slug, html) in enumerate(fundus_pages(n)):
        path = f"/2026/12/0{1 + i % 3}/{slug}.html"
        paths.append(path)
        routes[path] = Route(body=html)
    links = "".join(f'<li><a href="{p}">Story {i}</a></li>' for i, p in enumerate([*paths, *extra_links]))
    routes["/"] = Route(body=(f"<html><head><title>Front page</title></head><body><h1>News</h1>"
                              f"<ul>{links}</ul></body></html>").encode())
    routes["/robots.txt"] = Route(body=b"User-agent: *\nAllow: /\n", content_type="text/plain")
    return routes, paths
