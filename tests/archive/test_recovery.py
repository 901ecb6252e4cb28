"""Crash safety: a SIGKILLed crawl leaves only repairable spool files; the next run
keeps every complete record, drops cut tails and publishes valid files."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.archive.recovery import complete_warc_prefix, repair_jsonl_gz, repair_warc
from crawler.demo.server import Route, SiteServer
from tests.conftest import ROOT, assert_verified, run_cli


VOCAB = ("river bridge council market school library harbour festival budget train museum garden "
         "bakery choir election weather museum mayor clinic stadium orchard ferry").split()


def _story_text(i: int) -> str:
    import random

    rnd = random.Random(i)
    return " ".join(rnd.choice(VOCAB) for _ in range(220))


def _slow_site(n=60, delay=0.15):
    def html(i):
        links = "".join(f'<a href="/story-{j}-about-town-news.html">s{j}</a>' for j in range(n))
        return (f'<html lang="en"><head><title>Story {i}</title><meta property="og:type" content="article">'
                f"</head><body><article><h1>Story {i}</h1><p>{_story_text(i)}.</p></article>"
                f"<nav>{links}</nav></body></html>").encode()

    routes = {f"/story-{i}-about-town-news.html": Route(body=html(i), delay=delay) for i in range(n)}
    routes["/"] = Route(body=html(-1))
    routes["/robots.txt"] = Route(status=404, body=b"")
    return routes


def _count_records(path: Path, rec_type: str | None = None) -> int:
    with open(path, "rb") as fh:
        return sum(1 for r in ArchiveIterator(fh) if rec_type is None or r.rec_type == rec_type)


def test_repair_cut_warc_at_every_offset(tmp_path):
    with SiteServer(_slow_site(5, 0)) as srv:
        proc = run_cli("crawl", srv.base_url + "/", "--store", str(tmp_path / "s"), "--allow-private",
                       "-s", "ITEM_PIPELINES={}")
    assert proc.returncode == 0, proc.stderr
    warc = next((tmp_path / "s").glob("warc/*/*.warc.gz"))
    data = warc.read_bytes()
    full = _count_records(warc)
    assert complete_warc_prefix(warc) == (len(data), full)
    for cut in range(100, len(data), max(1, len(data) // 40)):
        part = tmp_path / "cut.warc.gz"
        part.write_bytes(data[:cut])
        kept = repair_warc(part)
        assert 0 <= kept < full
        assert _count_records(part) == kept  # readable to the end, no error
        assert part.read_bytes() == data[: part.stat().st_size]


def test_recovery_indexes_spooled_warcs_and_keeps_an_index_whose_warc_was_stored(tmp_path):
    """A run can die between storing a WARC and storing its (complete) index, or with a WARC
    still open: recovery indexes what is in the spool, publishes the orphan index of the
    stored WARC, and drops half-written temporary files."""
    from crawler.archive.cdxj import index_warc, write_cdxj
    from crawler.archive.recovery import recover_spool
    from crawler.context import note_stored
    from crawler.storage import layout
    from crawler.storage.base import LocalStore

    with SiteServer(_slow_site(4, 0)) as srv:
        proc = run_cli("crawl", srv.base_url + "/", "--store", str(tmp_path / "src"), "--allow-private",
                       "-s", "ITEM_PIPELINES={}")
    assert proc.returncode == 0, proc.stderr
    warc = next((tmp_path / "src").glob("warc/*/*.warc.gz"))
    store = LocalStore(tmp_path / "store")
    crawl_id = "20261126T100000Z-abcdef"
    spool = store.spool_dir(crawl_id)
    spool.mkdir(parents=True, exist_ok=True)
    # 1: stored WARC (noted in the spool's list of stored files, as RunContext.store_file
    # does), its complete index still in the spool
    stored_name, open_name = "news-1-00001.warc.gz", "news-1-00002.warc.gz"
    (tmp_path / stored_name).write_bytes(warc.read_bytes())
    note_stored(spool, {"kind": "warc", **store.put_file(tmp_path / stored_name,
                                                         layout.warc_key(crawl_id, stored_name)).to_dict()})
    write_cdxj(store.local_path(layout.warc_key(crawl_id, stored_name)), spool / (stored_name + ".cdxj"))
    # 2: a WARC still open (cut), with a half-written index beside it
    data = warc.read_bytes()
    (spool / (open_name + ".open")).write_bytes(data[: len(data) - 100])
    (spool / (open_name + ".cdxj.123.tmp")).write_text("half")
    # 3: a WARC closed and stored, whose local copy was not removed yet (crash in between, so
    # not noted as stored either)
    both_name = "news-1-00003.warc.gz"
    (spool / both_name).write_bytes(data)
    (tmp_path / both_name).write_bytes(data)
    store.put_file(tmp_path / both_name, layout.warc_key(crawl_id, both_name))

    assert recover_spool(store) == [crawl_id]
    manifest = json.loads((tmp_path / "store" / layout.manifest_key(crawl_id)).read_text())
    kinds = sorted((f["kind"], f["key"].rsplit("/", 1)[1]) for f in manifest["files"])
    assert kinds == [("cdxj", stored_name + ".cdxj"), ("cdxj", open_name + ".cdxj"), ("cdxj", both_name + ".cdxj"),
                     ("warc", stored_name), ("warc", open_name), ("warc", both_name)]
    assert (tmp_path / "store" / layout.warc_key(crawl_id, both_name)).read_bytes() == data
    for name in (stored_name, open_name, both_name):
        idx = (tmp_path / "store" / layout.index_key(crawl_id, name)).read_text().splitlines(keepends=True)
        assert idx and idx == index_warc(store.local_path(layout.warc_key(crawl_id, name)))
    assert not spool.exists()  # nothing left behind
    assert_verified(store)  # every file listed, with its size and SHA-256


def test_repair_cut_jsonl(tmp_path):
    src = tmp_path / "a.jsonl.gz"
    with gzip.open(src, "wb") as fh:
        for i in range(500):
            fh.write(json.dumps({"i": i, "text": "x" * 100}).encode() + b"\n")
    data = src.read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    kept = repair_jsonl_gz(cut, tmp_path / "fixed.jsonl.gz")
    lines = gzip.open(tmp_path / "fixed.jsonl.gz").read().splitlines()
    assert 0 < kept == len(lines) < 500
    assert [json.loads(x)["i"] for x in lines] == list(range(kept))


def test_sigkill_then_next_run_recovers(tmp_path):
    store = tmp_path / "store"
    with SiteServer(_slow_site()) as srv:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "crawl", srv.base_url + "/", "--store", str(store),
             "--allow-private", "-s", "AUTOTHROTTLE_ENABLED=false"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline and len(srv.log) < 15:
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_id = next((store / ".spool").iterdir()).name
        assert list((store / ".spool" / killed_id).glob("*.warc.gz.open"))
        assert not (store / "manifests" / f"{killed_id}.json").exists()

        before = len(srv.log)
        second = run_cli("crawl", srv.base_url + "/", "--store", str(store), "--allow-private")
        refetched = [e.path for e in srv.log[before:]]
    assert second.returncode == 0, second.stderr[-2000:]
    recovered = json.loads((store / "manifests" / f"{killed_id}.json").read_text())
    assert recovered["status"] == "recovered"
    warcs = [store / f["key"] for f in recovered["files"] if f["kind"] == "warc"]
    assert warcs and all(_count_records(w) >= 1 for w in warcs)
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, warcs)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    assert not list(store.rglob("*.open"))
    # both runs are published; the second finished normally
    statuses = sorted(json.loads(p.read_text())["status"] for p in (store / "manifests").glob("*.json"))
    assert statuses == ["finished", "recovered"]

    # no article lost, none twice: every story has exactly one record across both runs,
    # and stories the killed run had finished (JSON written) were not fetched again
    def records(crawl_id):
        out = []
        for part in store.glob(f"articles/*/*/part-{crawl_id}-*.jsonl.gz"):
            with gzip.open(part, "rt") as fh:
                out += [json.loads(line) for line in fh]
        return out

    first = records(killed_id)
    second_id = next(json.loads(p.read_text())["crawl_id"] for p in (store / "manifests").glob("*.json")
                     if json.loads(p.read_text())["status"] == "finished")
    both = first + records(second_id)
    stories = [r["url"] for r in both if "/story-" in r["url"]]
    assert len(stories) == len(set(stories)) == 60
    finished_paths = {"/" + r["url"].split("/", 3)[3] for r in first}
    # (the seed "/" is fetched by every run: the frontier is rediscovered from it)
    assert not (finished_paths - {"/"}) & set(refetched)
    # the recovered WARCs are indexed like a finished run's (replay, crawler show), and the
    # crawl log keeps the lines of every fetch the killed run had archived
    from crawler.archive.cdxj import index_warc
    from crawler.storage import layout

    indexes = [f for f in recovered["files"] if f["kind"] == "cdxj"]
    assert sorted(f["key"] for f in indexes) == sorted(layout.index_key(killed_id, w.name) for w in warcs)
    for w in warcs:
        stored = (store / layout.index_key(killed_id, w.name)).read_text().splitlines(keepends=True)
        assert stored == index_warc(w) and stored
    log = (store / layout.crawl_log_key(killed_id)).read_text().splitlines()
    responses = sum(_count_records(w, "response") for w in warcs)
    # (a kill between a record and its log line can cost that one line)
    assert responses > 0 and len(log) >= responses - 1
