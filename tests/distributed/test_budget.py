"""Issue 16: workers keep the order and the budgets of a single crawl -- ``--max-pages``
is the crawl's budget of fetches (robots.txt included), exact across workers."""

from __future__ import annotations

import json
from collections import Counter


def test_two_workers_share_an_exact_budget(tmp_path, site, redis_url, workers):
    store = tmp_path / "shared"
    budget = 13
    w2 = workers.worker(redis_url, store, "beta")
    w1 = workers.crawl(site.base_url + "/", redis_url, store, "alpha", settings={"CRAWLER_MAX_PAGES": budget})
    rc1, _o1, err1 = w1.wait()
    rc2, _o2, err2 = w2.wait()
    assert rc1 == 0, err1[-3000:]
    assert rc2 == 0, err2[-3000:]
    served = Counter(site.fetched_paths())
    assert sum(served.values()) == budget, served  # exactly the budget, server side
    assert served["/robots.txt"] == 1 and max(served.values()) == 1
    # Discovery first: robots.txt, then the sitemap, before any article.
    order = site.fetched_paths()
    assert order[0] == "/robots.txt" and "/sitemap.xml" in order[:3], order[:5]
    m = json.loads(next((store / "manifests").glob("*.json")).read_text())
    assert m["status"] == "finished"
    assert m["stats"]["frontier/fetched"] == budget
    assert m["stats"]["frontier/ended_by"] == "max_pages"


def test_distributed_crawl_of_a_dead_site_exits_5(tmp_path, redis_url, workers):
    """Issue 15: a crawl that archived nothing exits 5 -- distributed crawls too (decided
    on the merged manifest: no worker fetched a page)."""
    from crawler.distributed.localsite import free_port

    store = tmp_path / "shared"
    dead = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    w = workers.crawl(dead, redis_url, store, "alpha", settings={"RETRY_TIMES": 0})
    rc, _out, err = w.wait()
    assert rc == 5, err[-3000:]
    assert "Traceback" not in err
    m = json.loads(next((store / "manifests").glob("*.json")).read_text())
    assert m["status"] == "failed" and m["failure"] == "nothing_fetched", m.get("reason")
