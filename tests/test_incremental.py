"""Incremental recrawls: run 2 sends conditional requests, archives 304s as revisits,
writes only the new and the changed article; exact-payload duplicates become revisits;
an unchanged site produces no new article records."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import Route, SiteServer
from tests.conftest import run_cli

WORDS = ("council river bridge library school market festival harbour budget weather train "
         "museum garden bakery choir election").split()


def article(title: str, seed: int, extra: str = "") -> bytes:
    paras = []
    for p in range(6):
        words = [WORDS[(seed * 7 + p * 3 + i) % len(WORDS)] for i in range(40)]
        paras.append(f"<p>{title} paragraph {p}: " + " ".join(words) + f". {extra}</p>")
    return f"""<html lang="en"><head><title>{title}</title>
<meta property="og:type" content="article"><meta name="author" content="Ann Writer">
<meta property="article:published_time" content="2026-11-20T08:00:00Z"></head>
<body><article><h1>{title}</h1>{''.join(paras)}</article></body></html>""".encode()


def home(paths):
    links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in paths)
    return f"<html><head><title>Home</title></head><body><ul>{links}</ul></body></html>".encode()


def routes(paths, bodies):
    r = {"/robots.txt": Route(status=404, body=b""), "/": Route(body=home(paths))}
    for p in paths:
        body = bodies[p]
        r[p] = Route(body=body, etag='"%s"' % abs(hash(body)), last_modified="Fri, 20 Nov 2026 08:00:00 GMT")
    return r


def crawl(srv, store, *extra):
    # CRAWLER_RECRAWL_MIN_AGE=0: the runs follow each other within seconds here
    proc = run_cli("crawl", srv.base_url + "/", "--store", str(store), "--allow-private",
                   "-s", "CRAWLER_GUESS_SITEMAPS=false", "-s", "CRAWLER_FEEDS=false",
                   "-s", "CRAWLER_RECRAWL_MIN_AGE=0", *extra)
    assert proc.returncode == 0, proc.stderr[-3000:]
    manifest = max((store / "manifests").glob("*.json"), key=lambda p: p.stat().st_mtime)
    return json.loads(manifest.read_text())


def articles_of(store, manifest):
    out = []
    for f in manifest["files"]:
        if f["kind"] == "articles":
            with gzip.open(store / f["key"], "rt") as fh:
                out += [json.loads(line) for line in fh]
    return out


def records_of(store, manifest):
    out = []
    for f in manifest["files"]:
        if f["kind"] == "warc":
            with open(store / f["key"], "rb") as fh:
                out += [(r.rec_headers, r.http_headers) for r in ArchiveIterator(fh)]
    return out


def test_conditional_recrawl(tmp_path):
    store = tmp_path / "store"
    paths = ["/news/2026/11/20/river-bridge-reopens.html", "/news/2026/11/20/library-hours-change.html",
             "/news/2026/11/21/market-moves-to-harbour.html"]
    bodies = {p: article(f"Story {i}", i) for i, p in enumerate(paths)}
    with SiteServer(routes(paths, bodies)) as srv:
        base = srv.base_url
        m1 = crawl(srv, store)
        assert sorted(a["url"] for a in articles_of(store, m1)) == sorted(base + p for p in paths)

        # the site changes: one article is updated, one is added
        new = "/news/2026/11/22/choir-wins-regional-prize.html"
        bodies[paths[1]] = article("Story 1", 1, extra="Updated: the library will also open on Sundays.")
        bodies[new] = article("Story new", 9)
        srv.routes.clear()
        srv.routes.update(routes(paths + [new], bodies))
        srv.clear_log()
        m2 = crawl(srv, store)
        log2 = list(srv.log)

        written = sorted(a["url"] for a in articles_of(store, m2))
        assert written == sorted([base + paths[1], base + new])
        for p in (paths[0], paths[2]):
            req = [e for e in log2 if e.path == p]
            assert len(req) == 1 and req[0].header("If-None-Match") and req[0].status == 304
        assert [e for e in log2 if e.path == new][0].header("If-None-Match") is None
        recs = records_of(store, m2)
        revisits = [h for h, _ in recs if h.get_header("WARC-Type") == "revisit"]
        assert len(revisits) == 2
        for h in revisits:
            assert h.get_header("WARC-Profile").endswith("/revisit/server-not-modified")
            assert h.get_header("WARC-Refers-To-Target-URI") == h.get_header("WARC-Target-URI")
            assert h.get_header("WARC-Refers-To").startswith("<urn:uuid:")
        assert m2["stats"]["dedup/revisits/not-modified"] == 2

        # recrawl window off: archived articles are not requested at all
        srv.clear_log()
        m3 = crawl(srv, store, "-s", "CRAWLER_RECRAWL_YOUNGER_THAN=0")
        fetched = [e.path for e in srv.log]
        assert not any(p in fetched for p in paths + [new])
        assert articles_of(store, m3) == []
        assert m3["stats"]["incremental/skipped_archived"] == 4

    warcs = [str(p) for p in store.glob("warc/*/*.warc.gz")]
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *warcs], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


def test_identical_payload_becomes_revisit(tmp_path):
    body = article("Same story", 3)
    paths = ["/news/2026/11/20/same-story-one.html", "/news/2026/11/20/same-story-two.html"]
    r = {"/robots.txt": Route(status=404, body=b""), "/": Route(body=home(paths))}
    for p in paths:
        r[p] = Route(body=body)
    with SiteServer(r) as srv:
        m = crawl(srv, tmp_path / "s", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    recs = records_of(tmp_path / "s", m)
    revisits = [h for h, _ in recs if h.get_header("WARC-Type") == "revisit"]
    assert len(revisits) == 1
    h = revisits[0]
    assert h.get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
    assert h.get_header("WARC-Refers-To-Target-URI") != h.get_header("WARC-Target-URI")
    responses = {rh.get_header("WARC-Target-URI"): rh for rh, _ in recs if rh.get_header("WARC-Type") == "response"}
    original = responses[h.get_header("WARC-Refers-To-Target-URI")]
    assert original.get_header("WARC-Payload-Digest") == h.get_header("WARC-Payload-Digest")
    assert original.get_header("WARC-Record-ID") == h.get_header("WARC-Refers-To")
    # one unique article: the copy is archived as a revisit and its record is marked duplicate_of
    records = articles_of(tmp_path / "s", m)
    assert len(records) == 2
    assert sorted(bool(r["duplicate_of"]) for r in records) == [False, True]
    assert {r["duplicate_of"] for r in records} - {None} == {r["id"] for r in records if not r["duplicate_of"]}
    # offline re-extraction rebuilds the copy from the revisit head + the original payload
    from crawler.replay.reprocess import reprocess
    from crawler.storage import open_store

    st = open_store(tmp_path / "s")
    again = articles_of(tmp_path / "s", reprocess(st, workers=0))
    assert sorted(again, key=lambda r: r["id"]) == sorted(records, key=lambda r: r["id"])


def test_revisit_block_is_the_captured_header_block(tmp_path):
    """The revisit record's block is the response's status line and headers, byte for byte."""
    from fastwarc.warc import ArchiveIterator as FastIterator

    body = article("Copy", 5)
    paths = ["/news/2026/11/20/copy-one.html", "/news/2026/11/20/copy-two.html"]
    r = {"/robots.txt": Route(status=404, body=b""), "/": Route(body=home(paths))}
    for p in paths:
        r[p] = Route(body=body)
    with SiteServer(r) as srv:
        m = crawl(srv, tmp_path / "s", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
        sent = {e.path: e.raw_response for e in srv.log}
    warcs = [tmp_path / "s" / f["key"] for f in m["files"] if f["kind"] == "warc"]
    found = 0
    for w in warcs:
        with open(w, "rb") as fh:
            for rec in FastIterator(fh, parse_http=False):
                assert rec.verify_block_digest()
                if rec.headers["WARC-Type"] == "revisit":
                    block = rec.reader.read()
                    path = "/" + rec.headers["WARC-Target-URI"].split("/", 3)[3]
                    head = sent[path].split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
                    assert block == head
                    assert int(rec.headers["Content-Length"]) == len(head)
                    found += 1
    assert found == 1
