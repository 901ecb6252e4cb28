"""The DedupIndex contract, run on both backends (SQLite file, real redis-server)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from crawler.dedup import near
from crawler.dedup.index import (
    DedupIndex,
    PayloadRef,
    RedisDedupIndex,
    SQLiteDedupIndex,
    UrlState,
    open_dedup_index,
)

from test_dedup_near import BRIDGE, BRIDGE_OTHER_OUTLET, UNRELATED, _wire_copy

ROOT = Path(__file__).resolve().parents[2]
DIGEST = "sha1:2Y5ZDMWJCVLQGBCEYQCT6ONJC7VLLM7F"
REF = PayloadRef(uri="https://news.example/a", date="2024-05-01T10:00:00.000000Z",
                 record_id="<urn:uuid:11111111-1111-1111-1111-111111111111>",
                 filename="news-1.warc.gz", offset=1234, length=5678)


# -- payloads ---------------------------------------------------------------------------
def test_payload_first_writer_wins(index: DedupIndex):
    assert index.lookup_payload(DIGEST) is None
    assert index.add_payload(DIGEST, REF) is True
    other = PayloadRef(uri="https://mirror.example/a", date="2024-05-02T00:00:00Z",
                       record_id="<urn:uuid:2>")
    assert index.add_payload(DIGEST, other) is False
    assert index.lookup_payload(DIGEST) == REF
    assert index.claim_payload(DIGEST, other) == REF
    minimal = PayloadRef(uri="u", date="d", record_id="r")
    assert index.claim_payload("sha1:OTHER", minimal) is None
    assert index.lookup_payload("sha1:OTHER") == minimal
    assert index.counts()["payloads"] == 2


def test_replace_payload_is_compare_and_set(index: DedupIndex):
    """An original whose capture the store lost is replaced -- only if it is still the one
    the caller saw (another worker may have replaced it first)."""
    assert index.add_payload(DIGEST, REF) is True
    new = PayloadRef(uri="https://news.example/a", date="2024-06-01T00:00:00.000000Z",
                     record_id="<urn:uuid:3>", filename="news-2.warc.gz", offset=0, length=9,
                     crawl_id="20240601T000000Z-abcdef")
    assert index.replace_payload(DIGEST, "<urn:uuid:not-the-stored-one>", new) is False
    assert index.lookup_payload(DIGEST) == REF
    assert index.replace_payload(DIGEST, REF.record_id, new) is True
    assert index.lookup_payload(DIGEST) == new  # crawl_id kept
    assert index.replace_payload("sha1:ABSENT", REF.record_id, new) is False
    assert index.lookup_payload("sha1:ABSENT") is None


def test_sqlite_index_of_an_older_version_is_migrated(tmp_path: Path):
    """Snapshots written before payloads recorded their run open and keep their entries."""
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE payload (digest TEXT PRIMARY KEY, uri TEXT NOT NULL, date TEXT NOT NULL,
            record_id TEXT NOT NULL, filename TEXT, "offset" INTEGER, length INTEGER) WITHOUT ROWID;
        INSERT INTO payload VALUES ('sha1:OLD', 'u', 'd', 'r', 'f.warc.gz', 1, 2);""")
    db.close()
    with SQLiteDedupIndex(path) as index:
        assert index.lookup_payload("sha1:OLD") == PayloadRef("u", "d", "r", "f.warc.gz", 1, 2)
        index.add_payload(DIGEST, REF)
        assert index.lookup_payload(DIGEST) == REF


def test_merge_index_files(tmp_path: Path):
    """What concurrent writers of one store do before they replace its snapshot."""
    from crawler.dedup.merge import merge_index_file

    dst, src = tmp_path / "dst.sqlite3", tmp_path / "src.sqlite3"
    sig_a = near.signature(BRIDGE)
    with SQLiteDedupIndex(dst) as a, SQLiteDedupIndex(src) as b:
        a.add_payload(DIGEST, REF)
        b.add_payload(DIGEST, PayloadRef("x", "y", "<other>"))  # first writer (dst) keeps it
        b.add_payload("sha1:B", PayloadRef("b", "d", "<b>", "b.warc.gz", 0, 1, "c2"))
        a.set_url("https://s/1", UrlState(last_fetched="2024-01-01T00:00:00Z", last_status=200,
                                          article_id="old"))
        b.set_url("https://s/1", UrlState(last_fetched="2024-02-01T00:00:00Z", last_status=404))
        b.set_url("https://s/2", UrlState(article_id="two"))
        a.add_article(near.signature(UNRELATED), "art-a", "https://s/a")
        b.add_article(sig_a, "art-b", "https://s/b")
    assert merge_index_file(dst, src) == {"payload": 1, "url": 1, "near_article": 1}
    with SQLiteDedupIndex(dst) as m:
        assert m.lookup_payload(DIGEST) == REF
        assert m.lookup_payload("sha1:B").crawl_id == "c2"
        assert m.get_url("https://s/1") == UrlState(last_fetched="2024-02-01T00:00:00Z",
                                                    last_status=404, article_id="old")
        assert m.get_url("https://s/2").article_id == "two"
        # the merged signature is found through its (renumbered) band keys
        assert m.find_near_duplicate(near.signature(_wire_copy(BRIDGE)), "new") == "art-b"


