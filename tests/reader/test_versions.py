"""Record versions: `crawler reprocess` writes records again (same ``id``, same capture
``crawl_id``) under its own run id; readers give the latest version unless asked for all."""

from __future__ import annotations

import gzip
import json

import pytest

from crawler import readcli
from crawler.context import utc_now_iso
from crawler.reader import ReaderError, read_articles, store_stats
from crawler.storage import layout
from crawler.storage.base import LocalStore
from tests.conftest import mark_store_unverifiable
from tests.reader.storebuilder import Page, StreamingStore, write_run

CRAWL = "20261126T090000Z-aaaaaa"
LATER_CRAWL = "20261126T150000Z-cccccc"
REPROCESS_1 = "20261127T080000Z-bbbbbb"
REPROCESS_2 = "20261128T080000Z-dddddd"

PAGES = [
    Page("https://a.example/2026/11/26/one", "2026-11-26T09:01:00Z"),
    Page("https://a.example/2026/11/26/two", "2026-11-26T09:02:00Z"),
    Page("https://b.example/2026/11/26/three", "2026-11-26T09:03:00Z"),
    Page("https://a.example/2026/11/27/four", "2026-11-27T00:10:00Z"),
]


def _records(store, crawl_id):
    return list(read_articles(store, crawl_id=crawl_id))


def write_reprocess(store, run_id, records, version, *, manifest=True, started=None, status="finished",
                    kind="reprocess"):
    """What `crawler reprocess` stores: the records again, same ids and capture crawl_id,
    a new extractor_version, in parts named with the reprocess run id; a manifest of
    kind "reprocess" (unless the run has not finished)."""
    st = LocalStore(store)
    parts: dict[tuple[str, str], list[dict]] = {}
    for rec in records:
        parts.setdefault((rec["fetched_at"][:10], rec["site"]), []).append(
            {**rec, "extractor_version": version, "title": f"{rec['title']} ({version})"})
    files = []
    for (day, site), recs in sorted(parts.items()):
        key = layout.article_key(day, site, run_id, 0)
        data = gzip.compress("".join(json.dumps(r) + "\n" for r in recs).encode())
        files.append({"kind": "articles", **st.put_bytes(key, data).to_dict(), "records": len(recs)})
    if manifest:
        now = utc_now_iso()  # finished after the runs written before it
        if started is None and run_id[:8].isdigit():  # started when its id says
            started = f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}T{run_id[9:11]}:{run_id[11:13]}:{run_id[13:15]}Z"
        m = {"crawl_id": run_id, "status": status, "started_at": started or now, "finished_at": now,
             "files": files}
        if kind:
            m.update(kind=kind, source_crawl_ids=sorted({r["crawl_id"] for r in records}))
        st.put_bytes(layout.manifest_key(run_id), json.dumps(m).encode())


@pytest.fixture
def store(tmp_path):
    write_run(tmp_path, CRAWL, PAGES, max_records=1)  # one record per part: partitions hold several parts
    originals = _records(tmp_path, CRAWL)
    assert len(originals) == 4
    # the first reprocess re-extracts three of the four (a page that is no longer an article stays old)
    write_reprocess(tmp_path, REPROCESS_1, originals[:3], "2.0")
    # a later crawl in the same partitions: new captures, new ids (not versions)
    write_run(tmp_path, LATER_CRAWL, [Page("https://a.example/2026/11/26/one", "2026-11-26T15:00:00Z",
                                           text="Updated.")])
    # the second reprocess, of one record, still running: parts stored, no manifest yet
    write_reprocess(tmp_path, REPROCESS_2, originals[:1], "3.0", manifest=False)
    yield tmp_path, originals
    # ... which then finishes (unless the test let it): the store left behind is complete
    if not (tmp_path / layout.manifest_key(REPROCESS_2)).exists():
        write_reprocess(tmp_path, REPROCESS_2, originals[:1], "3.0")


def _by_id(records):
    return {r["id"]: r for r in records}


