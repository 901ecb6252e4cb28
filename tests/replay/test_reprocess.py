"""Offline re-extraction (``crawler reprocess``): from the WARCs alone, with every
socket connection refused, the pages handed to extraction during the crawl are
rebuilt exactly and the crawl's JSON records are reproduced byte for byte.

The demo crawl here runs with the default settings plus one observer pipeline
(:class:`PageRecorder`, before extraction) that pickles every ``FetchedPage`` the
spider yielded, so the reconstruction is compared object for object.
"""

from __future__ import annotations

import gzip
import json
import pickle
import socket
import zlib
from pathlib import Path
from typing import Any

import pytest

from crawler.demo.server import Route, SiteServer
from crawler.demo.site import build_site
from crawler.record import FetchedPage
from crawler.storage import open_store
from tests.conftest import assert_verified, run_cli
from tests.replay.helpers import warc_records

PAGE_LOG_SETTING = "TEST_FETCHED_PAGE_LOG"


class PageRecorder:
    """Item pipeline (test only): appends each FetchedPage, pickled, to a file."""

    def __init__(self, path: str):
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Any) -> "PageRecorder":
        return cls(crawler.settings.get(PAGE_LOG_SETTING))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, FetchedPage):
            with open(self.path, "ab") as fh:
                pickle.dump(item, fh)
        return item


def _words(prefix: str, n: int) -> str:
    return " ".join(f"{prefix}{i}" for i in range(n))


_LATIN1 = ("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"iso-8859-1\">"
           "<title>Les élèves du lycée</title></head><body><article><h1>Les élèves du lycée</h1>"
           + "".join(f"<p>Paragraphe {i}: les élèves, très motivés, préparent la fête de "
                     f"l'été avec les professeurs et les parents du quartier. {_words('mot', 12)}</p>"
                     for i in range(8))
           + "</article></body></html>").encode("latin-1")
_DEFLATE = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Deflated report</title>"
            "</head><body><article><h1>Deflated report</h1>"
            + "".join(f"<p>Section {i} of the deflated report explains how the council spent the "
                      f"budget on roads, parks and schools this year. {_words('item', 10)}</p>"
                      for i in range(8))
            + "</article></body></html>").encode("utf-8")

_BROTLI = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Harbour news</title>"
           "</head><body><article><h1>Harbour news</h1>"
           + "".join(f"<p>Week {i}: ferries ran late while the harbour crane was repaired; fishermen "
                     f"sold {i * 7} crates at the morning market. {_words('catch', 10 + i)}</p>"
                     for i in range(8))
           + "</article></body></html>").encode("utf-8")


