"""A bench site of real news pages: the fundus-eval HTML (80 pages of 16 publishers,
100-700 KB each), each page served under many URLs, rendered to a folder.

* ``/story/<copy>/<publisher>-<n>.html``: the page's bytes as fetched (not re-serialised),
  except that every off-site URL (publisher, CDN, analytics) points at a loopback stand-in
  (``crawler.demo.realsite.loopback_only_html``): absolute links point off-site (never followed),
  root- and path-relative links resolve on this host, where they 404 as stale links do;
* ``/section/<k>/``: listing pages of 50 stories each, chained by ``rel=next``;
* ``/``: links to every section; ``/robots.txt`` naming ``/sitemap.xml``, which lists
  every story.

Deterministic for a given number of stories."""

from __future__ import annotations

import gzip
import json
from html import escape
from pathlib import Path

PER_SECTION = 50


def dataset_pages(dataset: Path) -> list[tuple[str, bytes]]:
    """``(name, html bytes)`` of the fundus-eval pages, sorted by name."""
    ds = dataset / "dataset" if (dataset / "dataset").is_dir() else dataset
    truth = json.loads((ds / "ground_truth.json").read_text(encoding="utf-8"))
    from crawler.demo.realsite import loopback_only_html

    return [(name.split(".")[0], loopback_only_html(gzip.decompress((ds / "html" / name).read_bytes())))
            for name in sorted(truth)]


def render_real(n: int, root: Path, dataset: Path, base: str = "") -> dict[str, int]:
    """Write a site of ``n`` story URLs (the real pages in turn) under ``root``."""
    pages = dataset_pages(dataset)
    counts = {"articles": 0, "listings": 0, "bytes": 0, "distinct_pages": len(pages)}

    def write(path: str, data: bytes) -> None:
        f = root / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(data)
        counts["bytes"] += len(data)

    paths = []
    for i in range(n):
        name, data = pages[i % len(pages)]
        path = f"/story/{i // len(pages):03d}/{name.lower().replace('_', '-')}.html"
        write(path, data)
        paths.append(path)
        counts["articles"] += 1
    sections = [paths[i:i + PER_SECTION] for i in range(0, len(paths), PER_SECTION)]
    for k, chunk in enumerate(sections):
        items = "".join(f'<li><a href="{p}">{escape(p.rsplit("/", 1)[1][:-5].replace("-", " ").title())}'
                        f' (copy {p.split("/")[2]})</a></li>' for p in chunk)
        nxt = f'<a rel="next" href="/section/{k + 1}/">Older stories</a>' if k + 1 < len(sections) else ""
        write(f"/section/{k}/", (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Stories, page {k + 1}'
                                 f'</title></head><body><h1>Stories, page {k + 1}</h1><ul>{items}</ul>{nxt}</body></html>').encode())
        counts["listings"] += 1
    links = "".join(f'<li><a href="/section/{k}/">Stories, page {k + 1}</a></li>' for k in range(len(sections)))
    write("/", (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Real pages</title></head>'
                f'<body><h1>Real pages</h1><ul>{links}</ul></body></html>').encode())
    counts["listings"] += 1
    urls = "".join(f"<url><loc>{base}{p}</loc></url>\n" for p in paths)
    write("/sitemap.xml", ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                           f"{urls}</urlset>\n").encode())
    write("/robots.txt", f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n".encode())
    return counts
