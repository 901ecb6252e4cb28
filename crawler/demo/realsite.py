"""A local news site built, at run time, from real article pages (the fundus-eval set:
``../shared/datasets/fundus-eval``), for frontier tests and ``scripts/bench_frontier``.

Each real page is served at ``/news/<name>.html`` with its own markup.  Links to its
publisher's site become site-local paths that this server does not have, so they 404
as stale links do on real sites: exactly ``broken_links`` of them per page are kept
local (the others point back off-site, never followed).  Every off-site URL (publisher,
CDN, analytics, fonts) is then rewritten by :func:`loopback_only_html` to a loopback
stand-in that fails at once: no crawl or browser fed these pages can reach a real host.  The site
has a home page linking every article, a robots.txt naming ``/sitemap.xml``, and a
sitemap listing every article with a lastmod (newest first by position).
"""

from __future__ import annotations

import gzip
import json
import os
import re
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


#: Where off-site URLs of a real page are sent (:func:`loopback_only_html`): a second loopback
#: address on a port nothing listens on, so each fetch is refused, on this machine (after 0.3 s per
#: attempt: Twisted reports a refused connection on its next connection-attempt tick; a fixture
#: with many off-site resources is faster with a 404 server on 127.0.0.2 as ``offsite_base``).
OFFSITE_BASE = "http://127.0.0.2:9"

# an absolute (http/https, also JSON-escaped ``https:\/\/``) or protocol-relative URL's host
_OFFSITE_RE = re.compile(
    rb"""(?P<lead>^|[\s"'(=,;:>\\])(?P<scheme>(?:https?|ftp|wss?):)?(?P<sl>//|\\/\\/)"""
    rb"""(?P<host>[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?)(?P<port>:\d+)?""", re.I)
_LOOPBACK_HOST_RE = re.compile(rb"^(?:localhost|127(?:\.\d{1,3}){3})$", re.I)


def loopback_only_html(body: bytes, offsite_base: str = OFFSITE_BASE) -> bytes:
    """``body`` with every off-site absolute or protocol-relative URL (in any attribute,
    ``url()``, ``@import``, inline script or text) rewritten to ``<offsite_base>/<host>``
    + the same path: the page keeps its structure and its same-site links, but nothing in
    it names a real host any more, so neither a crawler nor a browser fed this page can
    resolve or contact one.  Byte-level (the rest of the markup stays as fetched)."""
    base = offsite_base.rstrip("/").encode()
    base_esc = base.replace(b"/", b"\\/")

    def sub(m: re.Match) -> bytes:
        host = m.group("host")
        if m.group("scheme") is None and b"." not in host:
            return m.group(0)  # ``//comment`` in a script, not a URL
        if _LOOPBACK_HOST_RE.match(host):
            return m.group(0)
        escaped = m.group("sl") != b"//"
        return m.group("lead") + (base_esc if escaped else base) + (b"\\/" if escaped else b"/") + host.lower()

    return _OFFSITE_RE.sub(sub, body)


def names_offsite_host(body: bytes) -> list[str]:
    """The non-loopback hosts ``body`` still names in a URL (for tests: should be empty)."""
    hosts = set()
    for m in _OFFSITE_RE.finditer(body):
        host = m.group("host")
        if (m.group("scheme") is None and b"." not in host) or _LOOPBACK_HOST_RE.match(host):
            continue
        hosts.add(host.decode("ascii", "replace").lower())
    return sorted(hosts)


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


def build_real_site(n: int | None = None, broken_links: int = 20, now: datetime | None = None,
                    offsite_base: str = OFFSITE_BASE) -> tuple[dict[str, Route], list[str]]:
    """``(routes, article_paths)``; ``n`` real pages (all 80 when None); off-site URLs go to
    ``offsite_base`` (e.g. a 404 server on 127.0.0.2)."""
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
        routes[path] = Route(body=loopback_only_html(body, offsite_base))
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