def _plain(title: str, prefix: str, words: int) -> bytes:
    """A page whose text no other page shares (no near duplicates whose first copy
    would depend on fetch timing)."""
    paras = "".join(f"<p>{_words(prefix + str(n) + 'w', 60)}</p>" for n in range(words // 60))
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head>"
            f"<body><h1>{title}</h1>{paras}</body></html>").encode()


#: Transfer and content codings beyond the demo site: gzip with and without chunked
#: framing, chunked only, deflate (raw header), brotli + chunked, Latin-1 without a
#: charset in the Content-Type header.
_ENC_PAGES = ["gz-chunked.html", "gz.html", "chunked.html", "deflate.html", "br.html", "latin1.html"]
ENC_ROUTES = {
    "/enc/": Route(body=("<!DOCTYPE html><html><head><title>enc</title></head><body>"
                         + "".join(f'<a href="/enc/{p}">{p}</a> ' for p in _ENC_PAGES)
                         + "</body></html>").encode()),
    "/enc/gz-chunked.html": Route(body=_plain("gzip and chunked", "gc", 1200), encoding="gzip", chunked=True),
    "/enc/gz.html": Route(body=_plain("gzip only", "gz", 900), encoding="gzip"),
    "/enc/chunked.html": Route(body=_plain("chunked only", "ch", 900), chunked=True),
    "/enc/deflate.html": Route(body=zlib.compress(_DEFLATE), headers=[("Content-Encoding", "deflate")]),
    "/enc/latin1.html": Route(body=_LATIN1, content_type="text/html"),
    "/enc/br.html": Route(body=_BROTLI, encoding="br", chunked=True),
}

_SHARED: dict[str, Any] = {}


def shared_demo_crawl(tmp_path_factory) -> dict[str, Any]:
    """One full-pipeline crawl of the demo site (+ extra encodings) per test session,
    shared by the replay tests that only read it.  The site server is stopped when
    this returns."""
    if "crawl" in _SHARED:
        return _SHARED["crawl"]
    root = tmp_path_factory.mktemp("demo-archive")
    store = root / "store"
    page_log = root / "pages.pickle"
    pipelines = {"tests.replay.test_reprocess.PageRecorder": 50,
                 "crawler.pipelines.ExtractionPipeline": 100,
                 "crawler.pipelines.ArticleStorePipeline": 900}
    with SiteServer({}) as srv:
        srv.routes.update(build_site(srv.base_url))
        srv.routes.update(ENC_ROUTES)
        base = srv.base_url
        proc = run_cli("crawl", base + "/", base + "/enc/", "--store", str(store),
                       "--allow-private", "-s", f"ITEM_PIPELINES={json.dumps(pipelines)}",
                       "-s", f"{PAGE_LOG_SETTING}={page_log}", timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    manifests = [json.loads(p.read_text()) for p in sorted((store / "manifests").glob("*.json"))]
    assert len(manifests) == 1
    pages = []
    with open(page_log, "rb") as fh:
        while True:
            try:
                pages.append(pickle.load(fh))
            except EOFError:
                break
    _SHARED["crawl"] = {"store": store, "base": base, "crawl_id": manifests[0]["crawl_id"],
                        "manifest": manifests[0], "pages": pages}
    return _SHARED["crawl"]


def article_lines(store: Path, run_id: str) -> list[str]:
    """Every JSON line of a run's parts (as stored), sorted by record id."""
    lines = []
    for part in sorted(store.glob(f"articles/date=*/site=*/part-{run_id}-*.jsonl.gz")):
        with gzip.open(part, "rt", encoding="utf-8") as fh:
            lines += [line for line in fh if line.strip()]
    return sorted(lines, key=lambda line: json.loads(line)["id"])


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return shared_demo_crawl(tmp_path_factory)


@pytest.fixture
def no_network(monkeypatch):
    """Every socket connection attempt in this process fails (and is recorded)."""
    attempts: list[Any] = []

    def deny(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError(f"network disabled in this test (connect to {address!r})")

    monkeypatch.setattr(socket.socket, "connect", deny)
    monkeypatch.setattr(socket.socket, "connect_ex", deny)
    return attempts


def test_pages_rebuilt_exactly(demo, no_network):
    from crawler.replay.reprocess import PageStats, iter_pages

    crawled = demo["pages"]
    assert len(crawled) > 40
    # what was on the wire for those pages: content codings and chunked framing
    recs = {r.url: r for w in sorted(demo["store"].glob("warc/*/*.warc.gz")) for r in warc_records(w)
            if r.type == "response"}
    wire = {(recs[p.url].header("Content-Encoding"), recs[p.url].chunked) for p in crawled}
    assert {("gzip", True), ("gzip", False), ("deflate", False), ("br", True), (None, True)} <= wire, wire
    # Scrapy's view: coding removed, connection-control headers dropped
    assert not any("content-encoding" in p.headers or "transfer-encoding" in p.headers for p in crawled)
    stats = PageStats()
    rebuilt = list(iter_pages(open_store(demo["store"]), demo["crawl_id"], stats=stats))
    by_url = {p.url: p for p in rebuilt}
    assert len(by_url) == len(rebuilt)
    for page in crawled:
        assert page.url in by_url, f"not rebuilt: {page.url}"
        other = by_url[page.url]
        for name in ("status", "headers", "body", "encoding", "hints", "fetched_at", "crawl_id", "warc"):
            assert getattr(other, name) == getattr(page, name), (page.url, name)
        assert other == page
    assert len(rebuilt) == len(crawled), sorted(set(by_url) - {p.url for p in crawled})
    latin1 = next(p for p in rebuilt if p.url.endswith("/enc/latin1.html"))
    assert latin1.encoding == "cp1252" and "élèves".encode("latin-1") in latin1.body
    assert stats.skipped["status"] >= 1  # the 404 / 301 exchanges
    assert not no_network


def test_reprocess_reproduces_the_crawl_json(demo, no_network, capsys):
    from crawler.replay.cli import cmd_reprocess, register
    import argparse

    store, crawl_id = demo["store"], demo["crawl_id"]
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["reprocess", "--store", str(store), "--crawl", crawl_id, "--workers", "1",
                              "--json"])
    assert cmd_reprocess(args) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert not no_network, no_network

    run_id = manifest["crawl_id"]
    assert run_id != crawl_id
    assert manifest["kind"] == "reprocess"
    assert manifest["source_crawl_ids"] == [crawl_id]
    from crawler.extract import EXTRACTOR_VERSION

    assert manifest["extractor_version"] == EXTRACTOR_VERSION
    original = article_lines(store, crawl_id)
    again = article_lines(store, run_id)
    assert len(original) >= 15
    assert again == original  # byte-identical JSON lines
    assert any(json.loads(line)["duplicate_of"] for line in original)
    stats = manifest["stats"]
    assert stats["records_written"] == len(original)
    assert (stats["unchanged"], stats["changed"], stats["new"], stats["missing"]) == (len(original), 0, 0, 0)
    # the stored manifest lists the new parts; the crawl's own files are untouched
    stored = json.loads((store / "manifests" / f"{run_id}.json").read_text())
    assert stored["files"] and all(f"part-{run_id}-" in f["key"] for f in stored["files"])
    assert sum(f["records"] for f in stored["files"]) == len(original)
    # the crawl (chunked, gzip, deflate, br captures, revisits) and the reprocess run audit clean
    assert assert_verified(store, crawl_id=run_id).counts["json/pointers"] == len(original)
    assert_verified(store)


def test_new_extractor_version_is_recorded(demo, no_network, monkeypatch):
    """Simulated extractor upgrade (inline extraction so the patched constant applies)."""
    from crawler.extract import extractor
    from crawler.replay.reprocess import reprocess

    monkeypatch.setattr(extractor, "EXTRACTOR_VERSION", "99.0.0-test")
    store, crawl_id = demo["store"], demo["crawl_id"]
    manifest = reprocess(open_store(store), crawl_id=crawl_id, workers=0)
    assert manifest["extractor_version"] == "99.0.0-test"
    original = [json.loads(line) for line in article_lines(store, crawl_id)]
    again = [json.loads(line) for line in article_lines(store, manifest["crawl_id"])]
    assert {r["extractor_version"] for r in again} == {"99.0.0-test"}
    assert len(again) == len(original)
    strip = lambda r: {k: v for k, v in r.items() if k != "extractor_version"}  # noqa: E731
    assert [strip(r) for r in again] == [strip(r) for r in original]
    assert manifest["stats"]["changed"] == len(original)
    # readers now give each record once, in the re-extracted version
    from crawler.reader import read_articles

    latest = [r for r in read_articles(store) if r["crawl_id"] == crawl_id]
    assert sorted(r["id"] for r in latest) == sorted(r["id"] for r in original)
    assert {r["extractor_version"] for r in latest} == {"99.0.0-test"}
    every = [r for r in read_articles(store, versions="all") if r["crawl_id"] == crawl_id]
    assert len(every) > len(latest)
    assert not no_network


def test_since_filters_captures(demo, no_network):
    from crawler.replay.reprocess import reprocess

    manifest = reprocess(open_store(demo["store"]), since="2999-01-01", workers=0, compare=False)
    assert manifest["stats"]["records_written"] == 0
    assert manifest["source_crawl_ids"] == []


def test_cli_help_has_examples(capsys):
    from crawler.replay.cli import main

    for command in ("reprocess", "recrawl-offline"):
        with pytest.raises(SystemExit) as exc:
            main([command, "--help"])
        assert exc.value.code == 0
        out = capsys.readouterr().out
        assert "examples:" in out and f"crawler {command} " in out


def test_a_failed_reprocess_leaves_a_failed_manifest(demo, no_network, monkeypatch, tmp_path):
    """A reprocess that fails midway has handed some parts to the store already: a manifest
    with status "failed" says what they are, so readers rank them as that run's versions."""
    import shutil

    from crawler.reader import read_articles
    from crawler.replay import reprocess as rp
    from crawler.storage.articles import ArticleSink

    store = tmp_path / "copy"
    shutil.copytree(demo["store"], store)
    real_init = ArticleSink.__init__
    monkeypatch.setattr(ArticleSink, "__init__", lambda self, ctx, **kw: real_init(self, ctx, max_records=2))
    real_results = rp._ordered_results

    def failing(*args, **kwargs):
        for n, item in enumerate(real_results(*args, **kwargs)):
            if n == 40:
                raise RuntimeError("disk on fire")
            yield item

    monkeypatch.setattr(rp, "_ordered_results", failing)
    before = {p.name for p in (store / "manifests").glob("*.json")}
    with pytest.raises(RuntimeError, match="disk on fire"):
        rp.reprocess(open_store(store), crawl_id=demo["crawl_id"], workers=0)
    (new,) = {p.name for p in (store / "manifests").glob("*.json")} - before
    m = json.loads((store / "manifests" / new).read_text())
    assert (m["kind"], m["status"], m["source_crawl_ids"]) == ("reprocess", "failed", [demo["crawl_id"]])
    assert m["files"] and all((store / f["key"]).exists() for f in m["files"])
    ids = [r["id"] for r in read_articles(store)]
    assert len(ids) == len(set(ids))
    assert not list((store / ".spool").glob(f"{m['crawl_id']}*"))
    assert not no_network
    assert_verified(store)  # the failed run's parts are all listed by its manifest
