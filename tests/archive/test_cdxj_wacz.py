"""CDXJ indexing of crawled WARCs (offsets, sorting, record selection), rebuilding
indexes in a store (local and generic backend), and WACZ export checked with
py-wacz's ``wacz validate`` (from the tools venv)."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from crawler.archive.cdxj import index_warc, parse_line, rebuild_indexes, warc_keys, write_cdxj
from crawler.archive.wacz import export_wacz, read_wacz_index
from crawler.storage import layout, open_store
from crawler.storage.base import LocalStore
from crawler.tools import require_tool
from tests.conftest import assert_verified
from tests.replay.helpers import crawl_demo, read_member, warc_header, warc_records


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    store_dir = tmp_path_factory.mktemp("cdxj") / "store"
    base = crawl_demo(store_dir)
    warcs = sorted(store_dir.glob("warc/*/*.warc.gz"))
    crawl_id = warcs[0].parent.name
    return store_dir, base, crawl_id, warcs


class RemoteLikeStore(LocalStore):
    """A local folder that pretends to have no local paths (as S3 will)."""

    def local_path(self, key):
        return None


def test_cdxj_lines_point_at_every_response_record(crawled):
    _, base, _, warcs = crawled
    types_seen = set()
    for warc in warcs:
        lines = index_warc(warc)
        assert lines and all(line.endswith("\n") for line in lines)
        assert lines == sorted(lines), "CDXJ must be sorted"
        assert len(set(lines)) == len(lines)
        indexed_ids = {}
        for line in lines:
            urlkey, ts, fields = parse_line(line)
            assert len(ts) == 14 and ts.isdigit()
            assert {"url", "mime", "digest", "length", "offset", "filename"} <= set(fields)
            assert fields["filename"] == warc.name
            rec = read_member(warc, int(fields["offset"]), int(fields["length"]))
            rtype = warc_header(rec, "WARC-Type")
            assert warc_header(rec, "WARC-Target-URI") == fields["url"]
            assert rtype in ("response", "revisit", "resource", "metadata")
            if rtype in ("response", "revisit"):
                assert "status" in fields
                assert fields["digest"] == warc_header(rec, "WARC-Payload-Digest")
            if rtype == "revisit":
                assert fields["mime"] == "warc/revisit"
            assert warc_header(rec, "WARC-Date").replace("-", "").replace(":", "").replace("T", "")[:14] == ts
            indexed_ids[warc_header(rec, "WARC-Record-ID")] = rtype
        recs = warc_records(warc)
        responses = {r.record_id for r in recs if r.type in ("response", "revisit")}
        assert responses and responses == {k for k, v in indexed_ids.items() if v in ("response", "revisit")}
        # request/warcinfo records and warc-fields metadata are not indexed
        assert not {r.record_id for r in recs if r.type in ("request", "warcinfo")} & set(indexed_ids)
        types_seen.update(indexed_ids.values())
        urls = {parse_line(line)[2]["url"] for line in lines}
        assert base + "/extra/gz-chunked.html" in urls
    # the crawl log resource record is indexed too (as pywb indexes resources)
    assert "resource" in types_seen


def test_cdxj_status_and_mime(crawled):
    _, base, _, warcs = crawled
    by_url = {}
    for warc in warcs:
        for line in index_warc(warc):
            _, _, f = parse_line(line)
            by_url[f["url"]] = f
    assert by_url[base + "/extra/gz-chunked.html"]["mime"] == "text/html"
    assert by_url[base + "/extra/gz-chunked.html"]["status"] == "200"
    assert by_url[base + "/robots.txt"]["mime"] == "text/plain"
    assert any(f.get("status") == "404" for f in by_url.values())
    assert any(f.get("status") == "301" for f in by_url.values())


def test_write_cdxj_and_rebuild_indexes(crawled, tmp_path):
    store_dir, _, crawl_id, warcs = crawled
    copy = tmp_path / "copy"
    shutil.copytree(store_dir, copy)
    shutil.rmtree(copy / "indexes", ignore_errors=True)
    expected = {}
    for warc in warcs:
        out = tmp_path / "single" / (warc.name + ".cdxj")
        n = write_cdxj(warc, out)
        assert n == len(index_warc(warc)) and n > 0
        expected[layout.index_key(crawl_id, warc.name)] = out.read_bytes()
        assert not list(out.parent.glob("*.tmp"))

    store = open_store(copy)
    keys = rebuild_indexes(store, crawl_id)
    assert sorted(keys) == sorted(expected)
    for key, data in expected.items():
        assert (copy / key).read_bytes() == data
    # idempotent, also for "all crawls"
    assert sorted(rebuild_indexes(store)) == sorted(expected)
    for key, data in expected.items():
        assert (copy / key).read_bytes() == data
    assert rebuild_indexes(store, "no-such-crawl") == []

    # a store without local paths (download, index, put_bytes)
    remote_dir = tmp_path / "remote"
    shutil.copytree(store_dir, remote_dir)
    shutil.rmtree(remote_dir / "indexes", ignore_errors=True)
    remote = RemoteLikeStore(remote_dir)
    assert sorted(rebuild_indexes(remote)) == sorted(expected)
    for key, data in expected.items():
        assert (remote_dir / key).read_bytes() == data
    assert warc_keys(remote, crawl_id) == [f"warc/{crawl_id}/{w.name}" for w in warcs]


def _validate(path: Path) -> None:
    wacz = require_tool("wacz")
    proc = subprocess.run([str(wacz), "validate", "-f", str(path)], capture_output=True, text=True,
                          timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "Validation succeeded" in out, out[-3000:]


@pytest.mark.parametrize("compressed", [True, False])
def test_export_wacz_validates(crawled, tmp_path, compressed):
    store_dir, base, crawl_id, warcs = crawled
    store = open_store(store_dir)
    out = export_wacz(store, crawl_id, tmp_path / "crawl.wacz", title="Demo crawl",
                      compressed_index=compressed)
    assert out == tmp_path / "crawl.wacz" and out.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crawl.wacz"]  # no temp left over
    _validate(out)

    with zipfile.ZipFile(out) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        for warc in warcs:
            info = infos[f"archive/{warc.name}"]
            assert info.compress_type == zipfile.ZIP_STORED
            assert zf.read(info) == warc.read_bytes()
        if compressed:
            assert infos["indexes/index.cdx.gz"].compress_type == zipfile.ZIP_STORED
            assert "indexes/index.idx" in infos
        else:
            assert "indexes/index.cdx" in infos
        package = json.loads(zf.read("datapackage.json"))
        digest = json.loads(zf.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(zf.read("datapackage.json")).hexdigest()
        assert package["profile"] == "data-package" and package["wacz_version"] == "1.1.1"
        assert package["title"] == "Demo crawl"
        assert package["created"].endswith("Z") and package["modified"]
        assert package["software"].startswith("newsarchiver")
        listed = {r["path"]: r for r in package["resources"]}
        assert set(listed) == set(infos) - {"datapackage.json", "datapackage-digest.json"}
        for path, res in listed.items():
            data = zf.read(path)
            assert res["bytes"] == len(data)
            assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()]

    assert pages[0] == {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    page_urls = [p["url"] for p in pages[1:]]
    assert len(page_urls) == len(set(page_urls))
    html_200 = {r.url for w in warcs for r in warc_records(w)
                if r.type == "response" and r.status == 200 and r.is_html}
    assert set(page_urls) == html_200
    assert all(p["ts"].endswith("Z") and p["id"] for p in pages[1:])

    # the merged index is every per-WARC index, sorted
    merged = read_wacz_index(out)
    assert merged == sorted(line for w in warcs for line in index_warc(w))


def test_export_wacz_pages_from_articles(crawled, tmp_path):
    """With article records listed in the manifest, pages.jsonl lists the articles."""
    store_dir, base, crawl_id, warcs = crawled
    copy = tmp_path / "store"
    shutil.copytree(store_dir, copy)

    def pointer(url):  # the capture's record, as an article record's warc pointer names it
        for warc in warcs:
            for line in index_warc(warc):
                _, _, f = parse_line(line)
                if f["url"] == url and f.get("mime") != "warc/revisit":
                    rec = read_member(warc, int(f["offset"]), int(f["length"]))
                    return {"filename": warc.name, "offset": int(f["offset"]), "length": int(f["length"]),
                            "record_id": warc_header(rec, "WARC-Record-ID")}
        raise AssertionError(f"no capture of {url}")

    articles = [
        {"id": "a1", "url": base + "/extra/gz.html", "title": "gzip only", "crawl_id": crawl_id,
         "fetched_at": "2026-03-01T10:00:00Z", "warc": pointer(base + "/extra/gz.html")},
        {"id": "a2", "url": base + "/extra/chunked.html", "title": "chunked only", "crawl_id": crawl_id,
         "fetched_at": "2026-03-01T10:00:01Z", "warc": pointer(base + "/extra/chunked.html")},
    ]
    key = layout.article_key("2026-03-01", "127.0.0.1", crawl_id, 0)
    part = LocalStore(copy).put_bytes(key, gzip.compress("".join(json.dumps(a) + "\n" for a in articles).encode()))
    mpath = copy / layout.manifest_key(crawl_id)
    manifest = json.loads(mpath.read_text())
    manifest["files"].append({"kind": "articles", **part.to_dict(), "records": 2})
    mpath.write_text(json.dumps(manifest))
    assert_verified(copy)

    out = export_wacz(open_store(copy), crawl_id, tmp_path / "a.wacz")
    _validate(out)
    with zipfile.ZipFile(out) as zf:
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()]
    assert [(p["url"], p["title"], p["ts"], p["id"]) for p in pages[1:]] == [
        (a["url"], a["title"], a["fetched_at"], a["id"]) for a in articles]

    from crawler.replay.pywb import list_captures

    caps = list_captures(open_store(copy), crawl_id)
    assert [(c["url"], c["title"], c["timestamp"], c["source"]) for c in caps] == [
        (base + "/extra/chunked.html", "chunked only", "20260301100001", "articles"),
        (base + "/extra/gz.html", "gzip only", "20260301100000", "articles"),
    ]


def test_export_wacz_unknown_crawl(crawled, tmp_path):
    from crawler.archive.wacz import WaczError

    with pytest.raises(WaczError):
        export_wacz(open_store(crawled[0]), "nope", tmp_path / "x.wacz")
    assert not (tmp_path / "x.wacz").exists()


def test_revisit_records_are_indexed_as_warc_revisit(tmp_path):
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "rev.warc.gz"
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=True, warc_version="1.1")
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        resp = w.create_warc_record("http://example.com/a", "response", payload=BytesIO(b"<p>same</p>"),
                                    http_headers=http)
        w.write_record(resp)
        digest = resp.rec_headers.get_header("WARC-Payload-Digest")
        rev = w.create_revisit_record("http://example.com/b", digest, "http://example.com/a",
                                      resp.rec_headers.get_header("WARC-Date"),
                                      http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                                                    protocol="HTTP/1.1"))
        w.write_record(rev)
    lines = index_warc(path)
    fields = {parse_line(line)[2]["url"]: parse_line(line)[2] for line in lines}
    assert fields["http://example.com/a"]["mime"] == "text/html"
    assert fields["http://example.com/b"]["mime"] == "warc/revisit"
    assert fields["http://example.com/b"]["digest"] == digest
    for f in fields.values():
        rec = read_member(path, int(f["offset"]), int(f["length"]))
        assert warc_header(rec, "WARC-Target-URI") == f["url"]
