"""``crawler verify``: clean on a real crawl's store, and failing -- naming the file -- on a
deleted WARC, a flipped byte, a truncated JSON part, a CDXJ line with a wrong offset, a
revisit whose original is gone, and an orphan."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from crawler.exitcodes import EXIT_FAILED, EXIT_STORE, EXIT_USAGE
from crawler.verify import verify_store
from tests.conftest import assert_verified, run_cli


def problems(report, check=None):
    return [p for p in report.problems if check is None or p.check == check]


def files_of(store: Path, run: str, kind: str) -> list[str]:
    m = json.loads((store / "manifests" / f"{run}.json").read_text())
    return [f["key"] for f in m["files"] if f["kind"] == kind]


def test_clean_store_passes(two_runs):
    report = assert_verified(two_runs.store)
    c = report.counts
    assert c["manifests"] == 2 and c["files/read"] == c["files/listed"] > 4
    assert c["warc/records"] > 20 and c["warc/digests"] > c["warc/records"]  # block + payload digests
    assert c["cdxj/lines"] > 10 and c["json/pointers"] >= 4
    assert c["revisits"] >= 4, "the second run should have written revisits"
    assert report.bytes_read == sum(p.stat().st_size for p in two_runs.store.rglob("*")
                                    if p.is_file() and p.parts[-2] != "state" and "state" not in
                                    p.relative_to(two_runs.store).parts[:1]
                                    and not p.relative_to(two_runs.store).as_posix().startswith("manifests/"))


def test_one_run_resolves_revisits_into_the_other(two_runs):
    report = assert_verified(two_runs.store, crawl_id=two_runs.run2)
    assert report.counts["revisits"] >= 4 and report.counts["manifests"] == 1
    assert_verified(two_runs.store, crawl_id=two_runs.run1)


def test_cli_clean_json_and_exit_codes(two_runs, tmp_path):
    proc = run_cli("verify", "--store", str(two_runs.store), "--json")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["clean"] is True and out["problems"] == [] and out["orphans"] == []
    proc = run_cli("verify", "--store", str(two_runs.store))
    assert proc.returncode == 0 and "clean" in proc.stdout and "revisits" in proc.stdout
    missing = run_cli("verify", "--store", str(tmp_path / "nowhere"))
    assert missing.returncode == EXIT_STORE and "does not exist" in missing.stderr
    unknown = run_cli("verify", "--store", str(two_runs.store), "--crawl-id", "no-such-run")
    assert unknown.returncode == EXIT_USAGE and "no-such-run" in unknown.stderr


def test_deleted_warc(two_runs, tmp_path):
    store = two_runs.copy(tmp_path / "s")
    key = files_of(store, two_runs.run1, "warc")[0]
    (store / key).unlink()
    proc = run_cli("verify", "--store", str(store))
    assert proc.returncode == EXIT_FAILED
    assert f"PROBLEM missing: {key}" in proc.stdout.replace("\n", "")
    report = verify_store(str(store))
    assert [p.file for p in problems(report, "missing")] == [key]


def test_flipped_byte_in_a_warc(two_runs, tmp_path):
    store = two_runs.copy(tmp_path / "s")
    key = files_of(store, two_runs.run1, "warc")[0]
    path = store / key
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    report = verify_store(str(store))
    assert not report.clean
    assert {p.check for p in report.problems if p.file == key} >= {"sha256"}
    # and the WARC itself says so: a corrupt gzip member or a digest mismatch
    assert [p for p in report.problems if p.file == key and p.check in ("warc", "digest")]


def test_truncated_json_part(two_runs, tmp_path):
    store = two_runs.copy(tmp_path / "s")
    key = files_of(store, two_runs.run1, "articles")[0]
    path = store / key
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    report = verify_store(str(store))
    checks = {p.check for p in report.problems if p.file == key}
    assert {"json", "size", "sha256"} <= checks, report.problems
    assert {p.file for p in report.problems} == {key}


def test_cdxj_line_with_wrong_offset(two_runs, tmp_path):
    store = two_runs.copy(tmp_path / "s")
    key = files_of(store, two_runs.run1, "cdxj")[0]
    path = store / key
    lines = path.read_text().splitlines(keepends=True)
    urlkey, ts, rest = lines[1].split(" ", 2)
    fields = json.loads(rest)
    fields["offset"] = str(int(fields["offset"]) + 7)
    lines[1] = f"{urlkey} {ts} {json.dumps(fields)}\n"
    path.write_text("".join(lines))
    report = verify_store(str(store))
    bad = problems(report, "cdxj")
    assert len(bad) == 1 and bad[0].file == key and "line 2" in bad[0].detail
    assert {p.file for p in report.problems} == {key}


def test_revisit_whose_original_is_gone(two_runs, tmp_path):
    store = two_runs.copy(tmp_path / "s")
    m = two_runs.manifest(store, two_runs.run1)
    for f in m["files"]:
        (store / f["key"]).unlink()
    (store / "manifests" / f"{two_runs.run1}.json").unlink()
    report = verify_store(str(store))
    assert not report.clean
    assert {p.check for p in report.problems} == {"revisit"}
    warcs = set(files_of(store, two_runs.run2, "warc"))
    assert {p.file for p in report.problems} <= warcs
    assert all("is not in the store" in p.detail for p in report.problems)


def test_orphan_is_listed(two_runs, tmp_path):
    store = two_runs.copy(tmp_path / "s")
    stray = f"warc/{two_runs.run1}/stray.warc.gz"
    (store / stray).write_bytes(gzip.compress(b"not a record"))
    report = verify_store(str(store))
    assert report.orphans == [stray] and not report.problems and not report.clean
    proc = run_cli("verify", "--store", str(store), "--json")
    assert proc.returncode == EXIT_FAILED and json.loads(proc.stdout)["orphans"] == [stray]


@pytest.mark.parametrize("bad", ["../x", "a/b"])
def test_crawl_id_must_be_a_crawl_id(two_runs, bad):
    proc = run_cli("verify", "--store", str(two_runs.store), "--crawl-id", bad)
    assert proc.returncode == EXIT_USAGE and "invalid --crawl-id" in proc.stderr
