"""`crawler runs` merges the scheduler's history with the run manifests: the job name
of each run, and runs that never wrote a manifest (skipped, killed early)."""

from __future__ import annotations

import json

from crawler.reader import list_runs
from crawler.schedule.history import record_finish, record_skipped, record_start
from crawler.storage import layout, open_store


def test_runs_lists_history_and_manifests(tmp_path):
    store = open_store(tmp_path)
    store.check_writable()
    store.put_bytes(layout.manifest_key("20261126T100000Z-aaaaaa"), json.dumps(
        {"crawl_id": "20261126T100000Z-aaaaaa", "status": "finished", "files": [], "stats": {}}).encode())
    record_start(store, "news", "20261126T100000Z-aaaaaa")
    record_finish(store, "news", "20261126T100000Z-aaaaaa", status="finished", exit_code=0)
    record_start(store, "news", "20261126T110000Z-bbbbbb")
    record_finish(store, "news", "20261126T110000Z-bbbbbb", status="killed", exit_code=137)
    record_skipped(store, "news", "job news is already running")

    runs = list_runs(store)
    by_status = {r["status"]: r for r in runs}
    assert by_status["finished"]["crawl_id"] == "20261126T100000Z-aaaaaa"
    assert by_status["finished"]["job"] == "news"
    assert by_status["killed"]["crawl_id"] == "20261126T110000Z-bbbbbb"   # no manifest, from history
    assert by_status["skipped"]["crawl_id"] is None and by_status["skipped"]["job"] == "news"
    assert len(runs) == 3
