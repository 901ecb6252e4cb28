"""S3Store against a real S3 endpoint over HTTP (moto server on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import json
import logging
import time
import urllib.request

import pytest

from crawler.storage import StoreError, open_store
from crawler.storage.s3 import PendingObject, S3Store, StoreAuthError, StoreUnavailable

from .conftest import ACCESS_KEY, SECRET_KEY, free_port, is_upload_part, write_file

MiB = 1024 * 1024


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_round_trip_put_list_read_exists(make_store, s3, bucket, tmp_path):
    store = make_store()
    store.check_writable()
    assert store.uri == f"s3://{bucket}/arch"
    spool = store.spool_dir("crawl1")
    assert spool.is_dir() and str(spool).startswith(str(tmp_path / "spool"))
    keys = ["warc/c1/a.warc.gz", "indexes/c1/a.warc.gz.cdxj",
            "articles/date=2026-01-02/site=example.org/part-c1-00000.jsonl.gz",
            "logs/c1.crawl.log"]
    contents = {}
    for i, key in enumerate(keys):
        data = f"payload {i} ".encode() * (100 + i)
        path = spool / f"f{i}"
        path.write_bytes(data)
        obj = store.put_file(path, key)
        assert not path.exists(), "local copy removed after verified upload"
        assert (obj.key, obj.size, obj.sha256) == (key, len(data), sha(data))
        assert not isinstance(obj, PendingObject)
        contents[key] = data
    m = store.put_bytes("manifests/c1.json", b'{"ok": true}')
    assert m.sha256 == sha(b'{"ok": true}')
    contents["manifests/c1.json"] = b'{"ok": true}'

    assert list(store.list()) == sorted(contents)
    assert list(store.list("warc")) == ["warc/c1/a.warc.gz"]
    assert list(store.list("articles/date=2026-01-02")) == [keys[2]]
    assert list(store.list("logs/c1.crawl.log")) == ["logs/c1.crawl.log"]
    assert list(store.list("nothing")) == []
    for key, data in contents.items():
        assert store.exists(key)
        with store.open_read(key) as fh:
            assert fh.read() == data
    assert not store.exists("warc/c1/missing.warc.gz")
    with pytest.raises(FileNotFoundError):
        store.open_read("warc/c1/missing.warc.gz")
    # the probe of check_writable is gone, keys sit under the prefix
    raw = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert sorted(raw) == sorted(f"arch/{k}" for k in contents)
    assert store.local_path(keys[0]) is None


def test_sha256_metadata_stored_and_verified(make_store, s3, bucket, tmp_path, monkeypatch):
    store = make_store(verify="full")
    data = b"x" * 5000
    p = tmp_path / "a"
    p.write_bytes(data)
    reads = []
    real_get = store.client.get_object
    monkeypatch.setattr(store.client, "get_object",
                        lambda **kw: reads.append(kw["Key"]) or real_get(**kw))
    obj = store.put_file(p, "warc/c/a.warc.gz")
    head = s3.head_object(Bucket=bucket, Key="arch/warc/c/a.warc.gz")
    assert head["Metadata"]["sha256"] == sha(data) == obj.sha256
    assert head["ContentLength"] == len(data)
    assert reads == ["arch/warc/c/a.warc.gz"], "full verification re-reads the object"

    # "size+metadata" does not re-read; "auto" re-reads only below full_verify_max
    reads.clear()
    store.verify = "auto"
    store.full_verify_max = 1000
    p.write_bytes(data)
    store.put_file(p, "warc/c/b.warc.gz")
    assert reads == []


def test_verification_mismatch_is_retried_then_pending(make_store, tmp_path, monkeypatch):
    """A server that stores something else: the object is deleted, never kept."""
    store = make_store(verify="full", attempts=2)
    real_put = store.client.put_object

    def corrupting_put(**kw):
        kw["Body"] = b"corrupted"
        kw.pop("ContentLength", None)
        return real_put(**kw)

    monkeypatch.setattr(store.client, "put_object", corrupting_put)
    p = tmp_path / "a"
    p.write_bytes(b"good data")
    obj = store.put_file(p, "warc/c/a.warc.gz")
    assert isinstance(obj, PendingObject)
    monkeypatch.undo()
    assert store._head("arch/warc/c/a.warc.gz") is None, "bad object removed"
    assert store.upload_pending() == (1, 0)
    with store.open_read("warc/c/a.warc.gz") as fh:
        assert fh.read() == b"good data"


def test_multipart_upload_parts_and_digest(make_store, s3, bucket, tmp_path):
    store = make_store(multipart_threshold=6 * MiB, multipart_chunksize=5 * MiB,
                       max_concurrency=3)
    p = write_file(tmp_path / "big.warc.gz", 11 * MiB + 123)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    obj = store.put_file(p, "warc/c/big.warc.gz")
    assert obj.size == 11 * MiB + 123 and obj.sha256 == digest and not p.exists()
    head = s3.head_object(Bucket=bucket, Key="arch/warc/c/big.warc.gz", PartNumber=1)
    assert head["PartsCount"] == 3
    assert s3.head_object(Bucket=bucket, Key="arch/warc/c/big.warc.gz")["ETag"].endswith('-3"')
    body = s3.get_object(Bucket=bucket, Key="arch/warc/c/big.warc.gz")["Body"].read()
    assert sha(body) == digest
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_no_overwrite(make_store, s3, bucket, tmp_path):
    store = make_store()
    p = tmp_path / "a"
    p.write_bytes(b"original")
    store.put_file(p, "warc/c/a.warc.gz")
    for content in (b"replacement", b"original"):
        p.write_bytes(content)
        with pytest.raises(StoreError, match="refusing to overwrite"):
            store.put_file(p, "warc/c/a.warc.gz")
        assert p.read_bytes() == content, "local file kept when refused"
    assert s3.get_object(Bucket=bucket, Key="arch/warc/c/a.warc.gz")["Body"].read() == b"original"

    # multipart path too
    big = make_store(multipart_threshold=6 * MiB, multipart_chunksize=5 * MiB)
    write_file(p, 7 * MiB)
    with pytest.raises(StoreError, match="refusing to overwrite"):
        big.put_file(p, "warc/c/a.warc.gz")
    assert s3.get_object(Bucket=bucket, Key="arch/warc/c/a.warc.gz")["Body"].read() == b"original"
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads"), "aborted"


def test_no_overwrite_without_conditional_writes(make_store, s3, bucket, tmp_path, monkeypatch):
    """Endpoints that answer NotImplemented to If-None-Match: HEAD before PUT."""
    store = make_store()
    real_put = store.client.put_object
    seen = []

    def no_conditional(**kw):
        seen.append("IfNoneMatch" in kw)
        if "IfNoneMatch" in kw:
            from botocore.exceptions import ClientError
            raise ClientError({"Error": {"Code": "NotImplemented", "Message": "no"},
                               "ResponseMetadata": {"HTTPStatusCode": 501}}, "PutObject")
        return real_put(**kw)

    monkeypatch.setattr(store.client, "put_object", no_conditional)
    p = tmp_path / "a"
    p.write_bytes(b"one")
    store.put_file(p, "warc/c/a.warc.gz")
    assert store.conditional_writes is False and seen == [True, False]
    p.write_bytes(b"two")
    with pytest.raises(StoreError, match="refusing to overwrite"):
        store.put_file(p, "warc/c/a.warc.gz")
    assert s3.get_object(Bucket=bucket, Key="arch/warc/c/a.warc.gz")["Body"].read() == b"one"


def test_endpoint_down_at_start(make_store, s3, bucket, tmp_path, caplog):
    dead = f"http://127.0.0.1:{free_port()}"
    store = make_store(endpoint=dead, require_reachable=True)
    t0 = time.monotonic()
    with pytest.raises(StoreUnavailable) as err:
        store.check_writable()
    assert time.monotonic() - t0 < 10
    assert "unreachable" in str(err.value) and isinstance(err.value, StoreError)
    assert f"s3://{bucket}/arch" in str(err.value)

    # outage tolerant (default): warning, then files are spooled as pending
    store = make_store(endpoint=dead)
    with caplog.at_level(logging.WARNING):
        store.check_writable()
    assert "unreachable" in caplog.text
    p = store.spool_dir("c") / "a.warc.gz"
    p.write_bytes(b"data")
    obj = store.put_file(p, "warc/c/a.warc.gz")
    assert isinstance(obj, PendingObject) and obj.to_dict()["pending"] is True
    assert obj.sha256 == sha(b"data") and not p.exists()
    assert store.exists("warc/c/a.warc.gz")  # read your own writes
    assert store.upload_pending() == (0, 1)


def test_missing_bucket_is_permanent(make_store, tmp_path):
    store = make_store(uri="s3://no-such-bucket-here/arch")
    t0 = time.monotonic()
    with pytest.raises(StoreError, match="does not exist") as err:
        store.check_writable()
    assert not isinstance(err.value, StoreUnavailable)
    assert time.monotonic() - t0 < 5


def test_outage_mid_crawl_then_back(make_store, proxy, s3, bucket, tmp_path):
    store = make_store(endpoint=proxy.endpoint, offline_grace=30)
    store.check_writable()
    spool = store.spool_dir("c")
    expected = {}

    def produce(i: int):
        data = f"file {i}\n".encode() * (1000 + i)
        path = spool / f"f{i}.warc.gz"
        path.write_bytes(data)
        key = f"warc/c/f{i}.warc.gz"
        expected[key] = sha(data)
        return store.put_file(path, key)

    assert not any(isinstance(produce(i), PendingObject) for i in range(3))
    proxy.stop()
    t0 = time.monotonic()
    pend = [produce(i) for i in range(3, 8)]
    pend.append(store.put_bytes("manifests/c.json", b"{}"))
    expected["manifests/c.json"] = sha(b"{}")
    assert all(isinstance(o, PendingObject) for o in pend)
    assert time.monotonic() - t0 < 10, "after the first failure, puts go pending at once"
    journal = [json.loads(l) for l in store.journal.read_text().splitlines()]
    assert {e["key"] for e in journal} == {o.key for o in pend}
    assert all(e["sha256"] == expected[e["key"]] for e in journal)
    assert list(spool.iterdir()) == []
    with store.open_read("warc/c/f3.warc.gz") as fh:  # pending files stay readable
        assert sha(fh.read()) == expected["warc/c/f3.warc.gz"]

    assert store.upload_pending() == (0, 6)  # still down
    proxy.start()
    assert store.upload_pending() == (6, 0)
    assert store.pending() == [] and store.journal.read_text() == ""
    keys = sorted(store.list())
    assert keys == sorted(expected)
    for key in keys:
        head = s3.head_object(Bucket=bucket, Key=f"arch/{key}")
        body = s3.get_object(Bucket=bucket, Key=f"arch/{key}")["Body"].read()
        assert head["Metadata"]["sha256"] == sha(body) == expected[key]
    assert not any(store.pending_root.rglob("*.gz"))
    # the store is online again
    obj = produce(99)
    assert not isinstance(obj, PendingObject)


def test_upload_pending_in_a_new_process_view(make_store, proxy, tmp_path):
    """A later run (a new S3Store on the same spool root) uploads what was left."""
    first = make_store(endpoint=proxy.endpoint)
    proxy.stop()
    p = first.spool_dir("c") / "x"
    p.write_bytes(b"later")
    assert isinstance(first.put_file(p, "logs/c.crawl.log"), PendingObject)
    proxy.start()
    second = open_store(first.uri, endpoint_url=proxy.endpoint, region_name="us-east-1",
                        spool_root=first.spool_root)
    assert isinstance(second, S3Store)
    assert second.upload_pending() == (1, 0)
    with second.open_read("logs/c.crawl.log") as fh:
        assert fh.read() == b"later"


def test_lost_response_on_retry_is_not_an_overwrite(make_store, proxy, s3, bucket, tmp_path):
    """The PUT reached the server but its answer was lost: the retry finds the same
    object (same sha256) and accepts it."""
    store = make_store(endpoint=proxy.endpoint, botocore_retries=1)
    real_put = store.client.put_object
    calls = []

    def put_then_lose_answer(**kw):
        resp = real_put(**kw)
        calls.append(1)
        if len(calls) == 1:
            from botocore.exceptions import ConnectionClosedError
            raise ConnectionClosedError(endpoint_url=proxy.endpoint)
        return resp

    store.client.put_object = put_then_lose_answer
    p = tmp_path / "a"
    p.write_bytes(b"once")
    obj = store.put_file(p, "warc/c/a.warc.gz")
    assert not isinstance(obj, PendingObject) and not p.exists()
    assert s3.get_object(Bucket=bucket, Key="arch/warc/c/a.warc.gz")["Body"].read() == b"once"


@pytest.mark.parametrize("botocore_retries", [3, 1])
def test_500_on_part_uploads_are_retried(make_store, proxy, s3, bucket, tmp_path,
                                         botocore_retries):
    """3: botocore retries each failing part; 1: our loop retries the whole upload
    (the failed multipart upload is aborted, nothing half-written is left)."""
    store = make_store(endpoint=proxy.endpoint, multipart_threshold=6 * MiB,
                       multipart_chunksize=5 * MiB, botocore_retries=botocore_retries,
                       attempts=4)
    proxy.fail(is_upload_part, 2, 500, "InternalError")
    proxy.fail(lambda m, path: m == "PUT" and "partNumber=3" in path, 1, 503, "SlowDown")
    p = write_file(tmp_path / "big", 12 * MiB)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    obj = store.put_file(p, "warc/c/big.warc.gz")
    assert not isinstance(obj, PendingObject) and obj.sha256 == digest
    assert len(proxy.failed) == 3
    assert sum(1 for m, path in proxy.requests if is_upload_part(m, path)) >= 6
    head = s3.head_object(Bucket=bucket, Key="arch/warc/c/big.warc.gz", PartNumber=1)
    assert head["PartsCount"] == 3
    head = s3.head_object(Bucket=bucket, Key="arch/warc/c/big.warc.gz")
    assert head["Metadata"]["sha256"] == digest
    body = s3.get_object(Bucket=bucket, Key="arch/warc/c/big.warc.gz")["Body"].read()
    assert sha(body) == digest
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_repr_and_uri_have_no_secrets(make_store, bucket):
    store = make_store(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    assert SECRET_KEY not in repr(store) and ACCESS_KEY not in repr(store)
    assert store.uri == f"s3://{bucket}/arch"
    with pytest.raises(StoreError):
        S3Store("s3://user:pass@bucket/prefix")


@pytest.fixture
def moto_auth(moto_endpoint):
    """Turn on moto's IAM authentication (global to the server) with one real user."""
    import boto3

    iam = boto3.client("iam", endpoint_url=moto_endpoint, region_name="us-east-1")
    user = "crawler-" + str(int(time.time() * 1000))
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]

    def set_auth(value: str):
        req = urllib.request.Request(f"{moto_endpoint}/moto-api/reset-auth",
                                     data=value.encode(), method="POST",
                                     headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(req, timeout=5).read()

    set_auth("0")
    try:
        yield key["AccessKeyId"], key["SecretAccessKey"]
    finally:
        set_auth("inf")


def test_wrong_credentials_fail_fast_without_leaking(make_store, moto_auth, tmp_path, caplog):
    key_id, good_secret = moto_auth
    ok = make_store(aws_access_key_id=key_id, aws_secret_access_key=good_secret)
    ok.check_writable()  # authentication is really on and these credentials work

    caplog.set_level(logging.DEBUG)  # every logger, botocore's included
    bad_secret = "WRONG-" + SECRET_KEY
    cases = [(key_id, bad_secret, "SignatureDoesNotMatch"),
             ("AKIAUNKNOWN000000000", bad_secret, "InvalidAccessKeyId")]
    for kid, secret, code in cases:
        store = make_store(aws_access_key_id=kid, aws_secret_access_key=secret,
                           require_reachable=False)
        t0 = time.monotonic()
        with pytest.raises(StoreAuthError) as err:
            store.check_writable()
        assert time.monotonic() - t0 < 3, "not retried"
        msg = str(err.value)
        assert code in msg and store.uri in msg
        p = tmp_path / "f"
        p.write_bytes(b"data")
        with pytest.raises(StoreAuthError):
            store.put_file(p, "warc/c/a.warc.gz")
        assert p.exists(), "local file kept"
        assert store.pending() == [], "credentials errors do not go pending"
        for text in (msg, repr(store), caplog.text, repr(err.value.args)):
            assert secret not in text and good_secret not in text and SECRET_KEY not in text


def test_upload_command(make_store, proxy, bucket, tmp_path, monkeypatch, capsys):
    """``crawler upload --pending --store s3://...`` (the handler the CLI wires)."""
    import argparse

    from crawler import uploadcli
    from crawler.storage import uploader

    parser = argparse.ArgumentParser()
    uploadcli.register(parser.add_subparsers(dest="command"))
    store = make_store(endpoint=proxy.endpoint, spool_root=tmp_path / "sp" / bucket / "arch")
    proxy.stop()
    for i in range(3):
        p = store.spool_dir("c") / f"f{i}"
        p.write_bytes(b"x" * i)
        assert isinstance(store.put_file(p, f"warc/c/f{i}.warc.gz"), PendingObject)
    monkeypatch.setenv("NEWSARCHIVER_SPOOL", str(tmp_path / "sp"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)
    args = parser.parse_args(["upload", "--pending", "--store", store.uri])
    proxy.start()
    assert args.handler is uploadcli.cmd_upload
    assert uploadcli.HANDLERS["upload"](args) == 0
    assert "3 file(s) uploaded, 0 still pending" in capsys.readouterr().out
    assert sorted(store.list()) == [f"warc/c/f{i}.warc.gz" for i in range(3)]
    assert uploader.flush_pending(store) == (0, 0)


def test_pending_files_of_another_endpoint_are_left_alone(make_store, proxy, s3, bucket, tmp_path):
    """The spool root is named after bucket and prefix: files pending for the same bucket
    name at another endpoint are not uploaded to this one (nor counted as its pending)."""
    down = make_store(endpoint=proxy.endpoint)
    proxy.stop()
    p = down.spool_dir("c") / "x"
    p.write_bytes(b"for the other endpoint")
    assert isinstance(down.put_file(p, "warc/c/x.warc.gz"), PendingObject)
    here = make_store()  # same bucket name and spool root, the moto endpoint itself
    assert here.pending() == [] and len(here.pending(every_endpoint=True)) == 1
    assert here.upload_pending() == (0, 0)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    proxy.start()
    assert down.upload_pending() == (1, 0)
    assert list(here.list()) == ["warc/c/x.warc.gz"]
