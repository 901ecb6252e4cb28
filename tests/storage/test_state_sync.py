"""The store is the source of truth for the dedup index (issue 15, points 1-3), on real
S3 endpoints (moto servers over HTTP): a local cache of another endpoint is not used, a
store without a snapshot gets its index rebuilt from what it holds, and two writers with
their own caches never lose each other's entries."""

from __future__ import annotations

import contextlib
import json
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from crawler.demo.server import Route, SiteServer
from tests.conftest import run_cli

from .conftest import client_for, free_port
from .test_s3_crawl import DEDUP_OPTS, article, small_site


def crawl_s3(site_url: str, uri: str, endpoint: str, spool: Path, aws_env: dict,
             *extra: str) -> dict:
    env = {**aws_env, "AWS_ENDPOINT_URL": endpoint, "NEWSARCHIVER_SPOOL": str(spool)}
    proc = run_cli("crawl", site_url + "/", "--store", uri, *DEDUP_OPTS, *extra, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def manifests(s3, bucket: str, prefix: str) -> list[dict]:
    out = []
    for item in s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/manifests/").get("Contents", []):
        out.append(json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()))
    return sorted(out, key=lambda m: m["started_at"])


def warc_records(s3, bucket: str, prefix: str) -> list[dict]:
    """Type, id, target URI and WARC-Refers-To of every record in the stored WARCs."""
    import io

    from warcio.archiveiterator import ArchiveIterator

    out = []
    for item in s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/warc/").get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        for rec in ArchiveIterator(io.BytesIO(body)):
            h = rec.rec_headers
            out.append({"type": rec.rec_type, "id": h.get_header("WARC-Record-ID"),
                        "uri": h.get_header("WARC-Target-URI"),
                        "refers_to": h.get_header("WARC-Refers-To"),
                        "file": item["Key"].rsplit("/", 1)[-1]})
    return out


def assert_no_dangling_revisit(records: list[dict]) -> int:
    ids = {r["id"] for r in records if r["type"] == "response"}
    revisits = [r for r in records if r["type"] == "revisit"]
    missing = [r for r in revisits if r["refers_to"] not in ids]
    assert not missing, f"revisits whose original is not in the store: {missing}"
    return len(revisits)


def snapshot_db(s3, bucket: str, prefix: str, tmp_path: Path) -> sqlite3.Connection:
    path = tmp_path / f"snap-{bucket}.sqlite3"
    path.write_bytes(s3.get_object(Bucket=bucket, Key=f"{prefix}/state/dedup.sqlite3")["Body"].read())
    return sqlite3.connect(path)


@contextlib.contextmanager
def new_moto_server():
    """A moto server in a process of its own: an endpoint with nothing in it (moto
    servers in one process share their buckets)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                             "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto server did not start")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cache_of_another_endpoint_is_not_used(aws_env, tmp_path):
    """Crawl into s3://holdout/run, then the same site into s3://holdout/run on a NEW
    endpoint (empty bucket of the same name), same machine and local cache: the second
    crawl writes every article again, and no revisit points at an absent original."""
    spool = tmp_path / "spool"
    with SiteServer(small_site()) as srv:
        for _ in range(2):
            with new_moto_server() as endpoint:
                s3 = client_for(endpoint)
                s3.create_bucket(Bucket="holdout")
                crawl_s3(srv.base_url, "s3://holdout/run", endpoint, spool, aws_env)
                (manifest,) = manifests(s3, "holdout", "run")
                assert manifest["stats"].get("articles/written") == 4
                assert manifest["dedup_state"] == "stored"
                records = warc_records(s3, "holdout", "run")
                assert assert_no_dangling_revisit(records) == 0
                assert len([r for r in records if r["type"] == "response"
                            and "/news/story-" in r["uri"]]) == 4
    sidecar = json.loads((spool / "holdout" / "run" / "state" / "dedup.sqlite3.sync.json").read_text())
    assert sidecar["identity"] == f"{endpoint}|s3://holdout/run" and not sidecar["dirty"]


def test_store_without_snapshot_gets_its_index_rebuilt(s3, bucket, moto_endpoint, aws_env,
                                                       tmp_path):
    """A store that holds a crawl but no index snapshot (lost state/, older version) and a
    machine without a cache: the index is rebuilt from the store's CDXJ indexes and article
    records -- known articles are not archived again, revisits point at stored originals."""
    with SiteServer(small_site()) as srv:
        crawl_s3(srv.base_url, f"s3://{bucket}/p", moto_endpoint, tmp_path / "spool-a", aws_env,
                 "-s", "DEDUP_MIN_REVISIT_SIZE=0")
        s3.delete_object(Bucket=bucket, Key="p/state/dedup.sqlite3")
        crawl_s3(srv.base_url, f"s3://{bucket}/p", moto_endpoint, tmp_path / "spool-b", aws_env,
                 "-s", "DEDUP_MIN_REVISIT_SIZE=0")
    first, second = manifests(s3, bucket, "p")
    assert first["stats"]["articles/written"] == 4
    assert second["stats"].get("articles/written", 0) == 0
    assert second["stats"].get("incremental/skipped_archived") == 4
    records = warc_records(s3, bucket, "p")
    first_files = {f["key"].rsplit("/", 1)[-1] for f in first["files"] if f["kind"] == "warc"}
    revisits = [r for r in records if r["type"] == "revisit"]
    assert revisits and assert_no_dangling_revisit(records) == len(revisits)
    assert {r["refers_to"] for r in revisits} <= {r["id"] for r in records
                                                  if r["file"] in first_files}
    with snapshot_db(s3, bucket, "p", tmp_path) as db:
        urls = {u for (u,) in db.execute("SELECT url FROM url WHERE article_id IS NOT NULL")}
    assert len([u for u in urls if "/news/story-" in u]) == 4


def two_sites() -> tuple[dict[str, Route], dict[str, Route]]:
    """Two sites with their own stories and one identical wire story each."""
    wire = Route(body=article("the same wire story"))
    sites = []
    for name in ("alpha", "beta"):
        links = "".join(f'<a href="/{name}/story-{i}.html">{name} {i}</a> ' for i in range(3))
        routes = {"/": Route(body=f'<html><body>{links}<a href="/wire.html">wire</a></body></html>'.encode()),
                  "/robots.txt": Route(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"),
                  "/wire.html": wire}
        routes.update({f"/{name}/story-{i}.html": Route(body=article(f"{name} story {i}"))
                       for i in range(3)})
        sites.append(routes)
    return sites[0], sites[1]


def test_two_machines_crawling_into_one_prefix_keep_both_indexes(s3, bucket, moto_endpoint,
                                                                 aws_env, tmp_path):
    """Two crawls at once from two 'machines' (processes with their own local caches) into
    one prefix: the published index holds both crawls' entries, no revisit lacks its
    original, and each machine's next crawl knows what the other archived."""
    alpha, beta = two_sites()
    uri = f"s3://{bucket}/shared"
    with SiteServer(alpha) as a, SiteServer(beta) as b:
        with ThreadPoolExecutor(2) as pool:
            fa = pool.submit(crawl_s3, a.base_url, uri, moto_endpoint, tmp_path / "machine-a", aws_env)
            fb = pool.submit(crawl_s3, b.base_url, uri, moto_endpoint, tmp_path / "machine-b", aws_env)
            fa.result(), fb.result()
        with snapshot_db(s3, bucket, "shared", tmp_path) as db:
            urls = {u for (u,) in db.execute("SELECT url FROM url WHERE article_id IS NOT NULL")}
            files = {f for (f,) in db.execute("SELECT DISTINCT filename FROM payload")}
        assert {f"{a.base_url}/alpha/story-{i}.html" for i in range(3)} <= urls
        assert {f"{b.base_url}/beta/story-{i}.html" for i in range(3)} <= urls
        records = warc_records(s3, bucket, "shared")
        assert files <= {r["file"] for r in records}
        assert_no_dangling_revisit(records)
        # machine A now crawls B's site: everything B archived is known, nothing is
        # archived twice (the wire story was archived by both crawls at once, as
        # neither knew the other's; it is now known too)
        crawl_s3(b.base_url, uri, moto_endpoint, tmp_path / "machine-a", aws_env)
    last = manifests(s3, bucket, "shared")[-1]
    assert last["stats"].get("articles/written", 0) == 0
    assert last["stats"].get("incremental/skipped_archived") == 4
    assert_no_dangling_revisit(warc_records(s3, bucket, "shared"))


