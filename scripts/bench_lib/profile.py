"""Summarise a ``py-spy record --threads --idle --format raw`` profile of a crawl: where
the reactor (main) thread spends its time, by component and by function."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

#: (component, substring of a frame) -- the first match from the leaf upwards wins
COMPONENTS = (
    ("idle (waiting in select/epoll)", ("EpollSelector.select", "_PollLikeSelector.select", "select (selectors.py")),
    ("startup: imports", ("_find_and_load",)),
    ("CDXJ index at WARC close", ("crawler/archive/cdxj.py",)),
    ("dedup: SQLite", ("crawler/dedup/index.py",)),
    ("dedup: near-duplicate signatures", ("crawler/dedup/near.py",)),
    ("dedup: service", ("crawler/dedup/service.py",)),
    ("archive: payload digests", ("payload_digest_of", "crawler/archive/httpmsg.py")),
    ("archive: WARC writer (gzip)", ("crawler/archive/writer.py", "warcio/warcwriter.py")),
    ("archive: archiver", ("crawler/archive/archiver.py",)),
    ("archive: capture protocol", ("crawler/archive/capture.py",)),
    ("spider: link extraction", ("linkextractors", "parsel/", "lxml", "crawler/discovery/links.py")),
    ("spider: URL canonicalisation", ("crawler/discovery/urls.py", "w3lib/url.py", "w3lib/_url.py")),
    ("spider: scope + trap guard", ("crawler/discovery/scope.py", "tldextract")),
    ("spider: sitemaps/feeds", ("crawler/discovery/sitemaps.py", "crawler/discovery/feeds.py")),
    ("spider: other", ("crawler/discovery/spider.py", "crawler/discovery/pages.py")),
    ("extraction pool (parent side)", ("crawler/extract/pool.py", "concurrent/futures", "multiprocessing")),
    ("JSON Lines sink", ("crawler/storage/articles.py", "gzip.py")),
    ("pipelines", ("crawler/pipelines.py",)),
    ("scrapy: response/encoding", ("scrapy/http/", "w3lib/encoding.py")),
    ("scrapy: request fingerprint/dupefilter", ("fingerprint", "dupefilters.py")),
    ("scrapy: scheduler/queues", ("scrapy/core/scheduler.py", "queuelib", "pqueues.py")),
    ("scrapy: middlewares", ("scrapy/downloadermiddlewares", "scrapy/spidermiddlewares", "scrapy/core/spidermw.py",
                             "scrapy/core/downloader/middleware.py")),
    ("twisted HTTP client", ("twisted/web/",)),
    ("twisted/asyncio transport", ("twisted/internet/", "asyncio/")),
    ("scrapy engine/scraper/signals", ("scrapy/",)),
)


def classify(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, needles in COMPONENTS:
            if any(n in frame for n in needles):
                return name
    return "other"


def summarise(raw: Path, top: int = 20) -> str:
    comp: Counter[str] = Counter()
    funcs: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        frames = stack.split(";")
        if not frames or "MainThread" not in frames[0]:
            continue
        k = int(n)
        total += k
        c = classify(frames)
        comp[c] += k
        if not c.startswith("idle"):
            # the deepest frame of our own code, else the leaf
            own = next((f for f in reversed(frames) if "crawler/" in f), frames[-1])
            funcs[own] += k
    if not total:
        return "no samples of the main thread"
    busy = total - sum(v for k, v in comp.items() if k.startswith("idle"))
    lines = [f"reactor (main) thread: {total} samples, busy {100 * busy / total:.0f}%",
             "  by component (% of all samples):"]
    lines += [f"    {100 * v / total:5.1f}%  {k}" for k, v in comp.most_common()]
    lines.append(f"  top functions while busy (deepest crawler/ frame; % of busy samples):")
    lines += [f"    {100 * v / max(busy, 1):5.1f}%  {k}" for k, v in funcs.most_common(top)]
    return "\n".join(lines)
