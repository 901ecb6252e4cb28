"""End to end: ``crawler crawl --store s3://bucket/prefix`` against moto (endpoint from
``AWS_ENDPOINT_URL``) writes the same keys as a crawl into a local folder."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor

from crawler.demo.server import Route, SiteServer
from tests.conftest import assert_verified, run_cli

from .conftest import SECRET_KEY


def article(title: str) -> bytes:
    text = " ".join(f"Sentence {i} of the story about {title} goes on for a while." for i in range(40))
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{text}</p><p>{text}</p></article></body></html>").encode()


def small_site() -> dict[str, Route]:
    links = "".join(f'<a href="/news/story-{i}.html">story {i}</a> ' for i in range(4))
    routes = {"/": Route(body=f"<html><body>{links}</body></html>".encode()),
              "/robots.txt": Route(body=b"User-agent: *\nAllow: /\n", content_type="text/plain")}
    routes.update({f"/news/story-{i}.html": Route(body=article(f"story {i}")) for i in range(4)})
    return routes


#: a small site, no sitemap/feed guessing, no autothrottle: the test is about storage
DEDUP_OPTS = ["--allow-private", "-s", "AUTOTHROTTLE_ENABLED=false",
              "-s", "CRAWLER_GUESS_SITEMAPS=false", "-s", "CRAWLER_FEEDS=false"]
OPTS = [*DEDUP_OPTS, "-s", "DEDUP_ENABLED=false"]


def normalise(keys, crawl_id):
    """Keys with the crawl id, timestamps and pids of WARC names taken out."""
    out = []
    for k in keys:
        k = k.replace(crawl_id, "<id>")
        k = re.sub(r"-\d{14,20}-", "-<ts>-", k)
        k = re.sub(r"-\d+\.warc\.gz", "-<pid>.warc.gz", k)
        out.append(k)
    return sorted(out)


def test_crawl_into_s3_matches_local(s3, bucket, moto_endpoint, aws_env, tmp_path):
    from crawler.storage.s3 import S3Store

    local = tmp_path / "local"
    env = {**aws_env, "AWS_ENDPOINT_URL": moto_endpoint,
           "NEWSARCHIVER_SPOOL": str(tmp_path / "spool")}
    # DEDUP_ENABLED=false: the dedup service is not what this test is about (and keeps
    # its state in store.state_dir(), which differs between the two backends).
    opts = OPTS
    with SiteServer(small_site()) as srv:
        # both crawls at once (separate processes) to keep the test short
        with ThreadPoolExecutor(2) as pool:
            f_local = pool.submit(run_cli, "crawl", srv.base_url + "/", "--store", str(local),
                                  *opts, env=env)
            f_s3 = pool.submit(run_cli, "crawl", srv.base_url + "/", "--store",
                               f"s3://{bucket}/news", *opts, env=env)
            p_local, p_s3 = f_local.result(), f_s3.result()
    assert p_local.returncode == 0, p_local.stderr[-3000:]
    assert p_s3.returncode == 0, p_s3.stderr[-3000:]
    assert SECRET_KEY not in p_s3.stdout + p_s3.stderr

    store = S3Store(f"s3://{bucket}/news", endpoint_url=moto_endpoint,
                    spool_root=tmp_path / "spool")
    s3_keys = list(store.list())
    local_keys = sorted(p.relative_to(local).as_posix() for p in local.rglob("*")
                        if p.is_file() and not any(part.startswith(".")
                                                   for part in p.relative_to(local).parts)
                        and not p.relative_to(local).as_posix().startswith("state/"))
    (m_key,) = [k for k in s3_keys if k.startswith("manifests/")]
    with store.open_read(m_key) as fh:
        manifest = json.load(fh)
    local_manifest = json.loads(next((local / "manifests").glob("*.json")).read_text())
    assert manifest["store"] == f"s3://{bucket}/news"
    assert manifest["status"] == "finished"
    assert not any(f.get("pending") for f in manifest["files"])
    assert normalise([k for k in s3_keys if not k.startswith("state/")], manifest["crawl_id"]) \
        == normalise(local_keys, local_manifest["crawl_id"])

    # every file listed in the manifest is there, with its sha256 as metadata
    for f in manifest["files"]:
        head = s3.head_object(Bucket=bucket, Key=f"news/{f['key']}")
        assert head["Metadata"]["sha256"] == f["sha256"]
        assert head["ContentLength"] == f["size"]
    # articles are readable as gzip JSON Lines
    parts = [k for k in s3_keys if k.startswith("articles/")]
    assert parts
    with store.open_read(parts[0]) as fh:
        assert json.loads(gzip.decompress(fh.read()).splitlines()[0])
    # both stores pass the fixity audit
    assert_verified(store)
    assert_verified(local)
    # the spool was emptied
    left = [p for p in (tmp_path / "spool").rglob("*")
            if p.is_file() and "state" not in p.parts and p.name != "pending.lock"]
    assert not left, left


def test_crawl_with_endpoint_down_spools_then_uploads(s3, bucket, proxy, aws_env, tmp_path,
                                                      monkeypatch):
    """The endpoint is down for the whole crawl, dedup on: the crawl does not crash, it
    finishes with exit 6 (files pending upload), says so in its summary and manifest, and
    ``crawler upload --pending`` later sends every file and then the dedup index."""
    import sqlite3

    from crawler.exitcodes import EXIT_PENDING_UPLOAD
    from crawler.storage.s3 import S3Store

    spool = tmp_path / "spool"
    env = {**aws_env, "AWS_ENDPOINT_URL": proxy.endpoint, "NEWSARCHIVER_SPOOL": str(spool)}
    opts = DEDUP_OPTS
    proxy.stop()  # the endpoint is down: connection refused
    with SiteServer(small_site()) as srv:
        # no article pipeline (slow to start, and its parts take the same store_file path)
        proc = run_cli("crawl", srv.base_url + "/", "--store", f"s3://{bucket}/news", *opts,
                       "-s", "ITEM_PIPELINES={}", env=env)
    assert proc.returncode == EXIT_PENDING_UPLOAD, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "StoreUnavailable" not in proc.stderr
    assert SECRET_KEY not in proc.stdout + proc.stderr
    assert "pending upload" in proc.stdout
    assert f"crawler upload --pending --store s3://{bucket}/news" in proc.stdout

    monkeypatch.setenv("NEWSARCHIVER_SPOOL", str(spool))
    store = S3Store(f"s3://{bucket}/news", endpoint_url=proxy.endpoint)
    assert store.spool_root == spool / bucket / "news"
    pending = {e["key"]: e for e in store.pending()}
    (m_key,) = [k for k in pending if k.startswith("manifests/")]
    with store.open_read(m_key) as fh:
        manifest = json.load(fh)
    assert manifest["status"] == "finished"
    assert manifest["files"] and all(f["pending"] for f in manifest["files"])
    assert manifest["pending_upload"] == len(manifest["files"])
    assert manifest["dedup_state"] == "pending"
    assert f"{len(pending)} file(s) kept locally" in proc.stdout
    assert {f["key"] for f in manifest["files"]} | {m_key} == set(pending)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    warcs = [f for f in manifest["files"] if f["kind"] == "warc"]

    proxy.start()  # the endpoint is back
    up = run_cli("upload", "--pending", "--store", f"s3://{bucket}/news", env=env)
    assert up.returncode == 0, up.stdout + up.stderr
    assert f"{len(pending)} file(s) uploaded, 0 still pending" in up.stdout
    assert "dedup index published" in up.stdout
    assert store.pending() == []
    assert sorted(store.list()) == sorted([*pending, "state/dedup.sqlite3"])
    for f in manifest["files"]:
        head = s3.head_object(Bucket=bucket, Key=f"news/{f['key']}")
        body = s3.get_object(Bucket=bucket, Key=f"news/{f['key']}")["Body"].read()
        assert head["Metadata"]["sha256"] == f["sha256"] == hashlib.sha256(body).hexdigest()
    assert_verified(store)
    # the published index knows this crawl's captures, in the WARC that is now stored
    snap = tmp_path / "snap.sqlite3"
    snap.write_bytes(s3.get_object(Bucket=bucket, Key="news/state/dedup.sqlite3")["Body"].read())
    with sqlite3.connect(snap) as db:
        files = {r[0] for r in db.execute("SELECT DISTINCT filename FROM payload")}
    assert files and files <= {f["key"].rsplit("/", 1)[-1] for f in warcs}


def test_outage_mid_crawl_exits_6_and_says_so(s3, bucket, proxy, aws_env, tmp_path):
    """The endpoint starts failing while the crawl runs (its last uploads get 503s): the
    crawl finishes, but with exit 6, a summary and a manifest that say which files wait,
    and the dedup index is not published until they are stored."""
    from crawler.exitcodes import EXIT_PENDING_UPLOAD
    from crawler.storage.s3 import S3Store

    env = {**aws_env, "AWS_ENDPOINT_URL": proxy.endpoint,
           "NEWSARCHIVER_SPOOL": str(tmp_path / "spool")}
    # the WARC and its index are uploaded; from the crawl log on, writes fail (server errors)
    proxy.fail(lambda method, path: method in ("PUT", "POST") and (
        "/logs/" in path or "/manifests/" in path or "/state/" in path),
        1000, status=503, code="ServiceUnavailable")
    with SiteServer(small_site()) as srv:
        proc = run_cli("crawl", srv.base_url + "/", "--store", f"s3://{bucket}/news",
                       *DEDUP_OPTS, "-s", "ITEM_PIPELINES={}", env=env)
    assert proc.returncode == EXIT_PENDING_UPLOAD, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    store = S3Store(f"s3://{bucket}/news", endpoint_url=proxy.endpoint,
                    spool_root=tmp_path / "spool" / bucket / "news")
    pending = {e["key"] for e in store.pending()}
    (m_key,) = [k for k in pending if k.startswith("manifests/")]
    with store.open_read(m_key) as fh:
        manifest = json.load(fh)
    files = [f for f in manifest["files"] if f.get("pending")]
    assert [f["kind"] for f in files] == ["crawl-log"] and manifest["pending_upload"] == 1
    stored = [f for f in manifest["files"] if not f.get("pending")]
    assert {f["kind"] for f in stored} == {"warc", "cdxj"}
    for f in stored:
        assert s3.head_object(Bucket=bucket, Key=f"news/{f['key']}")["ContentLength"] == f["size"]
    assert manifest["dedup_state"] == "pending"
    assert f"{len(files) + 1} file(s) kept locally" in proc.stdout  # the manifest too
    assert "crawler upload --pending" in proc.stdout
    assert s3.list_objects_v2(Bucket=bucket, Prefix="news/state/")["KeyCount"] == 0


def test_scheduled_run_with_the_store_down_is_recorded_as_pending_upload(bucket, proxy, aws_env,
                                                                         tmp_path):
    """``crawler run JOB`` whose S3 store is down: the crawl finishes with exit 6 and the run
    history records ``pending_upload`` (not finished, not failed)."""
    from crawler.exitcodes import EXIT_PENDING_UPLOAD
    from crawler.schedule.history import list_history
    from crawler.storage.s3 import S3Store

    env = {**aws_env, "AWS_ENDPOINT_URL": proxy.endpoint,
           "NEWSARCHIVER_SPOOL": str(tmp_path / "spool")}
    proxy.stop()
    with SiteServer(small_site()) as srv:
        job = tmp_path / "down.toml"
        job.write_text(f'seeds = ["{srv.base_url}/"]\nstore = "s3://{bucket}/news"\n'
                       "[politeness]\nautothrottle = false\n"
                       "[settings]\nCRAWLER_ALLOW_PRIVATE = true\nCRAWLER_GUESS_SITEMAPS = false\n"
                       "CRAWLER_FEEDS = false\nITEM_PIPELINES = {}\n")
        proc = run_cli("run", str(job), env=env)
    assert proc.returncode == EXIT_PENDING_UPLOAD, proc.stderr[-3000:]
    store = S3Store(f"s3://{bucket}/news", endpoint_url=proxy.endpoint,
                    spool_root=tmp_path / "spool" / bucket / "news")
    runs = list_history(store)
    assert [(r["status"], r["exit_code"]) for r in runs] == [("pending_upload", 6)]
