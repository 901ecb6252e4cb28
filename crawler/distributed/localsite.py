"""Local fixtures for distributed crawls (tests and ``scripts/bench_workers``).

* :class:`RedisServer` -- a private ``redis-server`` on a free 127.0.0.1 port
  (``--save '' --appendonly no``), stopped by its pid.
* :class:`TimedSiteServer` -- :class:`~crawler.demo.server.SiteServer` that serves each
  request's delay itself and records, server side, how many requests were in service
  at once (``max_concurrent``) and per path (``served``).
* :func:`build_news_site` -- a generated news site: home, sections, paginated article
  lists, articles linking to each other, a sitemap and robots.txt.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from html import escape
from pathlib import Path
from typing import Any

from crawler.demo.server import Route, SiteServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """``with RedisServer() as url: ...`` -- a throw-away Redis on 127.0.0.1."""

    def __init__(self, binary: str | None = None):
        self.binary = binary or shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc: subprocess.Popen | None = None
        self.dir: str | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> str:
        import redis

        self.dir = tempfile.mkdtemp(prefix="redis-test-")
        for _ in range(5):
            self.port = free_port()
            self.proc = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", self.dir, "--protected-mode", "yes"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1).ping():
                        return self.url
                except redis.exceptions.ConnectionError:
                    time.sleep(0.05)
            self.stop()
        raise RuntimeError("could not start redis-server")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class TimedSiteServer(SiteServer):
    """Serves every route's delay itself (``delay`` seconds for every path unless the
    route has its own) and counts requests in service at the same time."""

    def __init__(self, *args: Any, delay: float = 0.0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.delay = delay
        self._lock = threading.Lock()
        self.active = 0
        self.max_concurrent = 0
        self.served: Counter[str] = Counter()
        self.intervals: list[tuple[float, float, str]] = []

    def _resolve(self, target: str) -> Route:
        route = super()._resolve(target)
        delay = route.delay or self.delay
        with self._lock:
            self.active += 1
            self.max_concurrent = max(self.max_concurrent, self.active)
            self.served[target] += 1
        start = time.monotonic()
        try:
            if delay:
                self._stop.wait(delay)
        finally:
            with self._lock:
                self.active -= 1
                self.intervals.append((start, time.monotonic(), target))
        if route.delay:
            from dataclasses import replace

            route = replace(route, delay=0.0)
        return route


_WORDS = ("council river harbour budget school bridge festival election library market railway "
          "museum stadium hospital airport theatre forest valley mayor court storm season report "
          "village committee project community policy growth housing transport energy water").split()


def _text(seed: int, n: int) -> str:
    words = []
    x = seed * 7919 + 13
    for _ in range(n):
        x = (x * 1103515245 + 12345) % (2**31)
        words.append(_WORDS[x % len(_WORDS)])
    return " ".join(words)


def _paragraphs(seed: int, count: int = 5) -> str:
    out = []
    for i in range(count):
        sentence = _text(seed * 31 + i, 40).capitalize()
        out.append(f"<p>{escape(sentence)}. Article {seed} paragraph {i} reports on "
                   f"{escape(_text(seed + i, 12))}.</p>")
    return "\n".join(out)


def build_news_site(base_url: str, articles: int = 48, sections: int = 6) -> dict[str, Route]:
    """``1 + sections + articles`` HTML pages plus robots.txt and sitemap.xml."""
    base = base_url.rstrip("/")
    routes: dict[str, Route] = {}
    secs = [f"/section/s{i}/" for i in range(sections)]
    arts = [f"/news/{2026}/story-{i:03d}.html" for i in range(articles)]
    nav = " ".join(f'<a href="{s}">Section {i}</a>' for i, s in enumerate(secs))

    def page(title: str, body: str, og: str = "website") -> bytes:
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
                f'</title><meta property="og:type" content="{og}"></head><body><nav>{nav}</nav>'
                f"{body}</body></html>\n").encode()

    home_links = " ".join(f'<li><a href="{a}">Story {i}</a></li>' for i, a in enumerate(arts[:4]))
    routes["/"] = Route(body=page("Local Gazette", f"<h1>Local Gazette</h1><ul>{home_links}</ul>"))
    for i, s in enumerate(secs):
        mine = arts[i::sections]
        links = " ".join(f'<li><a href="{a}">Story</a></li>' for a in mine)
        routes[s] = Route(body=page(f"Section {i}", f"<h1>Section {i}</h1><ul>{links}</ul>"))
    for i, a in enumerate(arts):
        nxt = arts[(i + 1) % len(arts)]
        prv = arts[(i - 1) % len(arts)]
        body = (f'<article><h1>Story number {i}: {escape(_text(i, 6))}</h1>'
                f'<p class="byline">By Staff Writer {i % 5}</p>'
                f'<time datetime="2026-11-{1 + i % 28:02d}T08:00:00Z">Nov {1 + i % 28}</time>'
                f"{_paragraphs(i)}</article>"
                f'<aside><a href="{prv}">Previous</a> <a href="{nxt}">Next</a></aside>')
        routes[a] = Route(body=page(f"Story number {i}", body, og="article"))
    routes["/robots.txt"] = Route(body=f"User-agent: *\nDisallow: /private/\n\nSitemap: {base}/sitemap.xml\n".encode(),
                                  content_type="text/plain; charset=utf-8")
    urls = "".join(f"<url><loc>{base}{a}</loc></url>" for a in arts[::3])
    routes["/sitemap.xml"] = Route(
        body=f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode(),
        content_type="application/xml")
    return routes


def html_paths(routes: dict[str, Route]) -> set[str]:
    return {p for p, r in routes.items() if r.content_type.startswith("text/html")}


def warc_urls(store: Path) -> Counter[str]:
    """Target URIs of response/revisit records in every WARC under ``store/warc``."""
    from warcio.archiveiterator import ArchiveIterator

    seen: Counter[str] = Counter()
    for path in sorted(Path(store).glob("warc/*/*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):
                    seen[rec.rec_headers.get_header("WARC-Target-URI")] += 1
    return seen


def article_urls(store: Path) -> set[str]:
    import gzip
    import json

    out = set()
    for part in sorted(Path(store).glob("articles/date=*/site=*/*.jsonl.gz")):
        with gzip.open(part, "rt", encoding="utf-8") as fh:
            out |= {json.loads(line)["url"] for line in fh if line.strip()}
    return out
