"""Offline re-crawl (``crawler recrawl-offline``): the spider runs against the archive
(ArchiveDownloadHandler) with the site server gone and every socket connection
refused in the crawling process, and produces the crawl's articles again."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import sys
import subprocess
from pathlib import Path

import pytest

from crawler.archive.cdxj import rebuild_indexes
from crawler.archive.writer import WarcFileWriter
from crawler.storage import layout, open_store
from tests.conftest import ROOT, assert_verified, mark_store_unverifiable, run_cli
from tests.replay.test_reprocess import shared_demo_crawl

#: Runs ``crawler.replay.cli.main(argv[2:])`` with socket connect()/connect_ex()
#: replaced by a function that records the address in argv[1] and fails.
GUARDED_CLI = r"""
import socket, sys
def deny(self, address, *args, **kwargs):
    with open(sys.argv[1], "a") as fh:
        fh.write(repr(address) + "\n")
    raise OSError("network disabled in this test: connect to %r" % (address,))
socket.socket.connect = deny
socket.socket.connect_ex = deny
from crawler.replay.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _articles(store: Path, run_id: str) -> list[dict]:
    out = []
    for part in sorted(store.glob(f"articles/date=*/site=*/part-{run_id}-*.jsonl.gz")):
        with gzip.open(part, "rt", encoding="utf-8") as fh:
            out += [json.loads(line) for line in fh if line.strip()]
    return out


