"""The dashboard on an object store: same pages through the Store interface, nothing written."""

from __future__ import annotations

import json

from crawler.dashboard.app import create_app
from crawler.search.index import open_index, publish
from tests.observe.corpus import PAGES_A, build_corpus
from tests.storage.test_s3_search import _upload_tree


def test_dashboard_reads_an_s3_store(tmp_path, s3, bucket, make_store):
    local = tmp_path / "local"
    ids = build_corpus(local)
    _upload_tree(s3, bucket, local)
    writer = make_store(spool_root=tmp_path / "indexer")
    with open_index(writer) as index:  # `crawler search` on another machine built the index
        index.update(writer)
        publish(writer, index)
    before = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])

    store = make_store(spool_root=tmp_path / "viewer")
    client = create_app(store, replay_base="http://127.0.0.1:8080").test_client()
    page = client.get("/").get_data(as_text=True)
    assert "20261120T080000Z-a1a1a1" in page and "Harbour flooding closes the ferry terminal" in page
    rid = ids[PAGES_A[0].url]
    rec = json.loads(client.get(f"/article/{rid}.json").get_data())
    assert rec["url"] == PAGES_A[0].url
    warc = client.get(f"/article/{rid}/warc").get_data()
    assert warc[:2] == b"\x1f\x8b"  # the record's gzip member, read by range from S3
    assert client.get(f"/article/{rid}/http").get_data().startswith(b"HTTP/1.1 200 OK")
    replay = client.get(f"/replay/{rid}")
    assert replay.status_code == 302 and replay.location == (
        f"http://127.0.0.1:8080/archive/20261120080100/{PAGES_A[0].url}")
    found = client.get("/search?q=flooding&site=news.example.com").get_data(as_text=True)
    assert found.count('class="hit"') == 2 and "<mark>" in found  # index restored from state/ on S3
    assert client.get("/run/20261120T080000Z-a1a1a1").status_code == 200
    assert client.get("/article/0000").status_code == 404
    after = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert after == before
