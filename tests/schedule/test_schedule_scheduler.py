"""The scheduler end to end: a 2 s interval against a slow local site (each crawl takes
longer than the interval, so a naive scheduler would overlap runs), graceful SIGTERM,
kill after the stop timeout, no orphan processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from crawler.demo.server import Route, SiteServer
from crawler.schedule.history import list_history, parse_time

ROOT = Path(__file__).resolve().parents[2]


def _html(links: list[str]) -> bytes:
    return ("<html><body>" + "".join(f'<a href="{h}">{h}</a>' for h in links) + "</body></html>").encode()


def slow_site(delay: float) -> dict[str, Route]:
    return {
        "/robots.txt": Route(status=404, body=b""),
        "/": Route(body=_html(["/a", "/b"]), delay=delay),
        "/a": Route(body=_html([]), delay=delay),
        "/b": Route(body=_html([]), delay=delay),
    }


def write_job(tmp_path: Path, base_url: str, name: str = "tick", every: str = "2s",
              extra_settings: str = "") -> tuple[Path, Path]:
    store = tmp_path / "store"
    job = tmp_path / f"{name}.toml"
    job.write_text(f'''
seeds = ["{base_url}/"]
store = "{store}"
[discovery]
sitemaps = false
feeds = false
[politeness]
concurrency_per_host = 1
autothrottle = false
[schedule]
every = "{every}"
missed = "run_once"
[settings]
CRAWLER_ALLOW_PRIVATE = true
CRAWLER_GUESS_SITEMAPS = false
DEDUP_ENABLED = false
EXTRACT_WORKERS = 0
{extra_settings}
''')
    return job, store


def start_scheduler(tmp_path: Path, job: Path, *args: str) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / "scheduler.log"
    proc = subprocess.Popen([sys.executable, "-m", "crawler.schedule", "schedule", str(job), *args],
                            cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return proc, log


def wait_for(cond, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}\n--- scheduler log ---\n{log.read_text()}")


def processes_mentioning(text: str) -> list[str]:
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmd:
            found.append(f"{d.name}: {cmd}")
    return found


def epoch(text: str) -> float:
    return parse_time(text).timestamp()  # type: ignore[union-attr]


def test_interval_runs_never_overlap_and_sigterm_stops_cleanly(tmp_path):
    with SiteServer(slow_site(delay=1.0)) as srv:
        job, store = write_job(tmp_path, srv.base_url)
        sched, log = start_scheduler(tmp_path, job, "--stop-timeout", "60")
        try:
            def third_run_fetching():
                runs = [r for r in list_history(store) if r["status"] != "skipped"]
                if len(runs) < 3 or runs[2]["status"] != "running":
                    return None
                t3 = epoch(runs[2]["started"])
                return any(e.time >= t3 for e in srv.log)  # crawl 3 is inside Scrapy now

            wait_for(third_run_fetching, 60, "two finished runs and a third one fetching", log)
            sched.send_signal(signal.SIGTERM)
            code = sched.wait(timeout=60)
        finally:
            if sched.poll() is None:
                sched.kill()
                sched.wait()
        request_times = [e.time for e in srv.log]
    output = log.read_text()
    assert code == 0, output
    assert "received SIGTERM" in output

    runs = [r for r in list_history(store) if r["status"] != "skipped"]
    assert len(runs) >= 3, output
    assert all(r["finished"] for r in runs), runs  # every run recorded its end, even the stopped one
    assert [r["status"] for r in runs[:2]] == ["finished", "finished"], runs
    assert runs[-1]["status"] in ("shutdown", "finished"), runs[-1]
    # the stopped crawl shut down gracefully: its manifest was written
    assert (store / "manifests" / f"{runs[-1]['crawl_id']}.json").exists()
    intervals = [(epoch(r["started"]), epoch(r["finished"])) for r in runs]
    for (s1, f1), (s2, f2) in zip(intervals, intervals[1:]):
        assert s2 >= f1, f"runs overlap: {runs}"
    # each run lasted longer than the 2 s interval: a naive scheduler would have overlapped
    assert all(f - s > 2.0 for s, f in intervals[:2]), intervals
    # every request the site saw came from exactly one run's time window
    for t in request_times:
        assert sum(s - 0.05 <= t <= f + 0.05 for s, f in intervals) == 1, (t, intervals)
    assert processes_mentioning(str(store)) == [] and processes_mentioning(str(job)) == []


def test_stop_timeout_kills_a_stuck_crawl(tmp_path):
    with SiteServer(slow_site(delay=40.0)) as srv:
        job, store = write_job(tmp_path, srv.base_url, name="stuck", every="1h",
                               extra_settings="DOWNLOAD_TIMEOUT = 120")
        sched, log = start_scheduler(tmp_path, job, "--stop-timeout", "1")
        try:
            wait_for(lambda: srv.requests_for("/"), 60, "the crawl to request /", log)
            t0 = time.monotonic()
            sched.send_signal(signal.SIGTERM)
            code = sched.wait(timeout=30)
            elapsed = time.monotonic() - t0
        finally:
            if sched.poll() is None:
                sched.kill()
                sched.wait()
    output = log.read_text()
    assert code == 0, output
    assert elapsed < 15, output
    assert "killing" in output
    runs = list_history(store)
    assert len(runs) == 1 and runs[0]["status"] == "killed" and runs[0]["exit_code"] == 128 + 9, runs
    assert processes_mentioning(str(store)) == [] and processes_mentioning(str(job)) == []


def test_lock_stays_with_the_crawl_when_the_run_supervisor_is_killed(tmp_path):
    """`crawler run` hands its locked descriptor to the crawl: killing the supervisor
    (SIGKILL, OOM...) does not let a second run of the job start while the crawl lives."""
    from crawler.schedule.lock import JobLock

    with SiteServer(slow_site(delay=1.0)) as srv:
        job, store = write_job(tmp_path, srv.base_url, name="orphaned")
        log = tmp_path / "run.log"
        sup = subprocess.Popen([sys.executable, "-m", "crawler.schedule", "run", str(job)], cwd=ROOT,
                               stdout=open(log, "w"), stderr=subprocess.STDOUT)
        lock = JobLock(store / "state" / "locks" / "orphaned.lock")
        holder = wait_for(lambda: (lock.holder() or {}).get("crawl_pid") and lock.holder(), 30,
                          "the crawl to start", log)
        assert holder["pid"] == sup.pid
        sup.kill()
        sup.wait()
        assert lock.is_locked()  # still held: by the crawl, through the inherited descriptor
        second = subprocess.run([sys.executable, "-m", "crawler.schedule", "run", str(job)], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 4 and "already running" in second.stderr
        wait_for(lambda: not lock.is_locked(), 60, "the crawl to finish and free the lock", log)
    assert list((store / "manifests").glob("*.json"))  # the orphaned crawl still finished its work
    statuses = [r["status"] for r in list_history(store)]
    assert statuses == ["interrupted", "skipped"], statuses
    assert processes_mentioning(str(store)) == []