@pytest.fixture(scope="module")
def offline_run(tmp_path_factory):
    demo = shared_demo_crawl(tmp_path_factory)  # its site server is stopped by now
    base = demo["base"]
    out = tmp_path_factory.mktemp("offline") / "out"
    attempts = out.parent / "connect-attempts.txt"
    attempts.write_text("")
    missing = base + "/never-archived/page.html"
    proc = subprocess.run(
        [sys.executable, "-c", GUARDED_CLI, str(attempts), "recrawl-offline", "--archive", str(demo["store"]),
         "--store", str(out), base + "/", base + "/enc/", missing],
        cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    manifests = [json.loads(p.read_text()) for p in (out / "manifests").glob("*.json")]
    assert len(manifests) == 1
    return demo, out, manifests[0], attempts.read_text(), missing


def test_offline_crawl_reproduces_the_articles(offline_run):
    demo, out, manifest, attempts, _ = offline_run
    assert attempts == "", f"connection attempts during the offline crawl:\n{attempts}"
    crawled = _articles(demo["store"], demo["crawl_id"])
    offline = _articles(out, manifest["crawl_id"])
    assert len(crawled) >= 15
    assert {(a["url"], a["text"]) for a in offline} == {(a["url"], a["text"]) for a in crawled}
    assert {(a["url"], a["title"], a["duplicate_of"] is not None) for a in offline} == \
        {(a["url"], a["title"], a["duplicate_of"] is not None) for a in crawled}
    # the records point at the archived captures they came from
    by_url = {a["url"]: a for a in crawled}
    for a in offline:
        assert a["warc"] == by_url[a["url"]]["warc"]
        assert a["crawl_id"] == manifest["crawl_id"] != demo["crawl_id"]
    stats = manifest["stats"]
    errors = [k for k in stats if k.startswith(("fetch/failed/", "downloader/exception_type_count/"))
              and not k.endswith("IgnoreRequest")]  # IgnoreRequest: robots.txt Disallow
    assert not errors, stats
    assert stats["offline/hits"] >= 50
    # robots.txt came from the archive too: its Disallow rule was applied
    assert stats.get("robotstxt/forbidden", 0) >= 1


def test_missing_url_is_counted_and_nothing_archived(offline_run):
    demo, out, manifest, _, missing = offline_run
    assert manifest["stats"]["offline/missing"] >= 1
    assert manifest["stats"]["downloader/response_status_count/404"] >= 1
    assert missing not in {a["url"] for a in _articles(out, manifest["crawl_id"])}
    assert not list(out.glob("warc/**/*.warc.gz"))  # offline runs write no WARC
    assert not list(out.glob("state/offline-dedup-*"))  # throw-away dedup index removed
    assert manifest["files"] and not [f for f in manifest["files"] if f["kind"] == "warc"]


def test_output_names_its_source_and_verifies_against_it(offline_run, tmp_path):
    """The output store holds no WARC: its manifest names the archive it was re-extracted
    from, and ``crawler verify`` resolves the records' pointers there."""
    from crawler.verify import verify_store

    demo, out, manifest, _, _ = offline_run
    assert manifest["source"] == {"store": open_store(demo["store"]).uri, "crawl_id": None, "at": None}
    records = len(_articles(out, manifest["crawl_id"]))
    report = assert_verified(out)
    assert report.counts["json/pointers"] == records > 0 and not report.counts["json/pointers/unchecked"]
    # the archive unreachable (moved away): one clear problem on the manifest, no crash
    gone = tmp_path / "copy"
    shutil.copytree(out, gone)
    mark_store_unverifiable(gone, "its source archive is made unreachable on purpose")
    mkey = layout.manifest_key(manifest["crawl_id"])
    (gone / mkey).write_text(json.dumps({**manifest, "source": {"store": str(tmp_path / "moved"), "crawl_id": None}}))
    report = verify_store(str(gone))
    assert [(p.check, p.file) for p in report.problems] == [("source", mkey)] and not report.orphans
    assert "cannot be read: no such folder" in report.problems[0].detail
    assert report.counts["json/pointers/unchecked"] == records
    proc = run_cli("verify", "--store", str(gone))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"PROBLEM source: {mkey}: its records' warc pointers lead into {tmp_path / 'moved'}" in proc.stdout


def test_same_store_refused(tmp_path):
    from crawler.replay.offline import run_offline_crawl

    with pytest.raises(ValueError, match="differ"):
        run_offline_crawl(str(tmp_path), ["http://example.com/"], str(tmp_path))


# -- revisit records, timestamps (a hand-written WARC) -------------------------------------
def _http(status: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode("latin-1") + body


def _chunked(data: bytes, size: int = 100) -> bytes:
    out = b""
    for i in range(0, len(data), size):
        part = data[i:i + size]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return out + b"0\r\n\r\n"


@pytest.fixture
def small_archive(tmp_path):
    html = ("<html><head><title>t</title></head><body>" + "<p>words</p>" * 50 + "</body></html>").encode()
    gz = gzip.compress(html, mtime=0)
    spool = tmp_path / "spool"
    w = WarcFileWriter(spool, prefix="t")
    a = "http://site.test/a.html"
    b = "http://site.test/b.html"
    orig = w.write_record("response", a, io.BytesIO(_http("200 OK", [
        ("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
        ("Transfer-Encoding", "chunked")], _chunked(gz))), content_type="application/http; msgtype=response",
        date="2026-01-01T00:00:00.000000Z", payload_start=None, headers={"WARC-Payload-Digest": "sha1:AAAA"})
    rev_head = _http("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
                                ("Content-Length", str(len(gz))), ("X-Copy", "yes")], b"")
    w.write_record("revisit", b, io.BytesIO(rev_head), content_type="application/http; msgtype=response",
                   date="2026-01-02T00:00:00.000000Z", headers={
                       "WARC-Profile": "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
                       "WARC-Refers-To-Target-URI": a, "WARC-Refers-To-Date": "2026-01-01T00:00:00.000000Z",
                       "WARC-Refers-To": orig.record_id, "WARC-Payload-Digest": "sha1:AAAA"})
    w.write_record("revisit", a, io.BytesIO(_http("304 Not Modified", [("ETag", '"x"')], b"")),
                   content_type="application/http; msgtype=response", date="2026-01-03T00:00:00.000000Z",
                   headers={"WARC-Profile": "http://netpreserve.org/warc/1.1/revisit/server-not-modified",
                            "WARC-Refers-To-Target-URI": a,
                            "WARC-Refers-To-Date": "2026-01-01T00:00:00.000000Z",
                            "WARC-Refers-To": orig.record_id})
    path = w.close()
    store = open_store(tmp_path / "store")
    store.put_file(path, layout.warc_key("20260101T000000Z-abcdef", path.name))
    rebuild_indexes(store)
    return store, a, b, html, orig.record_id


def test_revisits_followed_to_the_original(small_archive):
    from crawler.replay.offline import ArchiveIndex
    from crawler.replay.reprocess import decode_response, raw_response

    store, a, b, html, orig_id = small_archive
    index = ArchiveIndex(store)
    # identical-payload revisit: its own headers, the original's body
    cap = index.find(b)
    assert cap.revisit and cap.warc["revisit_of"] == orig_id
    resp = decode_response(raw_response(b, cap.block))
    assert resp.status == 200 and resp.body == html and resp.headers[b"X-Copy"] == b"yes"
    # latest capture of a is a 304 revisit: answered with the original response
    cap = index.find(a)
    assert not cap.revisit and cap.warc["record_id"] == orig_id
    resp = decode_response(raw_response(a, cap.block))
    assert resp.status == 200 and resp.body == html and b"Transfer-Encoding" not in resp.headers
    # timestamps: nothing before the first capture, b only from its capture on
    assert index.find(a, "20251231") is None
    assert index.find(b, "20260101") is None
    assert index.find(b, "20260102").revisit
    assert index.find("http://site.test/other.html") is None
