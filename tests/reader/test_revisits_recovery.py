"""Interplay with deduplication (revisit records) and crash recovery (`recovered` runs)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from crawler.context import new_crawl_id
from crawler.storage.base import LocalStore

from crawler.reader import list_runs, read_articles, show_capture
from crawler.storage import layout
from tests.conftest import assert_verified, mark_store_unverifiable
from tests.reader.storebuilder import Page, http_head, http_response, write_run

IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
URL = "https://news.example/2026/story"


@pytest.fixture
def revisited(tmp_path):
    first = Page(URL, "2026-11-26T10:00:00Z", extra_header="Date: Thu, 26 Nov 2026 10:00:00 GMT")
    r1 = write_run(tmp_path, "20261126T100000Z-aaaaaa", [first])
    ref = r1["locs"][URL]
    again = Page(URL, "2026-11-27T10:00:00Z", extra_header="Date: Fri, 27 Nov 2026 10:00:00 GMT",
                 revisit=(IDENTICAL, ref))
    r2 = write_run(tmp_path, "20261127T100000Z-bbbbbb", [again], cdxj=True)
    return tmp_path, first, again, r1, r2


def test_identical_payload_revisit_is_resolved(revisited):
    store, first, again, r1, _ = revisited
    # head as received at revisit time, body from the original (identical payload) record
    expected = http_head(http_response(again)) + r1["responses"][URL][len(http_head(r1["responses"][URL])):]
    assert show_capture(store, URL) == expected
    assert b"Fri, 27 Nov 2026" in expected and expected.endswith(b"</html>")


def test_not_modified_revisit_gives_the_original(tmp_path):
    r1 = write_run(tmp_path, "20261126T100000Z-aaaaaa", [Page(URL, "2026-11-26T10:00:00Z")])
    write_run(tmp_path, "20261127T100000Z-bbbbbb", [
        Page(URL, "2026-11-27T10:00:00Z", status_line="HTTP/1.1 304 Not Modified", article=False,
             revisit=(NOT_MODIFIED, r1["locs"][URL]))], cdxj=True)
    assert show_capture(tmp_path, URL) == r1["responses"][URL]


def test_revisit_without_original_falls_back_or_fails(revisited, tmp_path_factory):
    store, *_ = revisited
    # the original's article record is gone: no way to find it, and no older capture
    for part in store.glob("articles/date=2026-11-26/site=news.example/*.jsonl.gz"):
        part.unlink()
    mark_store_unverifiable(store, "a listed article part deleted on purpose")
    with pytest.raises(LookupError):
        show_capture(store, URL)


def test_recovered_run_is_consumed_incrementally(tmp_path):
    now = datetime.now(timezone.utc)
    before, crashed, after = (new_crawl_id(now + timedelta(seconds=s)) for s in (0, 2, 4))
    write_run(tmp_path, before, [Page("https://a.example/0", "2026-11-26T08:00:00Z")])
    # a run killed after handing two parts to the store (no manifest) ...
    write_run(tmp_path, crashed, [Page("https://a.example/1", "2026-11-26T09:00:00Z"),
                                  Page("https://b.example/1", "2026-11-26T09:01:00Z")], write_manifest=False)
    # ... is recovered by the next run, whose RunContext finds its spool folder
    nxt = write_run(tmp_path, after, [Page("https://a.example/2", "2026-11-26T10:00:00Z")], recover=True)
    assert nxt["ctx"].recovered == [crashed]
    manifest = json.loads((tmp_path / layout.manifest_key(crashed)).read_text())
    assert manifest["status"] == "recovered"
    got = sorted(r["url"] for r in read_articles(tmp_path, since=before))
    assert got == ["https://a.example/1", "https://a.example/2", "https://b.example/1"]
    assert sorted(r["url"] for r in read_articles(tmp_path, since=before, sites=["b.example"])) == [
        "https://b.example/1"]
    statuses = {r["crawl_id"]: r["status"] for r in list_runs(tmp_path)}
    assert statuses == {before: "finished", crashed: "recovered", after: "finished"}
    # the parts the crashed run had handed to the store before it died are in its manifest
    # (the spool's list of stored files), so the audit vouches for them too
    assert [f["key"] for f in manifest["files"] if f["kind"] == "articles"] == sorted(
        str(p.relative_to(tmp_path)) for p in tmp_path.glob(f"articles/*/*/part-{crashed}-*"))
    assert_verified(tmp_path)


def test_since_prefers_recorded_recovery_time(tmp_path):
    """A recovered manifest with a time (finished_at / recovered_at) is ordered by it."""
    crashed = write_run(tmp_path, "20261126T090000Z-000002", [Page("https://a.example/1", "2026-11-26T09:00:00Z")],
                        write_manifest=False)
    write_run(tmp_path, "20261126T100000Z-000003", [Page("https://a.example/2", "2026-11-26T10:00:00Z")])
    LocalStore(tmp_path).put_bytes(layout.manifest_key("20261126T090000Z-000002"), json.dumps(
        {"crawl_id": "20261126T090000Z-000002", "status": "recovered", "files": crashed["ctx"].files,
         "recovered_at": "2999-01-01T00:00:00Z"}).encode())
    assert [r["url"] for r in read_articles(tmp_path, since="20261126T100000Z-000003")] == [
        "https://a.example/1"]
