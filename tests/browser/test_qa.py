"""``crawler qa``: the replay check on a --browser crawl (capture screenshots), on a default
crawl (live screenshots, right after the crawl), and a resource deleted from the archive is
flagged."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.scripted import png
from crawler.replay.pixeldiff import pixel_difference, thumbnail
from crawler.replay.qa import original_url
from tests.browser.conftest import FAST
from tests.conftest import assert_verified, mark_store_unverifiable, run_cli

TOOLS = {"NEWSARCHIVER_TOOLS_VENV": os.environ.get("NEWSARCHIVER_TOOLS_VENV", "")} \
    if os.environ.get("NEWSARCHIVER_TOOLS_VENV") else None


def test_pixel_difference():
    red, blue = png(40, 20, (255, 0, 0)), png(40, 20, (0, 0, 255))
    assert pixel_difference(red, red) == 0.0
    assert pixel_difference(red, blue) == 100.0
    assert pixel_difference(red, png(40, 20, (250, 10, 5))) == 0.0  # within the tolerance
    assert pixel_difference(red, png(40, 10, (255, 0, 0))) == pytest.approx(50.0)  # half the page lost
    assert thumbnail(png(1280, 5000, (1, 2, 3))).startswith(b"\x89PNG")


def test_original_url():
    prefix = "http://127.0.0.1:9/archive/"
    assert original_url(prefix + "20261204164839im_/http://a.example/x.png?v=1", prefix) == "http://a.example/x.png?v=1"
    assert original_url(prefix + "20261204164839/https://a.example/api.json", prefix) == "https://a.example/api.json"


def _qa(store, out, *extra):
    proc = run_cli("qa", "--store", str(store), "--out", str(out), "--json", *extra, timeout=300, env=TOOLS)
    assert proc.stdout.strip(), proc.stderr[-3000:]
    return proc.returncode, json.loads(proc.stdout)


def _drop_url(store, url: str) -> int:
    """Delete every record of ``url`` from the store's WARCs (raw gzip members copied, the
    others byte for byte); the indexes are rebuilt afterwards."""
    dropped = 0
    for path in store.glob("warc/*/*.warc.gz"):
        keep = bytearray()
        data = path.read_bytes()
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            for rec in it:
                rec.content_stream().read()
                offset, length = it.get_record_offset(), it.get_record_length()
                if rec.rec_headers.get_header("WARC-Target-URI") == url:
                    dropped += 1
                else:
                    keep += data[offset:offset + length]
        path.write_bytes(bytes(keep))
    return dropped


def test_qa_of_a_browser_crawl_passes_and_flags_a_deleted_resource(browser_crawl, tmp_path):
    # the site is stopped: the capture's screenshots are the reference
    base = browser_crawl["base"]
    store = tmp_path / "store"
    shutil.copytree(browser_crawl["store"], store)

    code, report = _qa(store, tmp_path / "qa1")
    s = report["summary"]
    assert code == 0, json.dumps(report, indent=1)[:3000]
    assert s["pages"] == 3 and s["passed"] == 3 and s["reference"]["capture"] == 3
    assert s["missing_resources"] == 0 and s["max_diff"] <= 1.0
    html = (tmp_path / "qa1" / "report.html").read_text()
    for page in report["pages"]:
        assert (tmp_path / "qa1" / page["replay_thumbnail"]).is_file()
        assert page["reference_thumbnail"] in html

    assert_verified(store)  # the browser crawl's store, before the damage
    css = base + "/static/site.css"
    mark_store_unverifiable(store, "a resource's records cut out of its WARC on purpose")
    assert _drop_url(store, css) >= 2  # response, request, metadata
    assert run_cli("index", "--store", str(store)).returncode == 0
    code, report = _qa(store, tmp_path / "qa2")
    assert code == 1
    for page in report["pages"]:
        assert not page["passed"]
        assert [m["url"] for m in page["missing"]] == [css], page["missing"]
        assert page["missing"][0]["why"].startswith("HTTP 404")
        assert page["diff"] > 1.0  # unstyled
    assert report["summary"]["missing_resource_urls"] == 1


def test_qa_of_a_default_crawl_compares_with_the_live_site(scripted_site, tmp_path):
    srv, expected = scripted_site
    base = srv.base_url
    store = tmp_path / "store"
    proc = run_cli("crawl", base + "/", "--store", str(store), "--allow-private", *FAST, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # right after the crawl: the live site answers; every page, as the script-built ones made no article
    code, report = _qa(store, tmp_path / "qa", "--all-pages")
    assert code == 1
    pages = {p["url"]: p for p in report["pages"]}
    assert all(p["reference"] == "live" and p["diff"] is not None for p in pages.values())
    for exp in expected:
        page = pages.get(base + exp["path"])
        assert page is not None, exp["path"]
        if exp["kind"] == "fetch":  # the JSON (and app.js unless page resources are on) never archived
            assert {base + r for r in exp["resources"]} & {m["url"] for m in page["missing"]}, page["missing"]
        if exp["kind"] == "inserted":
            assert base + exp["resources"][0] in [m["url"] for m in page["missing"]]
        if exp["kind"] != "static":
            assert page["diff"] > 1.0 and not page["passed"], page


def test_qa_bad_input(browser_crawl, tmp_path):
    proc = run_cli("qa", "--store", str(browser_crawl["store"]), "--crawl", "20200101T000000Z-000000",
                   "--out", str(tmp_path / "r"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "no crawl 20200101T000000Z-000000" in proc.stderr
    proc = run_cli("qa", "--store", str(tmp_path / "nothing-here"), "--out", str(tmp_path / "r"))
    assert proc.returncode == 3 and proc.stderr.count("\n") == 1, proc.stderr
    proc = run_cli("qa", "--store", str(browser_crawl["store"]), "--max-diff", "-1")
    assert proc.returncode == 2 and "must not be negative" in proc.stderr
    assert not (tmp_path / "r").exists()
