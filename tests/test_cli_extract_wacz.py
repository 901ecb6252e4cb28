"""``crawler extract`` (URL / file / stdin, archiving only with --store) and WACZ from the
command line: ``crawl --wacz``, ``export wacz`` of several crawls or a date range."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from datetime import datetime, timezone

import pytest

from crawler.demo.server import Route, SiteServer
from tests.archive.test_cdxj_wacz import _validate
from tests.conftest import ROOT, run_cli
from tests.test_cli_commands import _article


def _site() -> dict[str, Route]:
    return {"/robots.txt": Route(status=404, body=b""),
            "/": Route(body=b'<html><body><a href="/story.html">story</a> <a href="/b.html">b</a></body></html>'),
            "/story.html": Route(body=_article("Budget story"), encoding="gzip"),
            "/b.html": Route(body=_article("Bridge story"), chunked=True),
            "/old.html": Route(status=301, redirect_to="/story.html")}


def _json(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_extract_url_archives_nothing_without_store(tmp_path):
    with SiteServer(_site()) as srv:
        base = srv.base_url
        rec = _json(run_cli("extract", base + "/old.html?utm_source=newsletter", "--allow-private",
                            env={"TMPDIR": str(tmp_path)}))
        fetched = srv.fetched_paths()
    assert rec["url"] == base + "/story.html"  # redirect followed, tracking parameter dropped
    assert rec["title"] == "Budget story" and "council met again" in rec["text"]
    assert rec["warc"] is None and rec["crawl_id"] == ""
    assert "/story.html" in fetched and "/b.html" not in fetched  # one page, no links followed
    assert list(tmp_path.iterdir()) == []  # the temporary capture is gone
    assert not (ROOT / "archive").exists() or all(
        base not in p.read_text() for p in (ROOT / "archive").glob("manifests/*.json"))


def test_extract_url_with_store_archives_it(tmp_path):
    store = tmp_path / "store"
    with SiteServer(_site()) as srv:
        rec = _json(run_cli("extract", srv.base_url + "/story.html", "--allow-private", "--store", str(store)))
    manifests = list((store / "manifests").glob("*.json"))
    assert len(manifests) == 1
    crawl_id = manifests[0].stem
    assert rec["crawl_id"] == crawl_id and rec["warc"]["filename"].endswith(".warc.gz")
    stored = [json.loads(line) for line in subprocess.run(
        [sys.executable, "-m", "crawler", "articles", "--store", str(store)], cwd=ROOT,
        capture_output=True, text=True, timeout=60).stdout.splitlines()]
    assert stored == [rec]


def test_extract_file_and_stdin_and_not_an_article(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(_article("File story"))
    rec = _json(run_cli("extract", str(page), "--url", "https://news.example.com/2026/file-story.html",
                        "--fetched-at", "2026-11-26T10:00:00Z"))
    assert rec["title"] == "File story" and rec["site"] == "news.example.com"
    assert rec["fetched_at"] == "2026-11-26T10:00:00Z"
    proc = subprocess.run([sys.executable, "-m", "crawler", "extract", "-", "--compact"], cwd=ROOT,
                          input=_article("Stdin story"), capture_output=True, timeout=60)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 1
    assert json.loads(proc.stdout)["title"] == "Stdin story"
    (tmp_path / "home.html").write_bytes(b"<html><body><a href='/a'>a</a> short</body></html>")
    proc = run_cli("extract", str(tmp_path / "home.html"))
    assert proc.returncode == 1 and proc.stderr.startswith("crawler: not an article: too short")
    assert proc.stdout == ""
    proc = run_cli("extract", str(tmp_path / "missing.html"))
    assert proc.returncode == 2 and "No such file" in proc.stderr


@pytest.fixture(scope="module")
def two_crawls(tmp_path_factory):
    root = tmp_path_factory.mktemp("wacz-cli")
    store = root / "store"
    with SiteServer(_site()) as srv:
        first = run_cli("crawl", srv.base_url + "/", "--store", str(store), "--allow-private",
                        "--wacz", str(root / "first.wacz"), "-s", "CRAWLER_GUESS_SITEMAPS=false")
        second = run_cli("crawl", srv.base_url + "/b.html", "--store", str(store), "--allow-private",
                         "--depth", "0", "-s", "CRAWLER_GUESS_SITEMAPS=false", "-s", "CRAWLER_FEEDS=false")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    ids = sorted(p.stem for p in (store / "manifests").glob("*.json"))
    assert len(ids) == 2
    return root, store, ids, first


def _wacz_warcs(path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return sorted(n for n in zf.namelist() if n.startswith("archive/"))


def test_crawl_wacz_writes_a_valid_wacz_of_the_crawl(two_crawls):
    root, store, ids, first = two_crawls
    out = root / "first.wacz"
    assert f"WACZ written to {out}" in first.stdout
    _validate(out)
    assert _wacz_warcs(out) == sorted(f"archive/{p.name}" for p in (store / "warc" / ids[0]).glob("*.warc.gz"))


def test_export_wacz_several_crawls_and_date_range(two_crawls):
    root, store, ids, _ = two_crawls
    every_warc = sorted(f"archive/{p.name}" for p in store.glob("warc/*/*.warc.gz"))
    both = root / "both.wacz"
    proc = run_cli("export", "wacz", "--store", str(store), "--crawl", ids[0], "--crawl", ids[1], "--out", str(both))
    assert proc.returncode == 0, proc.stderr
    _validate(both)
    assert _wacz_warcs(both) == every_warc
    with zipfile.ZipFile(both) as zf:
        package = json.loads(zf.read("datapackage.json"))
    assert ids[0] in package["description"] and ids[1] in package["description"]
    today = datetime.now(timezone.utc).date().isoformat()
    ranged = root / "today.wacz"
    proc = run_cli("export", "wacz", "--store", str(store), "--from", today, "--to", today, "--out", str(ranged))
    assert proc.returncode == 0, proc.stderr
    assert _wacz_warcs(ranged) == every_warc
    proc = run_cli("export", "wacz", "--store", str(store), "--to", "2020-01-01", "--out", str(root / "none.wacz"))
    assert proc.returncode == 1 and "no crawl started" in proc.stderr
    proc = run_cli("export", "wacz", "--store", str(store), "--out", str(root / "none.wacz"))
    assert proc.returncode == 2 and "give --crawl ID" in proc.stderr
