"""Honest outcomes: a crawl that archived nothing exits 5 with one line (issue 15 point 4),
and operator-given crawl ids are checked (safe characters, never an existing id)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from crawler.crawlid import CrawlIdError, check_crawl_id, crawl_id_in_use
from crawler.demo.server import Route, SiteServer
from crawler.exitcodes import EXIT_NOTHING_FETCHED, EXIT_USAGE
from crawler.storage import open_store
from tests.conftest import run_cli
from tests.reader.storebuilder import Page, write_run


def dead_port() -> int:
    """A 127.0.0.1 port with nothing listening (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def manifest_of(store: Path) -> dict:
    (path,) = sorted((store / "manifests").glob("*.json"))
    return json.loads(path.read_text())


def test_dead_site_exits_5_with_one_line(tmp_path):
    store = tmp_path / "s"
    seed = f"http://127.0.0.1:{dead_port()}/"
    proc = run_cli("crawl", seed, "--store", str(store), "--allow-private")  # default retries
    assert proc.returncode == EXIT_NOTHING_FETCHED, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert lines(proc.stdout) == []
    (line,) = lines(proc.stderr)
    assert "nothing archived: every seed failed" in line and seed in line and "refused" in line.lower()
    m = manifest_of(store)
    assert m["status"] == "failed" and m["failure"] == "nothing_fetched" and m["reason"] in line


def test_refused_private_seed_exits_5_with_one_line(tmp_path):
    store = tmp_path / "s"
    with SiteServer({"/": Route(body=b"<html>x</html>")}) as srv:
        proc = run_cli("crawl", srv.base_url + "/", "--store", str(store))  # no --allow-private
        assert srv.log == []
    assert proc.returncode == EXIT_NOTHING_FETCHED
    (line,) = lines(proc.stderr)
    assert "every seed failed" in line and "--allow-private" in line
    assert "Traceback" not in proc.stderr


def test_one_failed_seed_of_two_is_a_warning_not_a_failure(tmp_path):
    store = tmp_path / "s"
    routes = {"/robots.txt": Route(status=404, body=b""), "/": Route(body=b"<html><body>home</body></html>"),
              "/gone": Route(status=404, body=b"gone")}
    with SiteServer(routes) as srv:
        proc = run_cli("crawl", srv.base_url + "/", srv.base_url + "/gone", "--store", str(store),
                       "--allow-private", "-s", "CRAWLER_GUESS_SITEMAPS=false", "-s", "CRAWLER_FEEDS=false")
        assert proc.returncode == 0, proc.stderr
        assert f"seed failed: {srv.base_url}/gone: HTTP 404" in proc.stderr
        assert manifest_of(store)["status"] == "finished"
        # every seed answering 404: nothing worth archiving
        proc = run_cli("crawl", srv.base_url + "/gone", "--store", str(tmp_path / "t"), "--allow-private",
                       "-s", "CRAWLER_GUESS_SITEMAPS=false", "-s", "CRAWLER_FEEDS=false")
        assert proc.returncode == EXIT_NOTHING_FETCHED
        assert "every seed failed: " + srv.base_url + "/gone: HTTP 404" in proc.stderr


def test_job_of_a_dead_site_is_recorded_as_failed(tmp_path):
    store = tmp_path / "store"
    job = tmp_path / "dead.toml"
    job.write_text(f'seeds = ["http://127.0.0.1:{dead_port()}/"]\nstore = "{store}"\n'
                   '[settings]\nCRAWLER_ALLOW_PRIVATE = true\nRETRY_TIMES = 0\n')
    proc = run_cli("run", str(job))
    assert proc.returncode == EXIT_NOTHING_FETCHED, proc.stderr
    assert "Traceback" not in proc.stderr
    finished = [json.loads(x) for x in (store / "state" / "runs.jsonl").read_text().splitlines()][-1]
    assert finished["event"] == "finished" and finished["status"] == "failed"
    assert finished["exit_code"] == EXIT_NOTHING_FETCHED and "nothing archived" in finished["error"]
    runs = json.loads(run_cli("runs", "--store", str(store), "--json").stdout)
    assert [r["status"] for r in runs] == ["failed"]


@pytest.mark.parametrize("bad", ["../../etc x", "nightly/x", ".hidden", "", "a" * 101, "x\ny", "é", "state", "pending"])
def test_check_crawl_id_refuses(bad):
    with pytest.raises(CrawlIdError):
        check_crawl_id(bad)


@pytest.mark.parametrize("good", ["20261126T151500Z-3fa9c1", "nightly.2026-12-04", "a", "A_b-c.d", "a" * 100])
def test_check_crawl_id_accepts(good):
    assert check_crawl_id(good) == good


def test_crawl_id_in_use_looks_at_manifests_warcs_and_spool(tmp_path):
    store = open_store(tmp_path)
    assert crawl_id_in_use(store, "run1") is None
    (tmp_path / "warc" / "run1").mkdir(parents=True)
    assert crawl_id_in_use(store, "run1") is None  # an empty folder holds nothing
    # a run in progress: its spool folder
    run = write_run(tmp_path, "run1", [Page("https://a.example/1", "2026-11-26T10:00:00Z")], write_manifest=False)
    assert "spool" in crawl_id_in_use(store, "run1")
    # the same run writing from another machine (no spool folder here): its stored WARC
    spool = tmp_path / ".spool" / "run1"
    away = spool.rename(tmp_path.parent / f"{tmp_path.name}-elsewhere")
    assert crawl_id_in_use(store, "run1") == "warc/run1/"
    away.rename(spool)
    # finished: its manifest
    run["ctx"].write_manifest({}, "finished")
    assert not spool.exists()
    assert crawl_id_in_use(store, "run1") == "manifests/run1.json"


def test_crawl_id_refused_on_the_command_line(tmp_path):
    store = tmp_path / "store"
    seed = f"http://127.0.0.1:{dead_port()}/"
    for bad in ("../../etc x", "nightly/x", ".x"):
        proc = run_cli("crawl", seed, "--store", str(store), "--allow-private", "--crawl-id", bad)
        assert proc.returncode == EXIT_USAGE
        (line,) = lines(proc.stderr)
        assert "invalid --crawl-id" in line
    assert not (tmp_path / "etc x").exists() and not (store / "manifests").exists()
    assert not (store / ".spool").exists() or not any((store / ".spool").iterdir())
    # an existing id: refused before anything is written to the old run's folders
    old = "nightly-1"
    write_run(store, old, [Page("https://a.example/1", "2026-11-26T10:00:00Z")])
    before = sorted(p.relative_to(store) for p in store.rglob("*"))
    proc = run_cli("crawl", seed, "--store", str(store), "--allow-private", "--crawl-id", old)
    assert proc.returncode == EXIT_USAGE and "already used" in proc.stderr
    assert len(lines(proc.stderr)) == 1 and "Traceback" not in proc.stderr
    after = sorted(p.relative_to(store) for p in store.rglob("*") if "state" not in p.parts)
    assert after == [p for p in before if "state" not in p.parts]


def test_crawl_id_refused_in_job_worker_enqueue_and_reprocess(tmp_path):
    job = tmp_path / "j.toml"
    job.write_text('seeds = ["https://a.example/"]\n[settings]\nCRAWLER_CRAWL_ID = "../x"\n')
    proc = run_cli("run", str(job))
    assert proc.returncode == EXIT_USAGE and "CRAWLER_CRAWL_ID" in proc.stderr
    # no Redis is contacted: the id is refused first
    proc = run_cli("worker", "--redis", f"redis://127.0.0.1:{dead_port()}/0", "--store", str(tmp_path / "s"),
                   "--crawl-id", "a/b")
    assert proc.returncode == EXIT_USAGE and "invalid --crawl-id" in proc.stderr
    proc = run_cli("enqueue", "--redis", f"redis://127.0.0.1:{dead_port()}/0", "--crawl-id", "a b",
                   "https://a.example/")
    assert proc.returncode == EXIT_USAGE and "invalid --crawl-id" in proc.stderr


def test_job_with_a_fixed_crawl_id_runs_once(tmp_path):
    store = tmp_path / "store"
    job = tmp_path / "fixed.toml"
    job.write_text(f'seeds = ["http://127.0.0.1:{dead_port()}/"]\nstore = "{store}"\n'
                   '[settings]\nCRAWLER_CRAWL_ID = "fixed-1"\nRETRY_TIMES = 0\n')
    first = run_cli("run", str(job))
    assert first.returncode == EXIT_NOTHING_FETCHED  # (refused seed: no --allow-private)
    assert (store / "manifests" / "fixed-1.json").exists()
    second = run_cli("run", str(job))
    assert second.returncode == EXIT_USAGE and "already used" in second.stderr
