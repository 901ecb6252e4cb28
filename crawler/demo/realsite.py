"""A local news site built, at run time, from real article pages (the fundus-eval set:
``../shared/datasets/fundus-eval``), for frontier tests and ``scripts/bench_frontier``.

Each real page is served at ``/news/<name>.html`` with its own markup.  Links to its
publisher's site become site-local paths that this server does not have, so they 404
as stale links do on real sites: exactly ``broken_links`` of them per page are kept
local (the others point back to the publisher, off-site, never followed).  The site
has a home page linking every article, a robots.txt naming ``/sitemap.xml``, and a
sitemap listing every article with a lastmod (newest first by position).
"""

from __future__ import annotations

import gzip
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from lxml import html as lxml_html

from crawler.demo.server import Route

_REL = Path("shared") / "datasets" / "fundus-eval" / "dataset"


def dataset_dir() -> Path:
    """The fundus-eval ``dataset`` folder (``$FUNDUS_EVAL_DIR`` overrides)."""
    env = os.environ.get("FUNDUS_EVAL_DIR")
    if env:
        p = Path(env)
        return p / "dataset" if (p / "dataset").is_dir() else p
    for parent in Path(__file__).resolve().parents[2:]:  # ../shared from the checkout, or higher up
        if (parent / _REL).is_dir():
            return parent / _REL
    raise FileNotFoundError("fundus-eval dataset not found (set FUNDUS_EVAL_DIR)")


def _local_links(doc: lxml_html.HtmlElement, origin_host: str, broken_links: int,
                 served: set[str]) -> None:
    """Keep ``broken_links`` distinct site-local links; send the rest back off-site."""
    kept: set[str] = set()
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        parts = urlsplit(href)
        local = (not parts.scheme and not parts.netloc and href.startswith("/")) or \
            (parts.netloc.lower() == origin_host and parts.scheme in ("http", "https"))
        if not local:
            continue
        path = parts.path or "/"
        target = path + ("?" + parts.query if parts.query else "")
        if path == "/" or target in served:
            a.set("href", f"https://{origin_host}{target}")
            continue
        if target in kept or len(kept) < broken_links:
            kept.add(target)
            a.set("href", target)  # site-local: 404 here
        else:
            a.set("href", f"https://{origin_host}{target}")


def build_real_site(n: int | None = None, broken_links: int = 20,
                    now: datetime | None = None) -> tuple[dict[str, Route], list[str]]:
    """``(routes, article_paths)``; ``n`` real pages (all 80 when None)."""
    ds = dataset_dir()
    truth = json.loads((ds / "ground_truth.json").read_text(encoding="utf-8"))
    names = sorted(truth)
    if n is not None:
        # spread over publishers: Publisher_0 of each first, then _1, ...
        names = sorted(names, key=lambda s: (int(s.split("_")[-1].split(".")[0]), s))[:n]
    paths = [f"/news/{name.split('.')[0].lower()}.html" for name in names]
    served = set(paths)
    routes: dict[str, Route] = {}
    for name, path in zip(names, paths):
        origin = urlsplit(truth[name]["url"]).netloc.lower()
        raw = gzip.decompress((ds / "html" / name).read_bytes())
        doc = lxml_html.fromstring(raw)
        _local_links(doc, origin, broken_links, served)
        body = lxml_html.tostring(doc, encoding="utf-8", doctype="<!DOCTYPE html>")
        routes[path] = Route(body=body)
    now = now or datetime.now(timezone.utc)
    items = "".join(f'<li><a href="{p}">{escape(p)}</a></li>' for p in paths)
    routes["/"] = Route(body=(f"<!DOCTYPE html><html><head><title>Real pages</title></head><body>"
                              f"<h1>Latest</h1><ul>{items}</ul></body></html>").encode())
    urls = "".join(
        f"<url><loc>{{base}}{p}</loc><lastmod>{(now - timedelta(hours=3 * i)).strftime('%Y-%m-%dT%H:%M:%SZ')}"
        f"</lastmod></url>" for i, p in enumerate(paths))
    routes["/sitemap.xml"] = Route(
        body=('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              + urls + "</urlset>").encode(),
        content_type="application/xml")
    routes["/robots.txt"] = Route(body=b"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n",
                                  content_type="text/plain")
    return routes, paths


def bind(routes: dict[str, Route], base_url: str) -> dict[str, Route]:
    """Fill in the server's address where the site needs absolute URLs."""
    for key in ("/sitemap.xml", "/robots.txt"):
        r = routes[key]
        r.body = r.body.replace(b"{base}", base_url.encode())
    return routes
