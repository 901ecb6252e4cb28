"""Page resources in a real crawl of the two-host fixture site (crawler.demo.requisites):
every resource of every page archived once, CDN included, hop code E, never an article,
counted apart; again across crawls as revisits after conditional requests; off with
CRAWLER_RESOURCES=false; limits, robots.txt and the SSRF guard apply."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.requisites import RequisiteSite
from crawler.runner import summarize
from tests.conftest import run_cli


def crawl(site: RequisiteSite, store: Path, *args: str, private: bool = True, **settings) -> dict:
    """A ``crawler crawl`` of the site (a process of its own: Twisted's reactor runs once)."""
    cli = ["crawl", site.base_url + "/", "--store", str(store), *args]
    if private:
        cli.append("--allow-private")
    for k, v in settings.items():
        cli += ["-s", f"{k}={json.dumps(v)}"]
    proc = run_cli(*cli)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(sorted((store / "manifests").glob("*.json"))[-1].read_text())


def log_lines(store: Path, manifest: dict) -> list[list[str]]:
    text = (store / "logs" / f"{manifest['crawl_id']}.crawl.log").read_text()
    return [line.split() for line in text.splitlines() if line.strip()]


def records(store: Path, manifest: dict) -> list:
    out = []
    for f in manifest["files"]:
        if f["kind"] == "warc":
            with open(store / f["key"], "rb") as fh:
                for rec in ArchiveIterator(fh):
                    if rec.rec_type in ("response", "revisit"):
                        out.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI"),
                                    rec.rec_headers.get_header("WARC-Profile")))
    return out


def articles(store: Path, manifest: dict) -> list[dict]:
    out = []
    for f in manifest["files"]:
        if f["kind"] == "articles":
            with gzip.open(store / f["key"], "rt") as fh:
                out += [json.loads(line) for line in fh]
    return out


def served(site: RequisiteSite) -> Counter:
    """Requests each server answered, by absolute URL without the query."""
    c = Counter()
    for srv in (site.site, site.cdn):
        for entry in srv.log:
            c[srv.url(entry.path.split("?", 1)[0])] += 1
    return c


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    store = tmp_path_factory.mktemp("resources") / "archive"
    with RequisiteSite() as site:
        manifest = crawl(site, store)
        hits = served(site)
        conditional = []
        site.site.log.clear()
        site.cdn.log.clear()
        second = crawl(site, store)
        for srv in (site.site, site.cdn):
            for entry in srv.log:
                names = {k.lower() for k, _ in entry.headers}
                if "if-none-match" in names or "if-modified-since" in names:
                    conditional.append(srv.url(entry.path))
        hits2 = served(site)
        expected = site.resource_urls
        pages = site.page_urls
        cdn = site.cdn_url
    return {"store": store, "manifest": manifest, "served": hits, "expected": expected, "pages": pages,
            "cdn": cdn, "second": second, "served2": hits2, "conditional": conditional}


def test_every_resource_of_every_page_fetched_once(first):
    hits = first["served"]
    missing = [u for u in first["expected"] if hits[u] == 0]
    assert not missing
    twice = {u: n for u, n in hits.items() if n > 1}
    assert not twice  # shared stylesheet, logo, scripts: once per crawl, not per page
    # the CDN (another host, outside the link scope) served its share, robots.txt first
    cdn_hits = [u for u in hits if u.startswith(first["cdn"])]
    assert first["cdn"] + "/robots.txt" in cdn_hits and len(cdn_hits) > 20


def test_resources_archived_with_hop_code_E_and_never_articles(first):
    store, manifest = first["store"], first["manifest"]
    lines = log_lines(store, manifest)
    by_url = {urlsplit(fields[3])._replace(query="").geturl(): fields for fields in lines}
    for url in first["expected"]:
        fields = by_url[url]
        assert fields[1] == "200" and fields[4].endswith("E"), fields
    # records: a response for each resource, robots.txt of the CDN too
    uris = {u.split("?", 1)[0] for kind, u, _ in records(store, manifest)}
    assert set(first["expected"]) <= uris
    arts = articles(store, manifest)
    assert {a["url"] for a in arts} == set(first["pages"][1:])  # the two articles, nothing else
    stats = manifest["stats"]
    assert stats["resources/responses"] == len(first["expected"])
    assert stats["resources/fetched"] == len(first["expected"])
    assert stats["resources/fetched/css"] == 4 and stats["resources/fetched/font"] == 1
    assert stats["resources/bytes"] > 100_000
    # the summary counts pages apart from their resources
    s = summarize(manifest)
    assert s["resources_fetched"] == len(first["expected"])
    assert s["pages_fetched"] == stats["response_received_count"] - len(first["expected"])


