"""The command line: help with examples, exit codes, schema, Scrapy-project use,
scope options."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from crawler.demo.server import Route, SiteServer
from tests.conftest import ROOT, run_cli


def test_help_shows_examples():
    top = run_cli("--help")
    assert top.returncode == 0 and "examples:" in top.stdout and "crawler crawl" in top.stdout
    crawl = run_cli("crawl", "--help")
    assert crawl.returncode == 0
    for flag in ("--seeds-file", "--store", "--max-pages", "--depth", "--allow-private", "examples:"):
        assert flag in crawl.stdout


def test_no_valid_seed_exits_2(tmp_path):
    proc = run_cli("crawl", "--store", str(tmp_path))
    assert proc.returncode == 2 and "no valid seed" in proc.stderr
    proc = run_cli("crawl", "ftp://example.invalid/", "--store", str(tmp_path))
    assert proc.returncode == 2


def test_store_that_is_a_file_exits_3(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    proc = run_cli("crawl", "http://127.0.0.1:9/", "--store", str(blocker / "store"), "--allow-private")
    assert proc.returncode == 3
    assert "not writable" in proc.stderr


def test_schema_command_prints_json_schema():
    proc = run_cli("schema")
    schema = json.loads(proc.stdout)
    assert schema["type"] == "object"
    for field in ("url", "canonical_url", "title", "author", "published", "language", "sitename",
                  "text", "fetched_at", "http_status", "crawl_id", "schema_version", "warc"):
        assert field in schema["properties"]
    assert set(schema["properties"]["warc"]["required"]) == {"filename", "offset", "length", "record_id"}


def _scope_site(offsite_base: str) -> dict[str, Route]:
    def html(links):
        return ("<html><body>" + "".join(f'<a href="{h}">{h}</a>' for h in links)
                + "</body></html>").encode()

    return {
        "/robots.txt": Route(status=404, body=b"none"),
        "/": Route(body=html(["/d1/", offsite_base + "/off.html", "/skip/me.html", "mailto:x@example.com",
                              "javascript:void(0)"])),
        "/d1/": Route(body=html(["/d2/"])),
        "/d2/": Route(body=html(["/d3/"])),
        "/d3/": Route(body=html([])),
        "/skip/me.html": Route(body=html([])),
    }


def test_scope_depth_and_deny(tmp_path, crawl):
    with SiteServer({"/off.html": Route(body=b"<html>off</html>")}, host="127.0.0.1") as other:
        offsite = f"http://localhost:{other.port}"
        with SiteServer(_scope_site(offsite)) as srv:
            run = crawl(srv.base_url + "/", args=["--depth", "2"],
                        settings={"CRAWLER_DENY": [r"/skip/"], "ITEM_PIPELINES": {},
                                  "CRAWLER_GUESS_SITEMAPS": False, "CRAWLER_FEEDS": False})
            paths = srv.fetched_paths()
        assert other.fetched_paths() == [], "off-site link was followed"
    assert run.returncode == 0, run.stderr
    assert "/d1/" in paths and "/d2/" in paths
    assert "/d3/" not in paths  # depth 3 > --depth 2
    assert "/skip/me.html" not in paths
    stats = run.manifest["stats"]
    assert stats.get("discovery/rejected/off-site", 0) >= 1
    assert stats.get("discovery/rejected/scheme", 0) + stats.get("discovery/rejected/denied-pattern", 0) >= 1


def test_max_pages(crawl):
    def html(i):
        return f'<html><body><a href="/p{i + 1}">next</a></body></html>'.encode()

    routes = {f"/p{i}": Route(body=html(i)) for i in range(50)}
    routes["/robots.txt"] = Route(status=404, body=b"")
    with SiteServer(routes) as srv:
        run = crawl(srv.base_url + "/p0", args=["--max-pages", "5"],
                    settings={"ITEM_PIPELINES": {}, "CRAWLER_GUESS_SITEMAPS": False, "CRAWLER_FEEDS": False,
                              "CONCURRENT_REQUESTS_PER_DOMAIN": 1})
        n = len(srv.log)
    assert run.returncode == 0, run.stderr
    assert n <= 5 + 2  # Scrapy may finish requests already in flight


def test_seeds_file(tmp_path, crawl):
    routes = {"/robots.txt": Route(status=404, body=b""), "/a": Route(body=b"<html>a</html>"),
              "/b": Route(body=b"<html>b</html>")}
    with SiteServer(routes) as srv:
        base = srv.base_url
        seeds = tmp_path / "seeds.txt"
        seeds.write_text(f"# seeds\n{srv.base_url}/a\n\n{srv.base_url}/b\n")
        run = crawl(args=["--seeds-file", str(seeds)],
                    settings={"ITEM_PIPELINES": {}, "CRAWLER_GUESS_SITEMAPS": False, "CRAWLER_FEEDS": False})
        paths = srv.fetched_paths()
    assert run.returncode == 0, run.stderr
    assert "/a" in paths and "/b" in paths
    assert sorted(run.manifest["seeds"]) == [base + "/a", base + "/b"]


def test_works_as_a_scrapy_project(tmp_path):
    routes = {"/robots.txt": Route(status=404, body=b""), "/": Route(body=b"<html><body>hi</body></html>")}
    with SiteServer(routes) as srv:
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"seeds={srv.base_url}/",
             "-s", f"CRAWLER_STORE={tmp_path}", "-s", "CRAWLER_ALLOW_PRIVATE=1"],
            cwd=ROOT, capture_output=True, text=True, timeout=120)
        paths = srv.fetched_paths()
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "/" in paths
    assert list(tmp_path.glob("warc/*/*.warc.gz"))
    assert list(tmp_path.glob("manifests/*.json"))


def test_crawl_and_worker_options_give_the_same_settings():
    from crawler.cli import build_parser, crawl_overrides
    from crawler.cliargs import run_overrides

    common = ["--store", "/data/a", "--max-pages", "5", "--depth", "2", "--allow-private", "--no-robots",
              "--crawl-id", "20261126T151500Z-3fa9c1"]
    parser = build_parser()
    crawl = parser.parse_args(["crawl", "https://news.example/", *common, "--since", "2026-11-01",
                               "-s", "DOWNLOAD_DELAY=1"])
    worker = parser.parse_args(["worker", "--redis", "redis://127.0.0.1:1/0", *common])
    expected = {"CRAWLER_STORE": "/data/a", "CRAWLER_MAX_PAGES": 5, "CRAWLER_MAX_DEPTH": 2,
                "CRAWLER_ALLOW_PRIVATE": True, "ROBOTSTXT_OBEY": False,
                "CRAWLER_CRAWL_ID": "20261126T151500Z-3fa9c1"}
    assert run_overrides(worker) == expected
    assert crawl_overrides(crawl) == {**expected, "CRAWLER_SITEMAP_SINCE": "2026-11-01", "DOWNLOAD_DELAY": 1}
    assert run_overrides(parser.parse_args(["worker", "--redis", "redis://127.0.0.1:1/0"])) == {
        "CRAWLER_STORE": "./archive"}
