"""A worker SIGKILLed mid-crawl loses no URL: its in-flight requests are re-queued by
the survivor, which finishes the crawl and publishes the complete records the dead
worker left in its spool."""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter

import redis
from warcio.archiveiterator import ArchiveIterator

from crawler.distributed import serializer
from crawler.distributed.coordinator import Keys
from crawler.distributed.localsite import html_paths, warc_urls


def _has_archived(store, worker: str) -> bool:
    """The worker has archived at least one fetch (a WARC, opened with its first record, in
    its spool), so the survivor has something to publish."""
    from crawler.distributed.context import workers_spool_root
    from crawler.storage import open_store

    for owner in workers_spool_root(open_store(str(store))).glob("*/*/owner.json"):
        try:
            if json.loads(owner.read_text()).get("worker") != worker:
                continue
        except (OSError, ValueError):
            continue
        return any(w.stat().st_size > 0 for w in owner.parent.glob("*.warc.gz.open"))
    return False


def test_killed_worker_loses_no_url(tmp_path, site, redis_url, workers):
    site.delay = 0.1  # long enough to kill the victim while it has requests in flight
    store = tmp_path / "shared"
    r = redis.Redis.from_url(redis_url)
    keys = Keys("news")
    victim = workers.worker(redis_url, store, "victim", settings={"CRAWLER_WORKER_MAX_INFLIGHT": 3})
    survivor = workers.crawl(site.base_url + "/", redis_url, store, "survivor")

    # Kill the victim once it has done some work and holds requests in flight (frozen
    # with SIGSTOP first, so what it holds cannot change before the SIGKILL).
    deadline = time.monotonic() + 90
    in_flight_at_kill: list[bytes] = []
    while time.monotonic() < deadline:
        if r.hlen(keys.inflight("victim")) and 12 <= len(site.log) < 45 and _has_archived(store, "victim"):
            os.killpg(victim.proc.pid, signal.SIGSTOP)
            in_flight_at_kill = r.hvals(keys.inflight("victim"))
            if in_flight_at_kill:
                break
            os.killpg(victim.proc.pid, signal.SIGCONT)
        assert survivor.proc.poll() is None and victim.proc.poll() is None, "a worker ended too early"
        time.sleep(0.02)
    else:
        raise AssertionError("the victim never had requests in flight")
    victim.kill()
    victim.proc.wait()
    killed_urls = {serializer.loads(v)["url"] for v in in_flight_at_kill}

    rc, out, err = survivor.wait(timeout=150)
    log = f"\n--- survivor stderr ---\n{err[-3000:]}"
    assert rc == 0, log

    # No page of the site is missing from the archive.
    archived = warc_urls(store)
    expected = {site.base_url + p for p in html_paths(site.routes)}
    missing = expected - set(archived)
    assert not missing, f"{missing}{log}"

    manifests = list((store / "manifests").glob("*.json"))
    assert manifests, log
    m = json.loads(manifests[0].read_text())
    assert m["status"] == "finished", log
    assert m["distributed"]["lost_workers"] == ["victim"], log
    requeued = set(m["distributed"]["requeued_urls"])
    assert killed_urls <= requeued, f"{killed_urls} {requeued}{log}"
    assert {w["worker"]: w["status"] for w in m["workers"]}["victim"] == "lost"

    # Fetched or archived twice only if it was in flight at the victim's death
    # (its record may have been complete in the victim's WARC), robots.txt once per worker.
    fetched = Counter(site.fetched_paths())
    twice = {site.base_url + p for p, n in fetched.items() if n > 1 and p != "/robots.txt"}
    assert twice <= requeued, f"{twice - requeued}{log}"
    archived_twice = {u for u, n in archived.items() if n > 1 and not u.endswith("/robots.txt")}
    assert archived_twice <= requeued, f"{archived_twice - requeued}{log}"

    # The victim's spool (an .open WARC cut by SIGKILL) was repaired and published: complete
    # records only, listed in the manifest as recovered, the spool folder gone.
    recovered = [f for f in m["files"] if f.get("recovered")]
    assert any(f["kind"] == "warc" for f in recovered), f"{m['files']}{log}"
    assert m["distributed"]["recovered_spools"]
    assert not list((store / ".spool-workers").rglob("*.open"))
    for key in [f["key"] for f in m["files"] if f["kind"] == "warc"]:
        with open(store / key, "rb") as fh:
            n = sum(1 for _ in ArchiveIterator(fh))
        assert n > 0
    # Every file the manifest lists exists, and every WARC in the store is listed.
    assert all((store / f["key"]).is_file() for f in m["files"])
    listed = {f["key"] for f in m["files"] if f["kind"] == "warc"}
    assert listed == {p.relative_to(store).as_posix() for p in store.glob("warc/*/*.warc.gz")}