def test_second_crawl_conditional_requests_and_revisits(first):
    # the second crawl re-fetches the home page (a listing; the articles were just
    # archived and are not fetched again), so the home page's resources come again
    store, second = first["store"], first["second"]
    hits2 = first["served2"]
    again = [u for u in first["expected"] if hits2[u]]
    assert all(hits2[u] == 1 for u in again)
    assert any(u.endswith("/static/css/main.css") for u in again) and any("/img/logo.png" in u for u in again)
    conditional = {u.split("?", 1)[0] for u in first["conditional"]}
    images = [u for u in again if u.endswith(".png")]
    assert len(images) >= 5 and set(images) <= conditional  # validators from the dedup index
    assert not any(u.endswith(".css") for u in conditional)  # stylesheets re-read in full
    recs = records(store, second)
    profiles = {u.split("?", 1)[0]: p for kind, u, p in recs if kind == "revisit"}
    for url in images:
        assert profiles.get(url, "").endswith("server-not-modified"), url
    # an unchanged stylesheet (>= 256 bytes) is an identical-payload revisit
    main_css = next(u for u in again if u.endswith("/static/css/main.css"))
    assert profiles[main_css].endswith("identical-payload-digest")
    assert second["stats"]["resources/not_modified"] == len(images)


def test_no_resources(tmp_path):
    with RequisiteSite() as site:
        manifest = crawl(site, tmp_path / "a", "--no-resources")
        hits = served(site)
        pages = site.page_urls
    assert not [u for u in hits if u.endswith((".png", ".css", ".js", ".ttf", ".ico"))]
    assert not any(k.startswith("resources/") for k in manifest["stats"])
    assert {a["url"] for a in articles(tmp_path / "a", manifest)} == set(pages[1:])


def test_limits_robots_and_ssrf_guard_apply(tmp_path):
    with RequisiteSite() as site:
        site.cdn.routes["/robots.txt"].body = b"User-agent: *\nDisallow: /img/og-\n"
        site.site.routes["/robots.txt"].body = b"User-agent: *\nDisallow: /static/img/crane\n"
        manifest = crawl(site, tmp_path / "a", CRAWLER_RESOURCES_MAX_PER_PAGE=12,
                         CRAWLER_RESOURCES_MAX_SIZE=3000)
        hits = served(site)
        cdn = site.cdn_url
    stats = manifest["stats"]
    assert stats["resources/skipped/per_page_limit"] > 0
    assert stats["resources/skipped/robots"] >= 1
    assert stats["resources/skipped/too_large"] >= 1
    assert not [u for u in hits if "/img/og-" in u or "crane" in u]
    # without --allow-private the SSRF guard refuses the CDN (127.0.0.2) like any target
    with RequisiteSite() as site:
        manifest = crawl(site, tmp_path / "b", private=False, CRAWLER_ALLOWED_NETWORKS=["127.0.0.1/32"])
        cdn_hits = list(site.cdn.log)
    assert not cdn_hits
    assert manifest["stats"]["resources/skipped/ssrf_guard"] >= 1
    assert cdn  # (the first site's CDN was served the allowed resources)


def test_job_file_and_cli_switches(tmp_path):
    from crawler.cli import build_parser, crawl_overrides
    from crawler.schedule.jobs import JobError, load_job

    job = tmp_path / "j.toml"
    job.write_text('seeds = ["https://news.test/"]\n[resources]\nenabled = false\nmax_per_page = 50\n'
                   'max_size = 1000000\n')
    over = load_job(str(job)).to_overrides()
    assert over["CRAWLER_RESOURCES"] is False and over["CRAWLER_RESOURCES_MAX_PER_PAGE"] == 50
    assert over["CRAWLER_RESOURCES_MAX_SIZE"] == 1000000
    job.write_text('seeds = ["https://news.test/"]\n[resources]\nmax_per_pag = 5\n')
    with pytest.raises(JobError, match="max_per_pag"):
        load_job(str(job))
    args = build_parser().parse_args(["crawl", "https://news.test/", "--no-resources"])
    assert crawl_overrides(args)["CRAWLER_RESOURCES"] is False
    args = build_parser().parse_args(["crawl", "https://news.test/"])
    assert "CRAWLER_RESOURCES" not in crawl_overrides(args)
    for argv in (["run", "j", "--no-resources"], ["worker", "--redis", "redis://127.0.0.1:1/0", "--no-resources"]):
        assert build_parser().parse_args(argv).no_resources
