"""``crawler verify`` on an S3 store (moto over HTTP): clean after two crawls (revisits
included), every object read once, and failing -- naming the object -- on a deleted WARC
and a flipped byte."""

from __future__ import annotations

import json
from collections import Counter

from crawler.demo.server import SiteServer
from crawler.exitcodes import EXIT_FAILED
from crawler.verify import verify_store
from tests.conftest import assert_verified, run_cli

from .test_s3_crawl import small_site

OPTS = ["--allow-private", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CRAWLER_GUESS_SITEMAPS=false",
        "-s", "CRAWLER_FEEDS=false", "-s", "CRAWLER_RECRAWL_MIN_AGE=0"]


def test_verify_s3_store(bucket, moto_endpoint, aws_env, tmp_path, make_store, s3):
    env = {**aws_env, "AWS_ENDPOINT_URL": moto_endpoint, "NEWSARCHIVER_SPOOL": str(tmp_path / "spool")}
    uri = f"s3://{bucket}/arch"
    with SiteServer(small_site()) as srv:
        for _ in range(2):  # the second run writes revisits of the first's captures
            proc = run_cli("crawl", srv.base_url + "/", "--store", uri, *OPTS, env=env)
            assert proc.returncode == 0, proc.stderr[-3000:]
    store = make_store()

    opened: Counter = Counter()
    open_read, read_range = store.open_read, store.read_range

    def counting_open(key):
        opened[key] += 1
        return open_read(key)

    def no_range(*a, **kw):  # everything is audited from full reads here
        raise AssertionError(f"unexpected range read {a}")

    store.open_read, store.read_range = counting_open, no_range
    report = assert_verified(store)
    ms = [k for k in store.list("manifests")]
    assert report.counts["revisits"] >= 1 and report.counts["manifests"] == 2, ms
    assert opened and max(opened.values()) == 1, "an object was read more than once"
    listed = {k for k in store.list() if not k.startswith(("state/", "manifests/"))}
    assert set(opened) - {k for k in opened if k.startswith("manifests/")} == listed
    store.open_read, store.read_range = open_read, read_range

    cli = run_cli("verify", "--store", uri, "--json", env=env)
    assert cli.returncode == 0, cli.stdout[-2000:] + cli.stderr[-2000:]
    assert json.loads(cli.stdout)["clean"] is True

    # a flipped byte in one WARC object, another WARC deleted
    warcs = sorted(k for k in listed if k.startswith("warc/"))
    assert len(warcs) >= 2
    flipped, deleted = warcs[0], warcs[1]
    body = bytearray(s3.get_object(Bucket=bucket, Key=f"arch/{flipped}")["Body"].read())
    body[len(body) // 3] ^= 0x40
    s3.put_object(Bucket=bucket, Key=f"arch/{flipped}", Body=bytes(body))
    s3.delete_object(Bucket=bucket, Key=f"arch/{deleted}")
    report = verify_store(make_store())
    assert {p.file for p in report.problems if p.check == "sha256"} == {flipped}
    assert [p.file for p in report.problems if p.check == "missing"] == [deleted]
    cli = run_cli("verify", "--store", uri, env=env)
    assert cli.returncode == EXIT_FAILED
    out = cli.stdout.replace("\n", "")
    assert flipped in out and deleted in out
