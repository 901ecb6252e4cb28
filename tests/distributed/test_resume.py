"""A worker that stops early (here CRAWLER_WORKER_MAX_PAGES) gives its unfinished requests back and
leaves the frontier in Redis; a worker started later resumes and completes the crawl."""

from __future__ import annotations

import json
from collections import Counter

from crawler.distributed.localsite import html_paths, warc_urls


def test_stop_then_resume(tmp_path, site, redis_url, workers):
    store = tmp_path / "shared"
    first = workers.crawl(site.base_url + "/", redis_url, store, "first",
                          settings={"CRAWLER_WORKER_MAX_PAGES": 8})
    rc, out, err = first.wait()
    assert rc == 0, err[-3000:]
    provisional = json.loads(next((store / "manifests").glob("*.json")).read_text())
    assert provisional["status"] == "stopped"  # provisional: the frontier is kept in Redis
    crawl_id = provisional["crawl_id"]
    fetched_first = len(site.log)
    assert fetched_first < len(html_paths(site.routes))

    second = workers.worker(redis_url, store, "second")
    rc, out, err = second.wait()
    assert rc == 0, err[-3000:]
    manifests = list((store / "manifests").glob("*.json"))
    assert len(manifests) == 1
    m = json.loads(manifests[0].read_text())
    assert m["crawl_id"] == crawl_id and m["status"] == "finished"
    assert {w["worker"] for w in m["workers"]} == {"first", "second"}

    archived = warc_urls(store)
    assert {site.base_url + p for p in html_paths(site.routes)} <= set(archived)
    # No URL fetched twice: the stopping worker gives back only requests that got no
    # response (an answered one is archived; re-queueing it made the next worker fetch
    # the same URL again -- the duplicate fetches of issue 16).
    twice = {p: n for p, n in Counter(site.fetched_paths()).items() if n > 1}
    assert not twice, twice
    assert {f["key"] for f in m["files"] if f["kind"] == "warc"} == \
        {p.relative_to(store).as_posix() for p in store.glob("warc/*/*.warc.gz")}
