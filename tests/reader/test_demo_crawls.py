"""End to end: two real crawls of the bundled demo site into one store, read back."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import SiteServer
from crawler.demo.site import build_site
from crawler.reader import list_runs, read_articles, show_capture, store_stats
from tests.conftest import ROOT, CrawlRun, run_cli


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    store = tmp_path_factory.mktemp("demo-two-runs")
    runs = []
    with SiteServer({}) as srv:
        srv.routes.update(build_site(srv.base_url))
        # run 2 without deduplication, so that it writes article records again
        for extra in ([], ["-s", "DEDUP_ENABLED=false"]):
            proc = run_cli("crawl", srv.base_url + "/", "--store", str(store), "--allow-private", *extra)
            assert proc.returncode == 0, proc.stderr[-3000:]
            runs.append(CrawlRun(proc.returncode, proc.stdout, proc.stderr, store))
    ids = [r["crawl_id"] for r in list_runs(store)]
    assert len(ids) == 2
    return store, ids


def test_runs_and_incremental_read(crawled):
    store, (run1, run2) = crawled
    runs = list_runs(store)
    assert [r["status"] for r in runs] == ["finished", "finished"]
    everything = list(read_articles(store))
    assert everything, "the demo crawl produced no article records"
    assert sum(r["records"] for r in runs) == len(everything)
    new = list(read_articles(store, since=run1))
    assert new and new == [r for r in everything if r["crawl_id"] == run2]
    assert len(new) < len(everything)
    assert all(r["crawl_id"] == run1 for r in read_articles(store, crawl_id=run1))
    objs = list(read_articles(store, since=run1, as_objects=True))
    assert len(objs) == len(new)
    for o, r in zip(objs, new):
        d = o.to_dict()
        assert d["warc"] == {k: r["warc"].get(k) for k in d["warc"]}
        assert {k: v for k, v in d.items() if k != "warc"} == {k: r.get(k) for k in d if k != "warc"}


def test_show_matches_the_warc_record(crawled):
    store, (run1, run2) = crawled
    rec = next(r for r in read_articles(store, crawl_id=run1))
    warc = rec["warc"]
    path = store / "warc" / run1 / warc["filename"]
    with open(path, "rb") as fh:
        fh.seek(warc["offset"])
        it = ArchiveIterator(io.BytesIO(fh.read(warc["length"])), no_record_parse=True)
        record = next(iter(it))
        assert record.rec_type == "response"
        block = record.raw_stream.read()
    # the latest capture of the URL is run 2's response
    latest = next(r for r in read_articles(store, crawl_id=run2) if r["url"] == rec["url"])
    w2 = latest["warc"]
    with open(store / "warc" / run2 / w2["filename"], "rb") as fh:
        fh.seek(w2["offset"])
        record2 = next(iter(ArchiveIterator(io.BytesIO(fh.read(w2["length"])), no_record_parse=True)))
        assert record2.rec_type == "response"
        block2 = record2.raw_stream.read()
    shown = show_capture(store, rec["url"])
    assert shown == block2
    assert shown.startswith(b"HTTP/1.") and shown.split(b"\r\n\r\n", 1)[1] == block.split(b"\r\n\r\n", 1)[1]
    proc = subprocess.run([sys.executable, "-m", "crawler.readcli", "show", rec["url"], "--store", str(store)],
                          cwd=ROOT, capture_output=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == shown


def test_stats_over_demo_crawls(crawled):
    store, _ = crawled
    s = store_stats(store)
    assert s["articles"]["total"] == len(list(read_articles(store)))
    assert s["runs"]["by_status"] == {"finished": 2}
    assert s["storage"]["warc"]["bytes"] > 0 and s["storage"]["articles"]["bytes"] > 0
    json.dumps(s)
