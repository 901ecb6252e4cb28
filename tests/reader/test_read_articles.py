"""read_articles: partition filters, record filters, incremental `since`, objects."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timezone

import pytest

from crawler.reader import ReaderError, article_from_dict, read_articles
from crawler.record import Article, WarcPointer
from crawler.storage import layout
from crawler.storage.base import LocalStore
from tests.reader.conftest import RUN1, RUN2
from tests.reader.storebuilder import Page, StreamingStore, write_run


def urls(records):
    return sorted(r["url"] if isinstance(r, dict) else r.url for r in records)


def test_reads_everything_lazily(two_runs):
    it = read_articles(two_runs.store)
    assert not isinstance(it, list)
    records = list(it)
    assert len(records) == len(two_runs.run1_urls) + len(two_runs.run2_urls)
    assert {r["crawl_id"] for r in records} == {RUN1, RUN2}


def test_date_range_is_inclusive_and_prunes_partitions(two_runs):
    spy = StreamingStore(LocalStore(two_runs.store))
    got = list(read_articles(spy, date_from="2026-11-26", date_to="2026-11-27"))
    assert urls(got) == sorted([
        "https://alpha.example/2026/11/26/three", "https://beta.example/de/eins",
        "https://beta.example/de/eins-kopie", "https://gamma.example/fr/un",
    ])
    assert spy.opened and all(k.startswith(("articles/date=2026-11-26/", "articles/date=2026-11-27/"))
                              for k in spy.opened)
    # open-ended ranges, date objects and a bound inside a day
    assert urls(read_articles(two_runs.store, date_from=date(2026, 11, 28))) == sorted(two_runs.run2_urls)
    assert len(list(read_articles(two_runs.store, date_to="2026-11-25"))) == 2
    late = list(read_articles(two_runs.store, date_from=datetime(2026, 11, 25, 12, tzinfo=timezone.utc),
                              date_to="2026-11-25"))
    assert urls(late) == ["https://www.alpha.example/2026/11/25/two"]
    assert list(read_articles(two_runs.store, date_from="2026-11-27", date_to="2026-11-26")) == []
    # a wide range (common-prefix listing) gives the same answer as no range
    assert len(list(read_articles(two_runs.store, date_from="2000-01-01", date_to="2099-12-31"))) == 10


def test_site_filter_normalises_hosts_and_prunes(two_runs):
    spy = StreamingStore(LocalStore(two_runs.store))
    got = list(read_articles(spy, sites=["WWW.Alpha.Example"]))
    assert {r["site"] for r in got} == {"alpha.example"} and len(got) == 4
    assert all("/site=alpha.example/" in k for k in spy.opened)
    both = list(read_articles(two_runs.store, sites=["beta.example", "https://gamma.example/x"],
                              date_from="2026-11-26", date_to="2026-11-26"))
    assert {r["site"] for r in both} == {"beta.example"} and len(both) == 2


def test_language_and_unique_filters(two_runs):
    de = list(read_articles(two_runs.store, languages=["DE"]))
    assert len(de) == 4 and {r["language"] for r in de} == {"de"}
    unique_de = list(read_articles(two_runs.store, languages=["de"], unique_only=True))
    assert urls(unique_de) == ["https://beta.example/de/eins", "https://beta.example/de/zwei"]
    assert len(list(read_articles(two_runs.store, unique_only=True))) == 8
    assert len(list(read_articles(two_runs.store, languages=["en", "fr"]))) == 5


def test_crawl_id_filter(two_runs):
    assert urls(read_articles(two_runs.store, crawl_id=RUN2)) == sorted(two_runs.run2_urls)


def test_since_run_id_returns_only_later_runs(two_runs):
    got = list(read_articles(two_runs.store, since=RUN1))
    assert urls(got) == sorted(two_runs.run2_urls)
    assert {r["crawl_id"] for r in got} == {RUN2}
    assert list(read_articles(two_runs.store, since=RUN2)) == []
    # combined with other filters
    assert urls(read_articles(two_runs.store, since=RUN1, sites=["beta.example"], unique_only=True)) == [
        "https://beta.example/de/zwei"]


def test_since_timestamp_uses_manifest_finished_at(two_runs):
    m1 = json.loads((two_runs.store / layout.manifest_key(RUN1)).read_text())
    m2 = json.loads((two_runs.store / layout.manifest_key(RUN2)).read_text())
    assert urls(read_articles(two_runs.store, since=m1["finished_at"])) == sorted(two_runs.run2_urls)
    assert len(list(read_articles(two_runs.store, since="2000-01-01"))) == 10
    assert list(read_articles(two_runs.store, since=m2["finished_at"])) == []
    # a well-formed crawl id without a manifest is compared as a crawl id
    assert urls(read_articles(two_runs.store, since="20261126T000000Z-000000")) == sorted(two_runs.run2_urls)


def test_since_catches_overlapping_run_and_skips_unfinished(tmp_path):
    early, late, running = "20261126T100000Z-cccccc", "20261126T110000Z-dddddd", "20261126T120000Z-eeeeee"
    first = write_run(tmp_path, "20261126T090000Z-ffffff", [Page("https://a.example/0", "2026-11-26T09:00:00Z")])
    a = write_run(tmp_path, early, [Page("https://a.example/1", "2026-11-26T10:00:00Z")], write_manifest=False)
    write_run(tmp_path, late, [Page("https://a.example/2", "2026-11-26T11:00:00Z")])
    # the earlier-started run finishes after the later one
    a["ctx"].write_manifest({}, "finished")
    r = write_run(tmp_path, running, [Page("https://a.example/3", "2026-11-26T12:00:00Z")], write_manifest=False)
    assert first
    assert urls(read_articles(tmp_path, since=late)) == ["https://a.example/1"]
    assert urls(read_articles(tmp_path, since="20261126T090000Z-ffffff")) == [
        "https://a.example/1", "https://a.example/2"]
    # the run still in progress is visible to full reads, not to incremental ones yet
    assert len(list(read_articles(tmp_path))) == 4
    # ... until it finishes
    r["ctx"].write_manifest({}, "finished")
    assert urls(read_articles(tmp_path, since=late)) == ["https://a.example/1", "https://a.example/3"]


def test_bad_since_and_dates_raise_on_call(two_runs):
    with pytest.raises(ReaderError):
        read_articles(two_runs.store, since="last tuesday")
    with pytest.raises(ReaderError):
        read_articles(two_runs.store, date_from="2026-13-45")


def test_as_objects(two_runs):
    objs = list(read_articles(two_runs.store, as_objects=True, sites=["gamma.example"]))
    assert len(objs) == 1
    art = objs[0]
    assert isinstance(art, Article) and isinstance(art.warc, WarcPointer)
    assert art.language == "fr" and art.crawl_id == RUN1
    assert art.warc.filename.endswith(".warc.gz") and art.warc.length > 0
    assert art.to_dict() == next(iter(read_articles(two_runs.store, sites=["gamma.example"])))


def test_as_objects_tolerates_additive_schema_changes(tmp_path):
    write_run(tmp_path, RUN1, [Page("https://a.example/1", "2026-11-26T10:00:00Z")])
    rec = next(iter(read_articles(tmp_path)))
    rec = {**rec, "schema_version": "1.3", "paywalled": True, "entities": [{"name": "X"}],
           "warc": {**rec["warc"], "date": "2026-11-26T10:00:00Z", "segment": 2}}
    newer = "20261127T000000Z-abcdef"  # a run of a newer writer, still running
    key = layout.article_key("2026-11-26", "a.example", newer, 0)
    part = LocalStore(tmp_path).put_bytes(key, gzip.compress((json.dumps(rec) + "\n\n").encode()))
    objs = list(read_articles(tmp_path, as_objects=True, crawl_id="20261127T000000Z-abcdef"))
    assert len(objs) == 1 and objs[0].schema_version == "1.3" and objs[0].warc.record_id == rec["warc"]["record_id"]
    dicts = list(read_articles(tmp_path, crawl_id="20261127T000000Z-abcdef"))
    assert dicts[0]["paywalled"] is True  # dicts keep unknown fields
    # (it finishes: its manifest lists the part)
    LocalStore(tmp_path).put_bytes(layout.manifest_key(newer), json.dumps(
        {"crawl_id": newer, "status": "finished", "files": [{"kind": "articles", **part.to_dict(), "records": 1}]}
    ).encode())
    old = {k: v for k, v in rec.items() if k not in ("text_digest", "tags")}
    assert article_from_dict(old).tags == [] and article_from_dict(old).text_digest is None


def test_reads_through_stream_only_store(two_runs):
    """Only Store.list/open_read with non-seekable streams: what an S3 backend offers."""
    spy = StreamingStore(LocalStore(two_runs.store))
    assert urls(read_articles(spy, since=RUN1)) == sorted(two_runs.run2_urls)
    assert len(list(read_articles(spy))) == 10
