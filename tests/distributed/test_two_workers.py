"""Two workers on one Redis frontier crawl a local site: every page once, the same output
as a single-process crawl, both workers busy, per-host politeness held across workers."""

from __future__ import annotations

import json
from collections import Counter

from crawler.distributed.localsite import article_urls, html_paths, warc_urls

from tests.conftest import run_cli
from tests.distributed.conftest import FAST


def _warc_urls_by_worker(store):
    """{WARC name prefix (news-wN): Counter of response/revisit URLs}."""
    from warcio.archiveiterator import ArchiveIterator

    out: dict[str, Counter] = {}
    for path in sorted(store.glob("warc/*/*.warc.gz")):
        prefix = "-".join(path.name.split("-")[:2])
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):
                    out.setdefault(prefix, Counter())[rec.rec_headers.get_header("WARC-Target-URI")] += 1
    return out


def test_two_workers_match_single_crawl(tmp_path, site, redis_url, workers):
    # Reference: an ordinary single-process crawl of the same site.
    single_store = tmp_path / "single"
    cli = ["crawl", site.base_url + "/", "--store", str(single_store), "--allow-private"]
    for k in ("AUTOTHROTTLE_ENABLED", "EXTRACT_WORKERS"):
        cli += ["-s", f"{k}={json.dumps(FAST[k])}"]
    proc = run_cli(*cli, timeout=120)
    assert proc.returncode == 0, proc.stderr
    single_paths = Counter(site.fetched_paths())  # the site's request log
    single_warc = warc_urls(single_store)
    single_articles = article_urls(single_store)
    assert set(single_paths) >= html_paths(site.routes)

    # Two workers: a plain worker first, then `crawl --redis` enqueues the seed and works too.
    site.clear_log()
    site.max_concurrent = 0
    store = tmp_path / "shared"
    w2 = workers.worker(redis_url, store, "beta")
    w1 = workers.crawl(site.base_url + "/", redis_url, store, "alpha")
    rc1, out1, err1 = w1.wait()
    rc2, out2, err2 = w2.wait()
    assert rc1 == 0, err1[-3000:]
    assert rc2 == 0, err2[-3000:]

    # Every page fetched exactly once across workers, robots.txt included (shared in Redis).
    served = Counter(site.fetched_paths())
    twice = {p: n for p, n in served.items() if n > 1}
    assert not twice, twice
    assert served["/robots.txt"] == 1
    assert set(served) == set(single_paths)

    # Same archive and the same articles as the single crawl.
    warc = warc_urls(store)
    assert set(warc) == set(single_warc)
    assert all(n == 1 for u, n in warc.items()), warc
    assert article_urls(store) == single_articles
    assert len(single_articles) >= 40

    # Both workers did part of the work.
    by_worker = _warc_urls_by_worker(store)
    assert len(by_worker) == 2, by_worker.keys()
    for prefix, urls in by_worker.items():
        pages = [u for u in urls if not u.endswith("/robots.txt")]
        assert len(pages) >= 3, (prefix, pages)

    # Politeness is global: never more than CONCURRENT_REQUESTS_PER_DOMAIN (2) requests
    # in service at the site at once, although each worker alone allows 2.
    assert 1 <= site.max_concurrent <= 2, site.max_concurrent

    # One merged manifest listing every worker's files, with summed stats.
    manifests = sorted((store / "manifests").glob("*.json"))
    assert len(manifests) == 1
    m = json.loads(manifests[0].read_text())
    assert m["status"] == "finished"
    assert {w["worker"] for w in m["workers"]} == {"alpha", "beta"}
    assert all(w["status"] == "finished" for w in m["workers"])
    warc_files = {f["key"].rsplit("/", 1)[-1] for f in m["files"] if f["kind"] == "warc"}
    assert warc_files == {p.name for p in store.glob("warc/*/*.warc.gz")}
    kinds = Counter(f["kind"] for f in m["files"])
    assert kinds["warc"] == 2 and kinds["crawl-log"] == 2 and kinds["articles"] >= 2
    assert m["stats"]["response_received_count"] == sum(served.values())
    assert sum(w["pages_fetched"] for w in m["workers"]) == sum(served.values())
    assert m["stats"]["articles/written"] == len(single_articles)
    assert m["seeds"] == [site.base_url + "/"]
    # Nothing left behind: no spool folders, the job's Redis keys are gone.
    assert not [p for p in (store / ".spool-workers").rglob("*") if p.is_file()]
    import redis

    r = redis.Redis.from_url(redis_url)
    assert [k for k in r.keys("newsarchiver:crawl:*") if b":merge:" not in k] == []