# -- URLs -------------------------------------------------------------------------------
def test_url_state(index: DedupIndex):
    url = "https://news.example/2024/05/01/story"
    assert not index.seen_url(url) and index.get_url(url) is None
    assert index.add_url(url) is True
    assert index.seen_url(url)
    assert index.get_url(url) == UrlState()
    assert index.add_url(url, etag='"x"') is False  # first writer wins
    assert index.get_url(url) == UrlState()
    state = UrlState(etag='W/"abc"', last_modified="Wed, 01 May 2024 10:00:00 GMT",
                     payload_digest=DIGEST, last_fetched="2024-05-01T10:00:00Z",
                     last_status=200, article_id="a" * 20)
    index.set_url(url, state)
    assert index.get_url(url) == state
    assert index.update_url(url, last_status=304).last_status == 304
    assert index.get_url(url) == UrlState(**{**state.to_dict(), "last_status": 304})
    assert index.add_url("https://news.example/other", last_status=404, etag="e") is True
    assert index.get_url("https://news.example/other") == UrlState(etag="e", last_status=404)
    with pytest.raises(TypeError):
        index.add_url("https://news.example/x", bogus=1)
    unicode_url = "https://news.example/%C3%A9t%C3%A9?q=%E2%82%AC"
    index.add_url(unicode_url, article_id="é")
    assert index.get_url(unicode_url).article_id == "é"
    assert index.counts()["urls"] == 3


# -- near duplicates --------------------------------------------------------------------
def test_near_duplicate_index(index: DedupIndex):
    sig = near.signature(BRIDGE)
    assert index.find_near_duplicate(sig, "bridge") is None
    index.add_article(sig, "bridge", "https://riverton.example/bridge")
    index.add_article(near.signature(UNRELATED), "snow", "https://riverton.example/snow")
    # the article itself is not its own duplicate
    assert index.find_near_duplicate(sig, "bridge") is None
    # a wire copy in another template is found
    assert index.find_near_duplicate(near.signature(_wire_copy(BRIDGE)), "wire") == "bridge"
    # another outlet's article on the same event is not
    assert index.find_near_duplicate(near.signature(BRIDGE_OTHER_OUTLET), "other") is None
    # earliest-added wins among equally good matches; re-adding is a no-op
    index.add_article(near.signature(_wire_copy(BRIDGE)), "wire", "https://wire.example/b")
    index.add_article(sig, "bridge", "https://riverton.example/bridge")
    assert index.find_near_duplicate(sig, "third") == "bridge"
    assert index.find_near_duplicate(sig, "bridge") == "wire"
    assert index.counts()["articles"] == 3


def test_short_texts_are_not_indexed_or_matched(index: DedupIndex):
    short = " ".join(near.normalize_words(BRIDGE)[: near.MIN_WORDS - 1])
    index.add_article(near.signature(short), "short", "https://x.example/short")
    assert index.counts()["articles"] == 0
    assert index.find_near_duplicate(near.signature(short), "other") is None
    assert index.find_near_duplicate(None, "other") is None


# -- persistence ------------------------------------------------------------------------
def test_persists_across_reopen(make_index: Callable[[], DedupIndex]):
    idx = make_index()
    idx.add_payload(DIGEST, REF)
    idx.set_url("https://news.example/a", UrlState(etag="e1", last_status=200))
    idx.add_article(near.signature(BRIDGE), "bridge", "https://riverton.example/bridge")
    idx.close()
    again = make_index()
    assert again.lookup_payload(DIGEST) == REF
    assert again.add_payload(DIGEST, PayloadRef(uri="x", date="y", record_id="z")) is False
    assert again.get_url("https://news.example/a") == UrlState(etag="e1", last_status=200)
    assert again.find_near_duplicate(near.signature(_wire_copy(BRIDGE)), "w") == "bridge"
    with again:
        pass


def test_sqlite_batched_writes_visible_to_self_then_to_others(tmp_path: Path):
    path = tmp_path / "dedup.sqlite3"
    a = SQLiteDedupIndex(path, batch_size=10_000, commit_interval=60)
    b = SQLiteDedupIndex(path, busy_timeout=5)
    try:
        a.add_url("https://x.example/1")
        assert a.seen_url("https://x.example/1")  # own uncommitted write
        assert not b.seen_url("https://x.example/1")  # not committed yet
        a.flush()
        assert b.seen_url("https://x.example/1")
        # the file is a plain SQLite database in WAL mode
        with sqlite3.connect(path) as raw:
            assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        a.close()
        b.close()


def test_sqlite_idle_transaction_is_committed_by_timer(tmp_path: Path):
    path = tmp_path / "dedup.sqlite3"
    with SQLiteDedupIndex(path, commit_interval=0.2) as a, SQLiteDedupIndex(path) as b:
        assert a.add_payload(DIGEST, REF)
        deadline = time.monotonic() + 5
        while b.lookup_payload(DIGEST) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert b.lookup_payload(DIGEST) == REF
        assert b.add_payload(DIGEST, REF) is False  # b can write (lock released)


