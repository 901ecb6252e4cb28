"""Fixtures of the browser-capture tests: a script-built news site (crawler.demo.scripted)
whose stories are real article texts from the fundus-eval set (titles and paragraphs,
placed in our own template at test time), served on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import time
from pathlib import Path

import lxml.html
import pytest

from crawler.demo.scripted import build_scripted_site
from crawler.demo.server import SiteServer

FUNDUS = Path(os.environ.get("FUNDUS_EVAL_DIR", "/work/shared/datasets/fundus-eval/dataset"))
#: Real articles (publisher_n) whose texts the fixture stories carry.
PICKS = ("APNews_1", "TheGuardian_2", "Reuters_3", "LATimes_1", "TheNation_2", "CNBC_1")


def fundus_stories(n: int) -> list[tuple[str, list[str]]]:
    truth = json.loads((FUNDUS / "ground_truth.json").read_text(encoding="utf-8"))
    names = [k for k in sorted(truth) if k.split(".")[0] in PICKS]
    names += [k for k in sorted(truth) if k not in names]
    stories = []
    for name in names[:n]:
        body = truth[name]["body"]
        paragraphs = [p for p in (body if isinstance(body, list) else []) if len(p.split()) >= 8][:6]
        with gzip.open(FUNDUS / "html" / name, "rb") as fh:
            root = lxml.html.fromstring(fh.read().decode("utf-8", "replace"))
        title = re.sub(r"\s+", " ", (root.findtext(".//title") or name)).strip()
        title = re.split(r" [|\-–—] ", title)[0][:120]
        stories.append((title, paragraphs))
    return stories


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def scripted_site():
    """(server, expectations) of a 3-story site: static, fetch()-built, inserted-script-built."""
    routes, expected = build_scripted_site(fundus_stories(3))
    with SiteServer(routes) as srv:
        yield srv, expected


FAST = ["-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CRAWLER_BROWSER_IDLE_WAIT=0.5"]


@pytest.fixture(scope="session")
def browser_crawl(tmp_path_factory):
    """One ``crawl --browser`` of the 3-story scripted site per test session (read-only: copy the
    store to change it); the site is
    stopped afterwards (what follows must come from the archive).  Chromium is restarted
    after 2 pages (4 HTML pages: at least two browsers).  A dict: ``base``,
    ``expected``, ``store``, ``run`` (CrawlRun) and ``requests`` (path -> the site's request
    log entries)."""
    from tests.conftest import CrawlRun, run_cli

    routes, expected = build_scripted_site(fundus_stories(3))
    store = tmp_path_factory.mktemp("browser-crawl") / "store"
    with SiteServer(routes) as srv:
        base = srv.base_url
        proc = run_cli("crawl", base + "/", "--store", str(store), "--allow-private", "--browser", *FAST,
                       "-s", "CRAWLER_BROWSER_PAGES_PER_BROWSER=2", timeout=240)
        requests = {path: srv.requests_for(path) for path in routes}
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {"base": base, "expected": expected, "store": store, "requests": requests,
            "run": CrawlRun(proc.returncode, proc.stdout, proc.stderr, store)}


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rfind(")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, stack = [], list(children.get(pid, ()))
    while stack:
        p = stack.pop()
        out.append(p)
        stack += children.get(p, ())
    return out


def chromium_main_pids(root: int) -> list[int]:
    """Chromium browser processes (not renderers/zygotes) below ``root``."""
    pids = []
    for p in descendants(root):
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmd and b"chrom" in cmd[0] and not any(a.startswith(b"--type=") for a in cmd):
            pids.append(p)
    return pids


def wait_for(cond, timeout: float, what: str, poll: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(poll)
    pytest.fail(f"timed out waiting for {what}")


def kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
