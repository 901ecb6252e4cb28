"""ExtractionPool: process workers, asyncio API, soft and hard timeouts, crash recovery."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from crawler.extract import ExtractionPool, extract_page

from _extract_cases import CASES, EN_1, EN_2, EN_3, ps
from _extract_helpers import make_page


def _case_pages(n: int = 4):
    return [make_page(c.url, c.html) for c in CASES[:n]]


def _big_page(scale: int = 100):
    paras = (EN_1 + EN_2 + EN_3) * scale
    html = "<html><head><title>Big</title></head><body><article><h1>Big</h1>" + "".join(f"<div><section>{ps([p])}</section></div>" for p in paras) + "</article></body></html>"
    return make_page("https://big.example/2024/01/very-big-article-page-slug", html)


@pytest.fixture(scope="module")
def pool():
    p = ExtractionPool(workers=2, timeout=30)
    yield p
    p.close()


def test_pool_matches_inline(pool):
    pages = _case_pages(4)
    futures = [pool.submit(p) for p in pages]
    results = [f.result(timeout=60) for f in futures]
    for page, res in zip(pages, results):
        inline = extract_page(page)
        assert res.kind == inline.kind == "article"
        assert res.article.to_dict() == inline.article.to_dict()


def test_async_api(pool):
    pages = _case_pages(3)

    async def run():
        return await asyncio.gather(*(pool.extract(p) for p in pages))

    results = asyncio.run(run())
    assert [r.kind for r in results] == ["article"] * 3
    assert results[0].article.to_dict() == extract_page(pages[0]).article.to_dict()


def test_soft_timeout_then_pool_keeps_working(pool):
    res = pool.extract_sync(_big_page(), timeout=0.05)
    assert res.kind == "error"
    assert res.reason == "extraction timed out after 0.05s"
    res = pool.extract_sync(_case_pages(1)[0])
    assert res.kind == "article"


def test_inline_mode():
    with ExtractionPool(workers=0) as inline:
        page = _case_pages(1)[0]
        res = inline.extract_sync(page)
        assert res.kind == "article"
        assert res.article.to_dict() == extract_page(page).article.to_dict()
        assert asyncio.run(inline.extract(page)).kind == "article"
        timed_out = inline.extract_sync(_big_page(), timeout=0.05)
        assert timed_out.kind == "error" and timed_out.reason == "extraction timed out after 0.05s"


def test_hard_timeout_and_crash_recovery():
    # soft timeout disabled: only the parent's watchdog can stop the slow page. The page is
    # ~10x the soft-timeout page (several seconds of work here) so that no CI machine can finish
    # it inside the 0.5 s hard deadline; with the 100x page a fast machine sometimes did.
    slow = _big_page(scale=1000)
    with ExtractionPool(workers=2, timeout=0.2, hard_grace=0.3, soft_timeout=False) as pool:
        small = _case_pages(2)
        warm = [pool.submit(p, timeout=30) for p in small]
        assert [f.result(timeout=60).kind for f in warm] == ["article", "article"]

        t0 = time.monotonic()
        res = pool.extract_sync(slow)
        assert res.kind == "error"
        assert res.reason == "extraction timed out after 0.2s"
        assert time.monotonic() - t0 < 10
        assert pool.stats.hard_timeouts == 1 and pool.stats.restarts >= 1

        # the pool was rebuilt and keeps working
        ok = pool.extract_sync(small[0], timeout=30)
        assert ok.kind == "article"

        # a worker crash (killed process) while a page is in flight: the page is resubmitted once
        fut = pool.submit(slow, timeout=120)
        time.sleep(0.5)  # still in flight: the slow page takes seconds
        for pid in pool.worker_pids():
            os.kill(pid, signal.SIGKILL)
        res = fut.result(timeout=240)
        assert res.kind == "article", res.reason
        assert pool.stats.crashes >= 1


def test_closed_pool_refuses_work():
    p = ExtractionPool(workers=1)
    p.close()
    with pytest.raises(RuntimeError):
        p.submit(_case_pages(1)[0])


# -- page jobs: out-links with the article ---------------------------------------------------

from scrapy.http import HtmlResponse  # noqa: E402

from crawler.discovery.links import link_spec, outlinks  # noqa: E402


def _spec_and_links(page):
    response = HtmlResponse(url=page.url, body=page.body)
    return link_spec(response), outlinks(response)


def test_job_returns_links_with_the_article(pool):
    page = _case_pages(1)[0]
    spec, expected = _spec_and_links(page)
    res = pool.extract_sync(page, links=spec)
    assert res.kind == "article"
    assert res.links == expected and res.links
    assert res.signature is not None and res.band_keys is not None and len(res.band_keys) == 32
    only_links = pool.extract_sync(page, article=False, links=spec)
    assert only_links.kind == "skipped" and only_links.article is None
    assert only_links.links == expected


def test_links_survive_an_article_timeout(pool):
    page = _big_page(scale=300)  # seconds of article work; the links part takes milliseconds
    spec, expected = _spec_and_links(page)
    res = pool.extract_sync(page, timeout=0.3, links=spec)
    assert res.kind == "error" and "timed out" in res.reason
    assert res.links == expected  # parsed for links before the article part ran out of time


def test_workers_recycled_after_max_tasks():
    pages = _case_pages(2)
    with ExtractionPool(workers=1, max_tasks_per_child=3) as p:
        results = [p.extract_sync(pages[i % 2]) for i in range(8)]
        assert [r.kind for r in results] == ["article"] * 8
        assert p.stats.recycled >= 2
        assert p.stats.crashes == 0 and p.stats.restarts == 0
        assert p.warm


def test_inline_pool_runs_jobs_too():
    page = _case_pages(1)[0]
    spec, expected = _spec_and_links(page)
    with ExtractionPool(workers=0) as inline:
        res = inline.extract_sync(page, links=spec)
        assert res.kind == "article" and res.links == expected


def test_workers_leave_sigterm_and_sigint_to_the_parent():
    """`systemctl stop`, `timeout` and Ctrl-C signal every process of the crawl; the workers,
    even while still starting up, must not die of it (the crawler stops them)."""
    with ExtractionPool(workers=2, timeout=30) as p:
        pages = _case_pages(2)
        futures = [p.submit(pg) for pg in pages]
        deadline = time.monotonic() + 10
        while len(p.worker_pids()) < 2 and time.monotonic() < deadline:
            time.sleep(0.001)
        for _ in range(3):  # right after the start (importing), and again later
            for pid in p.worker_pids():
                os.kill(pid, signal.SIGTERM)
                os.kill(pid, signal.SIGINT)
            time.sleep(0.2)
        assert [f.result(timeout=60).kind for f in futures] == ["article", "article"]
        assert p.extract_sync(pages[0]).kind == "article"
        assert p.stats.crashes == 0 and p.stats.restarts == 0


def test_process_exits_with_a_pool_left_open(tmp_path):
    """A forced stop (a second Ctrl-C) ends the crawl without closing its pool: the process
    must still exit, and promptly, although its workers ignore SIGTERM."""
    import subprocess
    import sys

    script = tmp_path / "leave_open.py"
    script.write_text(
        "import sys\n"
        f"sys.path[:0] = {[str(p) for p in (Path(__file__).parent,)]!r}\n"
        "from crawler.extract import ExtractionPool\n"
        "from _extract_cases import CASES\n"
        "from _extract_helpers import make_page\n"
        "if __name__ == '__main__':\n"
        "    pool = ExtractionPool(workers=2)\n"
        "    res = pool.extract_sync(make_page(CASES[0].url, CASES[0].html))\n"
        "    print(res.kind, pool.worker_pids(), flush=True)\n"
        "    # no pool.close(): exit as a forcibly stopped crawl does\n"
    )
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr[-2000:]
    kind, pids = proc.stdout.split(" ", 1)
    assert kind == "article"
    assert elapsed < 30
    for pid in eval(pids):  # the workers are gone too
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