def test_sqlite_snapshot_is_consistent_while_open(tmp_path: Path):
    with SQLiteDedupIndex(tmp_path / "dedup.sqlite3", commit_interval=60) as idx:
        idx.add_payload(DIGEST, REF)
        idx.add_url("https://x.example/1", etag="e")
        idx.add_article(near.signature(BRIDGE), "bridge", "https://riverton.example/bridge")
        idx.add_url("https://x.example/2")  # uncommitted until the snapshot
        copy = idx.snapshot(tmp_path / "upload" / "dedup.sqlite3")
        idx.add_url("https://x.example/after")
        assert idx.seen_url("https://x.example/2")
    assert not Path(str(copy) + "-wal").exists()
    with SQLiteDedupIndex(copy) as restored:
        assert restored.lookup_payload(DIGEST) == REF
        assert restored.get_url("https://x.example/1") == UrlState(etag="e")
        assert restored.seen_url("https://x.example/2")
        assert not restored.seen_url("https://x.example/after")
        assert restored.find_near_duplicate(near.signature(_wire_copy(BRIDGE)), "w") == "bridge"


def test_open_dedup_index_specs(tmp_path: Path, redis_url: str):
    with open_dedup_index(None, tmp_path) as idx:
        assert isinstance(idx, SQLiteDedupIndex) and idx.path == tmp_path / "dedup.sqlite3"
    with open_dedup_index("sqlite", tmp_path) as idx:
        assert idx.path == tmp_path / "dedup.sqlite3"
    with open_dedup_index("sqlite:sub/d.db", tmp_path) as idx:
        assert idx.path == tmp_path / "sub" / "d.db"
    with open_dedup_index("sqlite?batch_size=5&commit_interval=0.1", tmp_path) as idx:
        assert idx.path == tmp_path / "dedup.sqlite3"
        assert (idx.batch_size, idx.commit_interval) == (5, 0.1)
    with pytest.raises(ValueError):
        open_dedup_index("sqlite?bogus=1", tmp_path)
    with open_dedup_index(f"{redis_url}?namespace=ns1", tmp_path) as idx:
        assert isinstance(idx, RedisDedupIndex)
        assert idx.k_payload == "newsarchiver:{ns1}:payload"
        assert idx.add_url("https://x.example/") and idx.seen_url("https://x.example/")
        idx.clear()
    with open_dedup_index(f"{redis_url}?prefix=myapp:dd", tmp_path) as idx:
        assert idx.k_url == "myapp:dd:url"
        idx.clear()
    with pytest.raises(ValueError):
        open_dedup_index("mysql://x", tmp_path)


# -- concurrency ------------------------------------------------------------------------
_WORKER = textwrap.dedent("""
    import json, os, sys, time
    from pathlib import Path
    from crawler.dedup.index import PayloadRef, open_dedup_index
    spec, state, ready, go, who, n = sys.argv[1:7]
    idx = open_dedup_index(spec, Path(state))
    Path(ready).touch()
    while not os.path.exists(go):
        time.sleep(0.001)
    won = {}
    order = range(int(n)) if who == "p1" else reversed(range(int(n)))  # meet in the middle
    for i in order:
        d = f"sha1:RACE{i:06d}"
        ref = PayloadRef(uri=f"https://{who}.example/{i}", date="2024-01-01T00:00:00Z",
                         record_id=f"<urn:{who}:{i}>")
        won[d] = idx.add_payload(d, ref)
        won["url" + str(i)] = idx.add_url(f"https://shared.example/{i}", article_id=who)
    idx.close()
    print(json.dumps(won))
""")


def test_two_processes_same_digest_exactly_one_wins(index_spec: str, tmp_path: Path):
    n = 400
    go = tmp_path / "go"
    procs = []
    for who in ("p1", "p2"):
        procs.append(subprocess.Popen(
            [sys.executable, "-c", _WORKER, index_spec, str(tmp_path / "state"),
             str(tmp_path / f"ready-{who}"), str(go), who, str(n)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    deadline = time.monotonic() + 30
    while not all((tmp_path / f"ready-{w}").exists() for w in ("p1", "p2")):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), \
            [p.communicate() for p in procs if p.poll() is not None]
        time.sleep(0.01)
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    r1, r2 = results
    assert r1.keys() == r2.keys() and len(r1) == 2 * n
    assert all(r1[k] != r2[k] for k in r1), "exactly one process must win every key"
    assert sum(r1.values()) > 0 and sum(r2.values()) > 0
    with open_dedup_index(index_spec, tmp_path / "state") as idx:
        for i in range(n):
            d = f"sha1:RACE{i:06d}"
            winner = "p1" if r1[d] else "p2"
            assert idx.lookup_payload(d).record_id == f"<urn:{winner}:{i}>"
            assert idx.get_url(f"https://shared.example/{i}").article_id == \
                ("p1" if r1["url" + str(i)] else "p2")
        assert idx.counts()["payloads"] == n
        if isinstance(idx, RedisDedupIndex):
            idx.clear()
