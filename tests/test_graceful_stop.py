"""Stopping a crawl with SIGTERM sent to its whole process group — what `systemctl stop`,
`timeout` and `kill -TERM -PGID` do — then resuming it from Scrapy's JOBDIR; and a JOBDIR
left by a `kill -9`, which must not make the resumed crawl skip URLs.

The extraction workers get the signal too. They must leave the decision to the crawler,
which finishes its in-flight pages gracefully: no page may fail because a worker died on
the signal, and the resumed crawl fetches only what the first one had not."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from crawler.demo.server import Route, SiteServer
from crawler.demo.site import build_site, demo_expectations
from tests.conftest import ROOT, CrawlRun

EXP = demo_expectations()
SLOW = 0.08  # seconds per response, so that the crawl is still running when it is stopped


def _cli(base: str, store, jobdir) -> list[str]:
    return [sys.executable, "-m", "crawler", "crawl", base + "/", "--store", str(store), "--allow-private",
            "-s", f"JOBDIR={jobdir}", "-s", "AUTOTHROTTLE_ENABLED=false",
            "-s", "CONCURRENT_REQUESTS=2", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", "EXTRACT_WORKERS=2"]


def _manifests(store) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((store / "manifests").glob("*.json"))]


def test_sigterm_to_the_process_group_then_resume_from_jobdir(tmp_path):
    store, jobdir = tmp_path / "store", tmp_path / "job"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with SiteServer({}) as srv:
        base = srv.base_url
        srv.routes.update({k: dataclasses.replace(r, delay=SLOW) for k, r in build_site(base).items()})
        article_paths = set(EXP["article_paths"])
        proc = subprocess.Popen(_cli(srv.base_url, store, jobdir), cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            # stop once a few articles are fetched (pages in flight at that moment, with
            # extraction jobs running in the workers)
            while sum(e.path in article_paths for e in srv.log) < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert proc.poll() is None, "the crawl ended before it could be stopped"
            # every process of the crawl: the crawler and its extraction workers
            members = [p for p in os.listdir("/proc") if p.isdigit() and _pgid(int(p)) == proc.pid]
            assert len(members) >= 3, members  # crawler + 2 workers (+ resource tracker)
            os.killpg(proc.pid, signal.SIGTERM)
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
        first_log = list(srv.log)
        first = CrawlRun(proc.returncode, out, err, store)
        assert proc.returncode == 1, err[-3000:]  # stopped before the end: not "finished"
        (m1,) = _manifests(store)
        assert m1["status"] == "shutdown", m1["status"]
        assert m1["stats"].get("extract/error", 0) == 0, err[-3000:]
        assert "crashed" not in err and "died" not in err, err[-3000:]
        fetched_articles = {e.path for e in first_log if e.path in article_paths}
        assert 3 <= len(fetched_articles) < len(article_paths)
        recorded = {r["url"].split(srv.base_url, 1)[1] for r in first.articles()}
        assert fetched_articles <= recorded, fetched_articles - recorded  # none lost to the stop

        # resume: the same command, the same JOBDIR
        srv.log.clear()
        again = subprocess.run(_cli(srv.base_url, store, jobdir), cwd=ROOT, env=env, text=True,
                               capture_output=True, timeout=180)
        second_log = list(srv.log)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "did not stop gracefully" not in again.stderr  # a graceful stop's JOBDIR is trusted
    m1, m2 = _manifests(store)
    assert m2["status"] == "finished"
    # nothing fetched twice over the two runs (robots.txt is read again by the new process)
    counts = Counter(e.path for e in first_log + second_log if e.path != "/robots.txt")
    assert [p for p, n in counts.items() if n > 1] == []
    assert article_paths <= set(counts)
    # every demo article once in the JSON of the two runs
    records = CrawlRun(0, "", "", store).articles()
    urls = Counter(r["url"].split("?", 1)[0].split(base, 1)[1] for r in records)
    assert article_paths <= set(urls)
    assert all(urls[p] == 1 for p in article_paths), urls


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


PAGES = 400  # > 8 KB of fingerprints: Scrapy's requests.seen reaches the disk in 8 KB blocks


def _many_pages_site() -> dict[str, Route]:
    links = "".join(f'<li><a href="/p/{i}.html">page {i}</a></li>' for i in range(PAGES))
    routes = {"/robots.txt": Route(status=404, body=b""),
              "/": Route(body=f"<html><body><h1>Index</h1><ul>{links}</ul></body></html>".encode(), delay=SLOW)}
    for i in range(PAGES):
        routes[f"/p/{i}.html"] = Route(body=f"<html><body><p>Page {i}.</p></body></html>".encode(), delay=0.02)
    return routes


def test_jobdir_left_by_kill_9_is_reset_and_nothing_is_skipped(tmp_path):
    """After a kill -9, requests.seen holds fingerprints of requests that were queued but never
    fetched (the queue's state is written only at a graceful close): trusted, they would make
    the resumed crawl drop those URLs for good."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    store, jobdir = tmp_path / "store", tmp_path / "job"
    everything = {"/", *(f"/p/{i}.html" for i in range(PAGES))}
    with SiteServer(_many_pages_site()) as srv:
        base = srv.base_url
        proc = subprocess.Popen(_cli(base, store, jobdir), cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while len([e for e in srv.log if e.path.startswith("/p/")]) < 20 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert proc.poll() is None, "the crawl ended before it could be killed"
            # a second crawl on the same JOBDIR is refused while the first one runs
            busy = subprocess.run(_cli(base, tmp_path / "other", jobdir), cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=60)
            assert busy.returncode == 2 and "in use by another crawl" in busy.stderr, busy.stderr[-2000:]
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
        first = {e.path for e in srv.log}
        assert len(first & everything) < len(everything) / 2
        seen = (jobdir / "requests.seen").read_bytes()  # 2-byte length + 20-byte fingerprint each
        assert len(seen) // 22 > len(first)  # fingerprints of requests never fetched
        srv.log.clear()

        again = subprocess.run(_cli(base, store, jobdir), cwd=ROOT, env=env, capture_output=True,
                               text=True, timeout=300)
        second = {e.path for e in srv.log}
    assert again.returncode == 0, again.stderr[-3000:]
    assert everything - (first | second) == set()  # nothing skipped
    assert "did not stop gracefully" in again.stderr
    (reset,) = jobdir.glob("reset-*")
    assert (reset / "requests.seen").read_bytes() == seen  # moved aside, not deleted
    # the resumed crawl stopped cleanly: its JOBDIR is trusted next time
    assert not (jobdir / ".crawler-running.json").exists()
    assert json.loads(sorted((store / "manifests").glob("*.json"))[-1].read_text())["stats"]["jobdir/reset"] == 1


def test_second_signal_forces_a_prompt_exit(tmp_path):
    """A second Ctrl-C stops Scrapy at once (no graceful close, no pipeline close_spider):
    the crawl must still exit promptly and leave no worker behind."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with SiteServer({}) as srv:
        base = srv.base_url
        srv.routes.update({k: dataclasses.replace(r, delay=SLOW) for k, r in build_site(base).items()})
        proc = subprocess.Popen(_cli(base, tmp_path / "store", tmp_path / "job"), cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while sum(e.path in EXP["article_paths"] for e in srv.log) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            members = [p for p in os.listdir("/proc") if p.isdigit() and _pgid(int(p)) == proc.pid]
            assert len(members) >= 3, members
            proc.send_signal(signal.SIGINT)
            time.sleep(0.3)
            proc.send_signal(signal.SIGINT)
            t0 = time.monotonic()
            proc.communicate(timeout=60)
            elapsed = time.monotonic() - t0
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
    assert elapsed < 30
    # nothing of the crawl is left (the resource tracker may take a moment after its parent)
    deadline = time.monotonic() + 10
    while (left := _group(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == []


def _group(pgid: int) -> list[str]:
    """Live (non-zombie) processes of a process group."""
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit() and _pgid(int(p)) == pgid:
            try:
                state = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state != "Z":
                out.append(p)
    return out
