"""A revisit only points at a capture the store holds (issue 15 point 3), and two plain
crawls into one local store are kept apart by the store's crawl lock (issue 16 point 4)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import time

from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import Route, SiteServer
from crawler.exitcodes import EXIT_BUSY
from crawler.schedule.lock import JobLock
from tests.conftest import ROOT, assert_verified, mark_store_unverifiable, run_cli
from tests.storage.test_s3_crawl import small_site

SETTINGS = {"AUTOTHROTTLE_ENABLED": False, "CRAWLER_GUESS_SITEMAPS": False,
            "CRAWLER_FEEDS": False, "DEDUP_MIN_REVISIT_SIZE": 0}


def records(store) -> list[dict]:
    out = []
    for path in sorted(store.glob("warc/*/*.warc.gz")):
        for rec in ArchiveIterator(io.BytesIO(path.read_bytes())):
            h = rec.rec_headers
            out.append({"type": rec.rec_type, "id": h.get_header("WARC-Record-ID"),
                        "uri": h.get_header("WARC-Target-URI"),
                        "refers_to": h.get_header("WARC-Refers-To"), "file": path.name})
    return out


def dangling(recs: list[dict]) -> list[dict]:
    ids = {r["id"] for r in recs if r["type"] == "response"}
    return [r for r in recs if r["type"] == "revisit" and r["refers_to"] not in ids]


def test_revisit_never_points_at_an_original_the_store_lost(crawl, tmp_path):
    """The index still names captures whose WARCs are gone from the store (its warc/
    folder restored from an older backup, say): the next crawl archives those pages in
    full again -- articles included -- instead of writing revisits to nothing, and the
    index then points at the new captures."""
    store = tmp_path / "store"
    with SiteServer(small_site()) as srv:
        first = crawl(srv.base_url + "/", store=store, settings=SETTINGS)
        assert first.returncode == 0, first.stderr[-3000:]
        assert first.manifest["stats"]["articles/written"] == 4
        mark_store_unverifiable(store, "its WARCs and indexes deleted on purpose (restored from an old backup)")
        shutil.rmtree(store / "warc")
        shutil.rmtree(store / "indexes")
        second = crawl(srv.base_url + "/", store=store, settings=SETTINGS)
        assert second.returncode == 0, second.stderr[-3000:]
        stats = second.manifest["stats"]
        assert stats["articles/written"] == 4
        assert stats["dedup/original_missing"] >= 4
        recs = records(store)
        assert not dangling(recs)
        assert [r for r in recs if r["type"] == "revisit"] == []
        # the index now points at the second crawl's captures: a third crawl makes
        # revisits of them (and skips the archived articles)
        third = crawl(srv.base_url + "/", store=store, settings=SETTINGS)
        assert third.returncode == 0, third.stderr[-3000:]
        assert third.manifest["stats"].get("articles/written", 0) == 0
        recs = records(store)
        assert [r for r in recs if r["type"] == "revisit"] and not dangling(recs)
        # the runs after the loss are sound on their own (the third's revisits resolve in the second)
        for run in (second, third):
            assert_verified(store, run.manifest["crawl_id"])


def test_second_plain_crawl_into_a_busy_local_store_exits_4(tmp_path):
    """Two plain crawls into one local store at once: the second exits at once with code 4
    and one line naming the running crawl; the first is unaffected."""
    routes = small_site()
    routes["/"] = Route(body=routes["/"].body, delay=4.0)  # keeps the first crawl running
    store = tmp_path / "store"
    lock = JobLock(store / "state" / "crawl.lock")
    with SiteServer(routes) as srv:
        args = ["crawl", srv.base_url + "/", "--store", str(store), "--allow-private",
                *[x for k, v in SETTINGS.items() for x in ("-s", f"{k}={json.dumps(v)}")]]
        first = subprocess.Popen([sys.executable, "-m", "crawler", *args], cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while not lock.is_locked():
                assert first.poll() is None and time.monotonic() < deadline, first.communicate()
                time.sleep(0.05)
            second = run_cli(*args)
            out, err = first.communicate(timeout=120)
        finally:
            if first.poll() is None:
                first.kill()
    assert second.returncode == EXIT_BUSY
    lines = [line for line in second.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in second.stderr, second.stderr
    assert "is busy: another crawl is writing to it (crawl " in lines[0]
    assert f"pid {first.pid}" in lines[0]
    assert first.returncode == 0, err[-3000:]
    assert len(list((store / "manifests").glob("*.json"))) == 1
    assert not lock.is_locked()  # released when the crawl ended
