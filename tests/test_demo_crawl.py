"""End to end on the bundled demo site: discovery (robots, sitemap index, gzipped
Google News sitemap, feed autodiscovery, traps), article vs listing pages, the JSON
record contract, the manifest, and `crawler demo` itself."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys

import pytest

from crawler.demo.server import SiteServer
from crawler.demo.site import build_site, demo_expectations
from crawler.schema import validate_record
from tests.conftest import ROOT, CrawlRun, assert_verified, run_cli

EXP = demo_expectations()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = tmp_path_factory.mktemp("demo-store")
    with SiteServer({}) as srv:
        srv.routes.update(build_site(srv.base_url))
        base = srv.base_url
        proc = run_cli("crawl", base + "/", "--store", str(store), "--allow-private")
        log = list(srv.log)
    run = CrawlRun(proc.returncode, proc.stdout, proc.stderr, store)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return base, log, run


def fetched(log, path):
    return [e for e in log if e.path == path]


def test_robots_obeyed_and_fetched_once(demo):
    _, log, run = demo
    assert fetched(log, "/robots.txt"), "robots.txt not fetched"
    assert len(fetched(log, "/robots.txt")) == 1
    assert not fetched(log, EXP["disallowed_path"])
    assert run.manifest["stats"]["robotstxt/forbidden"] >= 1


def test_sitemaps_and_feeds_discovered(demo):
    _, log, run = demo
    for path in EXP["sitemaps"] + EXP["feeds"]:
        assert len(fetched(log, path)) == 1, path
    stats = run.manifest["stats"]
    assert stats["discovery/sitemaps"] == 3
    assert stats["discovery/feeds"] >= 1


def test_every_page_fetched_once_and_traps_bounded(demo):
    _, log, run = demo
    paths = [e.path for e in log]
    dupes = {p for p in paths if paths.count(p) > 1}
    assert not dupes
    calendar = [p for p in paths if p.startswith("/calendar/")]
    assert 0 < len(calendar) <= 60
    loop = [p for p in paths if p.startswith("/a/")]
    assert len(loop) <= 3
    stats = run.manifest["stats"]
    assert any(k.startswith("discovery/trap/") for k in stats)
    # tracking parameters are dropped before scheduling
    assert not any("utm_" in p for p in paths)


def test_articles_not_listings(demo):
    base, _, run = demo
    articles = run.articles()
    urls = {a["url"] for a in articles}
    for path in EXP["article_paths"]:
        assert base + path in urls, f"missing article {path}"
    for path in EXP["listing_paths"]:
        assert base + path not in urls, f"listing page emitted as article: {path}"
    assert base + EXP["pdf"] not in urls
    assert not any("/calendar/" in u for u in urls)


def test_article_content_and_no_boilerplate(demo):
    base, _, run = demo
    by_url = {a["url"]: a for a in run.articles()}
    for exp in EXP["articles"]:
        rec = by_url[base + exp["path"]]
        for para in exp["key_paragraphs"]:
            assert para in rec["text"], (exp["path"], para)
        assert rec["title"] == exp["title"]
        assert rec["language"] == exp["language"]
        assert rec["published"] and rec["published"][:10] == exp["published"][:10]
    text = "\n".join(a["text"] for a in by_url.values())
    for phrase in EXP["boilerplate"]:
        assert phrase not in text


def test_records_match_schema_and_point_into_warc(demo):
    base, log, run = demo
    from warcio.archiveiterator import ArchiveIterator

    articles = run.articles()
    assert articles
    for rec in articles:
        validate_record(rec)
        assert rec["crawl_id"] == run.manifest["crawl_id"]
        w = rec["warc"]
        path = run.store / "warc" / rec["crawl_id"] / w["filename"]
        with open(path, "rb") as fh:
            fh.seek(w["offset"])
            raw = fh.read(w["length"])
        record = next(iter(ArchiveIterator(__import__("io").BytesIO(raw))))
        assert record.rec_headers.get_header("WARC-Record-ID") == w["record_id"]
        assert record.rec_headers.get_header("WARC-Target-URI") == rec["url"]


def test_manifest_lists_every_file_with_sha256(demo):
    _, _, run = demo
    manifest = run.manifest
    assert manifest["status"] == "finished"
    assert manifest["seeds"]
    kinds = {f["kind"] for f in manifest["files"]}
    assert {"warc", "articles", "crawl-log"} <= kinds
    for f in manifest["files"]:
        data = (run.store / f["key"]).read_bytes()
        assert len(data) == f["size"]
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
    on_disk = {p.relative_to(run.store).as_posix() for p in run.store.rglob("*")
               if p.is_file() and not p.relative_to(run.store).as_posix().startswith(("manifests/", "state/"))}
    assert on_disk == {f["key"] for f in manifest["files"]}
    # partitions are Hive-style date=/site=
    for f in manifest["files"]:
        if f["kind"] == "articles":
            assert f["key"].startswith("articles/date=") and "/site=" in f["key"]


def test_warcs_valid(demo):
    _, _, run = demo
    proc = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v",
                           *map(str, run.warc_files())], capture_output=True, text=True)
    failures = [line for line in proc.stdout.splitlines() if "failed" in line]
    # only the demo's chunked article may differ (payload digest over the de-chunked body)
    assert len(failures) <= 1, proc.stdout


def test_store_passes_crawler_verify(demo):
    report = assert_verified(demo[2].store)
    assert report.counts["warc/records"] > 100 and report.counts["json/pointers"] == len(demo[2].articles())


def test_crawler_demo_command(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "crawler", "demo", "--store", str(tmp_path / "a")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "articles written" in out and "WARC files" in out and "elapsed" in out
    assert f"{EXP['disallowed_path']} not fetched" in out
    assert "boilerplate in JSON" in out and "none of" in out
    n = len(EXP["article_paths"])
    assert f"{n}/{n}" in out


def test_one_unique_article_per_story(demo):
    """Syndicated wire copy and AMP view are marked duplicate_of the first-seen copy;
    the utm_ variant was never fetched; unique records are one per story."""
    base, log, run = demo
    by_url = {a["url"]: a for a in run.articles()}
    for pair in (EXP["duplicate"], EXP["amp"]):
        first, second = (pair["original"], pair["copy"]) if "copy" in pair else (pair["canonical"], pair["path"])
        a, b = by_url[base + first], by_url[base + second]
        assert (a["duplicate_of"] == b["id"]) != (b["duplicate_of"] == a["id"]), (a["duplicate_of"], b["duplicate_of"])
    unique = [a for a in by_url.values() if not a["duplicate_of"]]
    assert len(unique) == len(EXP["article_paths"])
    assert not any("utm_" in e.path for e in log)


def test_links_in_workers_follow_the_same_links(demo, tmp_path):
    """The full pipeline parses pages for links in the extraction workers; a crawl that
    parses them on the reactor (as a fetch-only crawl does) fetches exactly the same
    URLs and writes the same articles."""
    base, log, run = demo
    stats = run.manifest["stats"]
    assert stats.get("discovery/links_inline_fallback", 0) == 0
    assert stats["cpu/crawler_seconds"] > 0 and stats["cpu/workers_seconds"] > 0
    store = tmp_path / "inline"
    with SiteServer({}) as srv:
        srv.routes.update(build_site(srv.base_url))
        proc = run_cli("crawl", srv.base_url + "/", "--store", str(store), "--allow-private",
                       "-s", "CRAWLER_LINKS_IN_WORKERS=false")
        inline_log = list(srv.log)
        inline_base = srv.base_url
    assert proc.returncode == 0, proc.stderr[-3000:]
    inline = CrawlRun(proc.returncode, proc.stdout, proc.stderr, store)

    def paths(entries):
        # which months of the endless calendar are fetched before the trap guard stops
        # depends on the order responses complete in; how many does not
        return sorted(e.path if not e.path.startswith("/calendar/") else "/calendar/..." for e in entries)

    assert paths(inline_log) == paths(log)

    def contents(r, origin):
        return sorted((a["url"].replace(origin, ""), a["title"], a["text"]) for a in r.articles())

    assert contents(inline, inline_base) == contents(run, base)
    # (which copy of a story counts as first follows completion order; how many are marked does not)
    assert (sum(a["duplicate_of"] is not None for a in inline.articles())
            == sum(a["duplicate_of"] is not None for a in run.articles()))
    for key in ("response_received_count", "articles/written", "articles/near_duplicates"):
        assert inline.manifest["stats"].get(key) == run.manifest["stats"].get(key), key


def test_page_resources_archived_once(demo):
    """The demo's stylesheet, its background image, the logo and the lead images are
    archived (once each, however many pages use them), so replay shows styled pages."""
    base, log, run = demo
    needed = [EXP["stylesheet"], *EXP["stylesheet_images"], *EXP["page_images"]]
    assert len(needed) > 10
    for path in needed:
        assert len(fetched(log, path)) == 1, path
    crawl_log = (run.store / "logs" / f"{run.manifest['crawl_id']}.crawl.log").read_text()
    hops = {f[3].split("/", 3)[3]: f[4] for f in (line.split() for line in crawl_log.splitlines())}
    assert all(hops["/".join(p.split("/")[1:])].endswith("E") for p in needed)
    stats = run.manifest["stats"]
    assert stats["resources/fetched"] >= len(needed)
    assert stats["resources/fetched/css"] >= 1
