"""`crawler articles|stats|show|runs` (crawler.readcli): formats, exact captures, stats."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from crawler import readcli
from crawler.reader import list_runs, read_articles, show_capture, store_stats
from crawler.storage.base import LocalStore
from tests.conftest import ROOT
from tests.reader.conftest import RUN1, RUN2
from tests.reader.storebuilder import StreamingStore, write_run, Page


def cli(*argv: str) -> subprocess.CompletedProcess:
    """The commands as a separate process (real stdout bytes)."""
    return subprocess.run([sys.executable, "-m", "crawler.readcli", *argv], cwd=ROOT,
                          capture_output=True, timeout=60)


def test_help_has_examples(capsys):
    for cmd in ("articles", "stats", "show", "runs"):
        with pytest.raises(SystemExit):
            readcli.main([cmd, "--help"])
        out = capsys.readouterr().out
        assert "examples:" in out and f"crawler {cmd}" in out


def test_jsonl_to_stdout_round_trip(two_runs):
    proc = cli("articles", "--store", str(two_runs.store), "--since", RUN1, "--site", "beta.example")
    assert proc.returncode == 0, proc.stderr
    got = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert got == list(read_articles(two_runs.store, since=RUN1, sites=["beta.example"]))
    assert len(got) == 2


def test_jsonl_out_file_with_filters(two_runs, tmp_path, capsys):
    out = tmp_path / "de.jsonl"
    assert readcli.main(["articles", "--store", str(two_runs.store), "--language", "de", "--unique",
                         "--from", "2026-11-26", "--to", "2026-11-28", "--out", str(out)]) == 0
    assert "2 records written" in capsys.readouterr().err
    got = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["url"] for r in got] == ["https://beta.example/de/eins", "https://beta.example/de/zwei"]
    assert got[0]["text"] == 'Ein Text, mit "Zitat"; und Ümlaut.'


def test_csv_round_trip(two_runs, tmp_path):
    out = tmp_path / "a.csv"
    assert readcli.main(["articles", "--store", str(two_runs.store), "--format", "csv", "--out", str(out)]) == 0
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    records = list(read_articles(two_runs.store))
    assert len(rows) == len(records) == 10
    assert list(rows[0]) == readcli.COLUMNS
    for row, rec in zip(rows, records):
        assert row["id"] == rec["id"] and row["text"] == rec["text"]
        assert row["authors"] == "; ".join(rec["authors"]) and row["tags"] == "; ".join(rec["tags"])
        assert int(row["warc_offset"]) == rec["warc"]["offset"]
        assert row["warc_filename"] == rec["warc"]["filename"]
        assert row["duplicate_of"] == (rec["duplicate_of"] or "")
        assert row["language"] == (rec["language"] or "")


def test_csv_to_stdout(two_runs):
    proc = cli("articles", "--store", str(two_runs.store), "--format", "csv", "--site", "gamma.example")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout.decode("utf-8"), newline="")))
    assert [r["url"] for r in rows] == ["https://gamma.example/fr/un"]
    assert rows[0]["text"] == "Text of https://gamma.example/fr/un.\nSecond paragraph."


def test_parquet_round_trip_in_batches(two_runs, tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    monkeypatch.setattr(readcli, "PARQUET_BATCH", 3)
    out = tmp_path / "a.parquet"
    assert readcli.main(["articles", "--store", str(two_runs.store), "--format", "parquet",
                         "--out", str(out)]) == 0
    pf = pq.ParquetFile(out)
    assert pf.metadata.num_row_groups == 4  # 10 records in batches of 3
    rows = pf.read().to_pylist()
    records = list(read_articles(two_runs.store))
    assert len(rows) == len(records)
    for row, rec in zip(rows, records):
        assert row == readcli.flat_row(rec)


def test_parquet_needs_pyarrow_and_out(two_runs, tmp_path, monkeypatch, capsys):
    assert readcli.main(["articles", "--store", str(two_runs.store), "--format", "parquet"]) == 2
    assert "--out" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    assert readcli.main(["articles", "--store", str(two_runs.store), "--format", "parquet",
                         "--out", str(tmp_path / "x.parquet")]) == 2
    err = capsys.readouterr().err
    assert "pyarrow" in err and "pip install" in err
    assert not (tmp_path / "x.parquet").exists()


def test_bad_arguments_exit_2(two_runs, capsys):
    assert readcli.main(["articles", "--store", str(two_runs.store), "--since", "yesterday-ish"]) == 2
    assert "not an ISO date" in capsys.readouterr().err


def test_show_prints_exact_archived_response(two_runs):
    url = "https://beta.example/de/eins"
    proc = cli("show", url, "--store", str(two_runs.store))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == two_runs.run1["responses"][url]
    assert proc.stdout.startswith(b"HTTP/1.1 200 OK\r\n")


def test_show_picks_latest_capture_and_equivalent_spellings(two_runs):
    latest = two_runs.run2["responses"]["https://www.alpha.example/2026/11/25/one"]
    assert latest != two_runs.run1["responses"]["https://www.alpha.example/2026/11/25/one"]
    for spelling in ("https://www.alpha.example/2026/11/25/one", "http://ALPHA.example/2026/11/25/one/"):
        assert show_capture(two_runs.store, spelling) == latest


def test_show_uses_cdxj_index_for_non_article_pages(two_runs):
    url = "https://beta.example/index.html"
    assert show_capture(two_runs.store, url) == two_runs.run2["responses"][url]
    # reading a byte range through a forward-only stream (object-store style)
    spy = StreamingStore(LocalStore(two_runs.store))
    assert show_capture(spy, url) == two_runs.run2["responses"][url]


def test_show_not_found_exits_1(two_runs):
    proc = cli("show", "https://nowhere.example/page", "--store", str(two_runs.store))
    assert proc.returncode == 1
    assert proc.stdout == b""
    assert b"no capture of https://nowhere.example/page" in proc.stderr
    # a page seen only as a listing without index is not found either
    proc = cli("show", "https://alpha.example/section/", "--store", str(two_runs.store))
    assert proc.returncode == 1


def test_store_stats(two_runs):
    s = store_stats(two_runs.store)
    a = s["articles"]
    assert (a["total"], a["duplicates"], a["unique"], a["sites"], a["days"]) == (10, 2, 8, 4, 4)
    assert a["per_site"] == {"alpha.example": 4, "beta.example": 4, "delta.example": 1, "gamma.example": 1}
    assert a["per_day"] == {"2026-11-25": 2, "2026-11-26": 3, "2026-11-27": 1, "2026-11-28": 4}
    assert a["per_site_day"]["beta.example"] == {"2026-11-26": 2, "2026-11-28": 2}
    assert a["languages"] == {"en": 4, "de": 4, "fr": 1, "unknown": 1}
    assert s["runs"] == {"total": 2, "by_status": {"finished": 2}, "latest": RUN2}
    st = s["storage"]
    assert st["warc"]["files"] == 2 and st["warc"]["bytes"] > 0
    assert st["articles"]["files"] == 6 + 3  # run 1: one record per part; run 2: one part per partition
    assert st["indexes"]["files"] == 1 and st["indexes"]["bytes"] > 0
    warc_sizes = sum(f.stat().st_size for f in two_runs.store.glob("warc/*/*.warc.gz"))
    assert st["warc"]["bytes"] == warc_sizes


def test_stats_cli_json_and_table(two_runs, capsys):
    assert readcli.main(["stats", "--store", str(two_runs.store), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == store_stats(two_runs.store)
    assert readcli.main(["stats", "--store", str(two_runs.store)]) == 0
    out = capsys.readouterr().out
    for text in ("articles", "duplicates", "beta.example", "11-28", "warc/", RUN2):
        assert text in out


def test_runs(two_runs, tmp_path, capsys):
    runs = list_runs(two_runs.store)
    assert [r["crawl_id"] for r in runs] == [RUN1, RUN2]
    assert [r["status"] for r in runs] == ["finished", "finished"]
    assert [r["records"] for r in runs] == [6, 4]
    assert [r["article_files"] for r in runs] == [6, 3]
    assert all(r["warc_files"] == 1 and r["warc_bytes"] > 0 and r["finished_at"] for r in runs)
    assert readcli.main(["runs", "--store", str(two_runs.store)]) == 0
    out = capsys.readouterr().out
    assert RUN1 in out and RUN2 in out and "finished" in out
    assert readcli.main(["runs", "--store", str(two_runs.store), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == runs
    # a run that left WARCs but no manifest
    write_run(tmp_path, "20261126T120000Z-eeeeee", [Page("https://a.example/3", "2026-11-26T12:00:00Z")],
              write_manifest=False)
    assert [(r["crawl_id"], r["status"]) for r in list_runs(tmp_path)] == [("20261126T120000Z-eeeeee", "incomplete")]
    assert readcli.main(["runs", "--store", str(tmp_path / "empty")]) == 3  # no such store
    assert "no store at" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert readcli.main(["runs", "--store", str(tmp_path / "empty")]) == 1  # a store without runs
    assert "no runs" in capsys.readouterr().err
