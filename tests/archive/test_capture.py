"""Byte-exact WARC capture: the response record's HTTP block is what the server wrote
on the socket, the request record what the crawler sent; digests, links between
records, truncation, failures, rotation; checked with warcio and FastWARC."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.httpmsg import iter_dechunked
from crawler.demo.server import Route, SiteServer

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def page(title: str, links: list[str] = (), words: int = 50) -> bytes:
    body = "".join(f'<a href="{h}">{h}</a> ' for h in links)
    text = " ".join(f"word{i}" for i in range(words))
    return f"<html><head><title>{title}</title></head><body>{body}<p>{text}</p></body></html>".encode()


def site_routes() -> dict[str, Route]:
    return {
        "/robots.txt": Route(body=b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
        "/": Route(body=page("home", ["/plain.html", "/gz.html", "/chunked.html", "/old.html",
                                      "/logo.png", "/missing.html", "/big.html"])),
        "/plain.html": Route(body=page("plain", words=400)),
        "/gz.html": Route(body=page("gzip", words=2000), encoding="gzip"),
        "/chunked.html": Route(body=page("chunked", words=3000), chunked=True),
        "/old.html": Route(status=301, redirect_to="/plain2.html"),
        "/plain2.html": Route(body=page("target of redirect")),
        "/logo.png": Route(body=PNG, content_type="image/png"),
        "/big.html": Route(body=b"<html><body>" + b"x" * 300_000 + b"</body></html>"),
    }


def records(path: Path):
    """(headers dict, raw block bytes) for every record, without HTTP parsing."""
    out = []
    with open(path, "rb") as fh:
        for rec in ArchiveIterator(fh, no_record_parse=True):
            out.append((dict(rec.rec_headers.headers), rec.raw_stream.read()))
    return out


def b32(algo: str, data: bytes) -> str:
    return f"{algo}:" + base64.b32encode(hashlib.new(algo, data).digest()).decode()


def entity_body(block: bytes) -> bytes:
    head, _, body = block.partition(b"\r\n\r\n")
    if re.search(rb"(?im)^transfer-encoding:\s*chunked", head):
        return b"".join(iter_dechunked(iter([body])))
    return body


@pytest.fixture(scope="module")
def captured(tmp_path_factory):
    from tests.conftest import run_cli

    store = tmp_path_factory.mktemp("store")
    with SiteServer(site_routes()) as srv:
        base = srv.base_url
        proc = run_cli("crawl", base + "/", "--store", str(store), "--allow-private",
                       "-s", "ITEM_PIPELINES={}", "-s", "DOWNLOAD_MAXSIZE=100000",
                       "-s", "CRAWLER_GUESS_SITEMAPS=false", "-s", "CRAWLER_FEEDS=false")
        log = list(srv.log)
    assert proc.returncode == 0, proc.stderr
    warcs = sorted(store.glob("warc/*/*.warc.gz"))
    assert warcs
    recs = [r for w in warcs for r in records(w)]
    return store, base, log, recs, warcs


def _response_for(recs, url):
    found = [(h, b) for h, b in recs if h.get("WARC-Type") == "response" and h.get("WARC-Target-URI") == url]
    assert found, f"no response record for {url}"
    return found[0]


@pytest.mark.parametrize("path", ["/plain.html", "/gz.html", "/chunked.html", "/old.html", "/plain2.html",
                                  "/logo.png", "/robots.txt", "/missing.html"])
def test_response_block_is_exactly_what_the_server_sent(captured, path):
    _, base, log, recs, _ = captured
    sent = [e for e in log if e.path == path]
    assert len(sent) == 1, f"{path} fetched {len(sent)} times"
    headers, block = _response_for(recs, base + path)
    assert block == sent[0].raw_response
    # The request record is the request exactly as sent on the wire.
    req = [(h, b) for h, b in recs if h.get("WARC-Type") == "request"
           and h.get("WARC-Concurrent-To") == headers["WARC-Record-ID"]]
    assert len(req) == 1
    assert req[0][1] == sent[0].raw_request
    assert headers["WARC-IP-Address"] == "127.0.0.1"


def test_gzip_body_kept_compressed_and_chunked_framing_kept(captured):
    _, base, _, recs, _ = captured
    _, block = _response_for(recs, base + "/gz.html")
    head, _, body = block.partition(b"\r\n\r\n")
    assert b"Content-Encoding: gzip" in head
    assert gzip.decompress(body).startswith(b"<html>")
    _, block = _response_for(recs, base + "/chunked.html")
    head, _, body = block.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    assert body.endswith(b"0\r\n\r\n")
    assert entity_body(block) == site_routes()["/chunked.html"].body


def stored_payload(block: bytes) -> bytes:
    """The payload as stored: everything after the HTTP head (chunked framing kept)."""
    return block.partition(b"\r\n\r\n")[2]


def test_digests_recomputed(captured):
    _, _, _, recs, _ = captured
    checked = chunked = 0
    for headers, block in recs:
        assert headers["WARC-Block-Digest"] == b32("sha1", block)
        if headers["WARC-Type"] in ("response", "request"):
            # default WARC_CHUNKED_PAYLOAD_DIGEST=stored: the payload as stored, as
            # warcio check and FastWARC compute it (same as the entity unless chunked)
            assert headers["WARC-Payload-Digest"] == b32("sha1", stored_payload(block))
            chunked += stored_payload(block) != entity_body(block)
            checked += 1
    assert checked >= 16 and chunked >= 1


def test_record_links_and_metadata(captured):
    _, base, _, recs, _ = captured
    by_id = {h["WARC-Record-ID"]: h for h, _ in recs}
    assert recs[0][0]["WARC-Type"] == "warcinfo"
    assert b"isPartOf:" in recs[0][1] and b"robots: obey" in recs[0][1]
    metas = [(h, b) for h, b in recs if h["WARC-Type"] == "metadata"]
    assert metas
    for h, body in metas:
        target = by_id[h["WARC-Concurrent-To"]]
        assert target["WARC-Type"] == "response"
    h, body = [(h, b) for h, b in metas if h["WARC-Target-URI"] == base + "/plain.html"][0]
    assert f"via: {base}/".encode() in body
    assert b"hopsFromSeed: L" in body
    dates = [h["WARC-Date"] for h, _ in recs]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", d) for d in dates)
    # The crawl log travels in the WARC as a resource record, and in logs/.
    res = [b for h, b in recs if h["WARC-Type"] == "resource"]
    assert len(res) == 1 and base.encode() + b"/plain.html" in res[0]


def test_truncated_at_maxsize(captured):
    _, base, _, recs, _ = captured
    headers, block = _response_for(recs, base + "/big.html")
    assert headers["WARC-Truncated"] == "length"
    assert len(block) < 300_000


def test_warcio_check_and_fastwarc(captured):
    _, _, _, _, warcs = captured
    proc = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", *map(str, warcs)],
                          capture_output=True, text=True)
    # the default digests (chunked payloads as stored) pass warcio check as they come
    assert proc.returncode == 0, proc.stdout
    assert not [line for line in proc.stdout.splitlines() if "failed" in line], proc.stdout
    assert proc.stdout.count("digest pass") >= 20

    from fastwarc.warc import ArchiveIterator as FastIterator

    n = 0
    for path in warcs:
        with open(path, "rb") as fh:
            for rec in FastIterator(fh, parse_http=False):
                assert rec.verify_block_digest(), rec.record_id
                n += 1
    assert n == sum(1 for w in warcs for _ in records(w))


def test_entity_digest_mode_follows_the_warc_spec(tmp_path):
    """WARC_CHUNKED_PAYLOAD_DIGEST=entity: the payload digest over the de-chunked entity
    (WARC 1.1 §6.3.2); warcio check then disagrees on the chunked response only."""
    from tests.conftest import run_cli

    routes = {"/robots.txt": Route(status=404, body=b"nope"),
              "/": Route(body=page("chunked home", words=500), chunked=True)}
    with SiteServer(routes) as srv:
        proc = run_cli("crawl", srv.base_url + "/", "--store", str(tmp_path), "--allow-private",
                       "-s", "ITEM_PIPELINES={}", "-s", "WARC_CHUNKED_PAYLOAD_DIGEST=entity",
                       "-s", "CRAWLER_GUESS_SITEMAPS=false", "-s", "CRAWLER_FEEDS=false")
    assert proc.returncode == 0, proc.stderr
    warcs = list(tmp_path.glob("warc/*/*.warc.gz"))
    chunked = [(h, b) for w in warcs for h, b in records(w)
               if h["WARC-Type"] == "response" and b"Transfer-Encoding: chunked" in b.partition(b"\r\n\r\n")[0]]
    assert len(chunked) == 1
    headers, block = chunked[0]
    assert headers["WARC-Payload-Digest"] == b32("sha1", entity_body(block))
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", *map(str, warcs)],
                           capture_output=True, text=True)
    failures = [line for line in check.stdout.splitlines() if "failed" in line]
    assert check.returncode == 1 and len(failures) == 1 and "payload digest failed" in failures[0], check.stdout


def test_failed_fetch_leaves_log_line_not_record(tmp_path):
    from tests.conftest import run_cli

    with SiteServer({}) as srv:
        dead = srv.base_url
    proc = run_cli("crawl", dead + "/", "--store", str(tmp_path), "--allow-private",
                   "-s", "ITEM_PIPELINES={}", "-s", "RETRY_TIMES=0")
    logs = list(tmp_path.glob("logs/*.crawl.log"))
    assert len(logs) == 1
    text = logs[0].read_text()
    assert "ConnectionRefused" in text or "DownloadConnectionRefusedError" in text, text
    for w in tmp_path.glob("warc/*/*.warc.gz"):
        assert all(h["WARC-Type"] in ("warcinfo", "resource") for h, _ in records(w))
    assert proc.returncode == 5  # nothing archived (crawler.exitcodes.EXIT_NOTHING_FETCHED)


def test_rotation_and_names(tmp_path):
    from tests.conftest import run_cli

    with SiteServer(site_routes()) as srv:
        proc = run_cli("crawl", srv.base_url + "/", "--store", str(tmp_path), "--allow-private",
                       "-s", "ITEM_PIPELINES={}", "-s", "WARC_MAX_SIZE=4000", "-s", "WARC_PREFIX=test")
    assert proc.returncode == 0, proc.stderr
    warcs = sorted(tmp_path.glob("warc/*/*.warc.gz"))
    assert len(warcs) >= 4
    pattern = re.compile(r"test-\d{17}-(\d{5})-[\w-]+-\d+\.warc\.gz")
    serials = [int(pattern.fullmatch(w.name).group(1)) for w in warcs]
    assert sorted(serials) == list(range(1, len(warcs) + 1))
    assert not list(tmp_path.rglob("*.open"))
    for w in warcs:  # each file starts with its own warcinfo and is a series of gzip members
        recs = records(w)
        assert recs[0][0]["WARC-Type"] == "warcinfo"
        assert recs[0][0]["WARC-Filename"] == w.name
        raw = w.read_bytes()
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        d.decompress(raw)
        assert d.unused_data[:2] == b"\x1f\x8b" or len(recs) == 1
    manifest_files = {f["key"] for f in __import__("json").loads(
        next(tmp_path.glob("manifests/*.json")).read_text())["files"]}
    assert {f"warc/{w.parent.name}/{w.name}" for w in warcs} <= manifest_files