def test_conditional_write_conflict_merges_and_retries(make_store, s3, bucket, tmp_path,
                                                       monkeypatch):
    """The race itself, made deterministic: writer B reads the snapshot ETag before writer
    A publishes, and B's If-None-Match write then fails (412): B merges A's snapshot into
    its own and publishes with If-Match; nothing of either is lost."""
    from crawler.dedup.index import PayloadRef, SQLiteDedupIndex, UrlState
    from crawler.dedup.snapshot import SNAPSHOT_KEY, StateSync
    from crawler.storage.s3 import StateConflict

    a_store = make_store(spool_root=tmp_path / "a")
    b_store = make_store(spool_root=tmp_path / "b")
    a = StateSync(a_store, a_store.state_dir())
    b = StateSync(b_store, b_store.state_dir())
    assert a.prepare([]) == "rebuilt" and b.prepare([]) == "rebuilt"  # empty store
    for sync, who in ((a, "a"), (b, "b")):
        with SQLiteDedupIndex(sync.path) as idx:
            idx.add_payload(f"sha1:{who}", PayloadRef(f"https://{who}.example/", "d", f"<{who}>",
                                                      f"{who}.warc.gz", 0, 10))
            idx.set_url(f"https://{who}.example/", UrlState(article_id=who, last_status=200))
    assert a.publish() == "stored"

    real_head = b_store.head_etag
    calls = []

    def stale_head(key):  # B's first HEAD happened before A's write
        calls.append(key)
        return None if len(calls) == 1 else real_head(key)

    conflicts = []
    real_put = b_store.put_if

    def put_if(path, key, if_match):
        try:
            return real_put(path, key, if_match)
        except StateConflict:
            conflicts.append(if_match)
            raise

    monkeypatch.setattr(b_store, "head_etag", stale_head)
    monkeypatch.setattr(b_store, "put_if", put_if)
    assert b.publish() == "stored"
    assert conflicts == [None] and len(calls) == 2
    with snapshot_db(s3, bucket, "arch", tmp_path) as db:
        assert {d for (d,) in db.execute("SELECT digest FROM payload")} == {"sha1:a", "sha1:b"}
        assert {u for (u,) in db.execute("SELECT url FROM url")} == {"https://a.example/",
                                                                     "https://b.example/"}
    # A's cache is now stale: its next start downloads the merged snapshot
    assert a.prepare([]) == "downloaded"
    with SQLiteDedupIndex(a.path) as idx:
        assert idx.lookup_payload("sha1:b") is not None
    # and a stale If-Match is refused by the store
    path = tmp_path / "x"
    path.write_bytes(b"x")
    with pytest.raises(StateConflict):
        a_store.put_if(path, SNAPSHOT_KEY, '"0123"')
    with pytest.raises(StateConflict):
        a_store.put_if(path, SNAPSHOT_KEY, None)