def test_latest_version_of_each_record(store):
    path, originals = store
    got = list(read_articles(path))
    ids = [r["id"] for r in got]
    assert len(ids) == len(set(ids)) == 5  # 4 captures of CRAWL + 1 of LATER_CRAWL
    latest = _by_id(got)
    assert latest[originals[0]["id"]]["extractor_version"] == "3.0"  # unfinished reprocess recognised
    assert {latest[r["id"]]["extractor_version"] for r in originals[1:3]} == {"2.0"}
    assert latest[originals[3]["id"]]["extractor_version"] == "test-1"  # never re-extracted
    # versions keep the capture's run and WARC pointer
    assert all(latest[r["id"]]["crawl_id"] == CRAWL and latest[r["id"]]["warc"] == r["warc"] for r in originals)
    # the later crawl's own capture of a re-extracted URL is a separate record
    assert sorted(r["crawl_id"] for r in got if r["url"].endswith("/one")) == [CRAWL, LATER_CRAWL]


def test_all_versions(store):
    path, originals = store
    got = list(read_articles(path, versions="all"))
    assert len(got) == 4 + 3 + 1 + 1
    versions = sorted(r["extractor_version"] for r in got if r["id"] == originals[0]["id"])
    assert versions == ["2.0", "3.0", "test-1"]
    with pytest.raises(ReaderError):
        read_articles(path, versions="newest")


def test_order_and_filters_unchanged(store):
    path, _ = store
    # same order as an all-versions read with the older versions left out
    latest_ids = {(r["id"], r["extractor_version"]) for r in read_articles(path)}
    expected = [r for r in read_articles(path, versions="all") if (r["id"], r["extractor_version"]) in latest_ids]
    assert list(read_articles(path)) == expected
    # a partition filter sees the same versions
    day = list(read_articles(path, date_from="2026-11-27", date_to="2026-11-27"))
    assert [r["extractor_version"] for r in day] == ["test-1"]
    b = list(read_articles(path, sites=["b.example"]))
    assert [r["extractor_version"] for r in b] == ["2.0"]



def test_crawl_id_gives_that_run_s_captures_in_their_latest_version(store):
    path, originals = store
    of_crawl = list(read_articles(path, crawl_id=CRAWL))
    assert of_crawl == [r for r in read_articles(path) if r["crawl_id"] == CRAWL]
    assert sorted(r["extractor_version"] for r in of_crawl) == ["2.0", "2.0", "3.0", "test-1"]
    assert len(list(read_articles(path, crawl_id=CRAWL, versions="all"))) == 4 + 3 + 1
    assert [r["url"] for r in read_articles(path, crawl_id=LATER_CRAWL)] == ["https://a.example/2026/11/26/one"]
    # a reprocess run's id: the records it wrote, as it wrote them
    own = list(read_articles(path, crawl_id=REPROCESS_1))
    assert len(own) == 3 and {r["extractor_version"] for r in own} == {"2.0"}
    assert {r["crawl_id"] for r in own} == {CRAWL}


def test_incremental_read_includes_reprocess_runs(store):
    path, originals = store
    # runs finished after CRAWL: the later crawl and the first reprocess (the second has no manifest yet)
    got = list(read_articles(path, since=CRAWL))
    assert sorted(r["extractor_version"] for r in got) == ["2.0", "2.0", "2.0", "test-1"]
    assert len({r["id"] for r in got}) == 4
    # once the second reprocess is visible in the window, its version wins over the first one's
    write_reprocess(path, REPROCESS_2, originals[:1], "3.0")
    got = _by_id(read_articles(path, since=CRAWL))
    assert len(got) == 4 and got[originals[0]["id"]]["extractor_version"] == "3.0"
    # after the first reprocess finished: the later crawl's capture and the second reprocess
    assert sorted((r["crawl_id"], r["extractor_version"]) for r in read_articles(path, since=REPROCESS_1)) == [
        (CRAWL, "3.0"), (LATER_CRAWL, "test-1")]


def test_stream_only_store_same_answer(store):
    path, _ = store
    assert list(read_articles(StreamingStore(LocalStore(path)))) == list(read_articles(path))


def test_stats_count_latest_versions(store, capsys):
    path, _ = store
    a = store_stats(path)["articles"]
    assert a["total"] == 5 and a["older_versions"] == 4
    assert a["per_site"] == {"a.example": 4, "b.example": 1}
    assert readcli.main(["stats", "--store", str(path)]) == 0
    out = capsys.readouterr().out
    assert "older versions" in out


def test_cli_all_versions(store, tmp_path_factory, capsys):
    path, _ = store
    out = tmp_path_factory.mktemp("out")
    assert readcli.main(["articles", "--store", str(path), "--out", str(out / "latest.jsonl")]) == 0
    assert readcli.main(["articles", "--store", str(path), "--all-versions", "--out", str(out / "all.jsonl")]) == 0
    latest = (out / "latest.jsonl").read_text().splitlines()
    every = (out / "all.jsonl").read_text().splitlines()
    assert (len(latest), len(every)) == (5, 9)
    assert "5 records written" in capsys.readouterr().err


README_LATEST_QUERY = """
SELECT * EXCLUDE (filename)
FROM read_json_auto('{store}/articles/*/*/*.jsonl.gz', hive_partitioning = true, filename = true)
QUALIFY row_number() OVER (PARTITION BY id ORDER BY filename DESC) = 1
"""


def test_duckdb_latest_versions_query(store):
    import duckdb

    path, _ = store
    rel = duckdb.sql(README_LATEST_QUERY.format(store=path))
    assert "filename" not in rel.columns
    rows = rel.select("id, extractor_version").fetchall()
    assert sorted(rows) == sorted((r["id"], r["extractor_version"]) for r in read_articles(path))


def test_versions_do_not_depend_on_how_run_ids_sort(tmp_path):
    """Run ids given with --crawl-id need not sort by time: a reprocess version beats the
    crawl's, and between reprocess runs the later start wins."""
    write_run(tmp_path, "zz-nightly", PAGES[:2])
    originals = _records(tmp_path, "zz-nightly")
    write_reprocess(tmp_path, "mm-reprocess-late", originals, "late", started="2026-11-28T10:00:00Z")
    write_reprocess(tmp_path, "yy-reprocess-early", originals, "early", started="2026-11-27T10:00:00Z")
    got = list(read_articles(tmp_path))
    assert sorted(r["extractor_version"] for r in got) == ["late", "late"]
    assert store_stats(tmp_path)["articles"]["older_versions"] == 4
    assert {r["extractor_version"] for r in read_articles(tmp_path, crawl_id="zz-nightly")} == {"late"}


def test_a_recovered_reprocess_run_is_recognised(tmp_path):
    """A reprocess killed mid-run is published by the next crawl's recovery with a manifest
    that does not say it was a reprocess: its records do."""
    write_run(tmp_path, CRAWL, PAGES[:2])
    originals = _records(tmp_path, CRAWL)
    write_reprocess(tmp_path, REPROCESS_1, originals[:1], "2.0", status="recovered", kind=None)
    got = _by_id(read_articles(tmp_path))
    assert len(got) == 2 and got[originals[0]["id"]]["extractor_version"] == "2.0"
    assert [r["extractor_version"] for r in read_articles(tmp_path, crawl_id=CRAWL)].count("2.0") == 1


def test_an_abandoned_reprocess_does_not_outrank_later_ones(tmp_path):
    """A reprocess that died before writing its manifest ranks by the time in its id: a
    reprocess that started later (and finished) wins over it."""
    write_run(tmp_path, CRAWL, PAGES[:2])
    originals = _records(tmp_path, CRAWL)
    write_reprocess(tmp_path, REPROCESS_1, originals, "abandoned", manifest=False)
    mark_store_unverifiable(tmp_path, "crash simulation: a reprocess run died before its manifest")
    write_reprocess(tmp_path, REPROCESS_2, originals[:1], "later")
    got = _by_id(read_articles(tmp_path))
    assert got[originals[0]["id"]]["extractor_version"] == "later"
    assert got[originals[1]["id"]]["extractor_version"] == "abandoned"  # the newest it has


def test_an_unsorted_listing_is_reported(store, caplog):
    """Store.list must return sorted keys (S3 general-purpose buckets do; S3 Express
    directory buckets do not): a listing out of order is said, not silently half-handled."""
    path, _ = store

    class Shuffled(StreamingStore):
        def list(self, prefix=""):
            return iter(sorted(self.inner.list(prefix), key=lambda k: k.rsplit("/", 1)[-1]))  # by file name

    with caplog.at_level("WARNING", logger="crawler.reader"):
        list(read_articles(Shuffled(LocalStore(path))))
    assert "out of order" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="crawler.reader"):
        list(read_articles(StreamingStore(LocalStore(path))))
    assert "out of order" not in caplog.text
