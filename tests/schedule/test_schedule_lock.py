"""The job lock across processes (incl. a SIGKILLed holder), run history, `crawler run` exit 4."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from crawler.schedule.history import list_history, record_finish, record_start
from crawler.schedule.lock import JobLock, JobLockedError

ROOT = Path(__file__).resolve().parents[2]

HOLDER = """
import sys, time
from crawler.schedule.lock import JobLock
lock = JobLock(sys.argv[1])
assert lock.acquire()
print("locked", flush=True)
time.sleep(120)
"""


def start_holder(path: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_lock_excludes_other_process_and_survives_sigkill(tmp_path):
    path = tmp_path / "state" / "locks" / "job.lock"
    holder = start_holder(path)
    try:
        lock = JobLock(path)
        assert lock.is_locked()
        assert lock.acquire(blocking=False) is False
        info = lock.holder()
        assert info["pid"] == holder.pid and info["job"] == "job" and info["host"]
        assert lock.acquire(blocking=True, timeout=0.3) is False
        try:
            with JobLock(path):
                raise AssertionError("entered a held lock")
        except JobLockedError as exc:
            assert f"job job is already running (pid {holder.pid})" == str(exc)
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        # the kernel dropped the flock with the process: no stale lock
        assert not lock.is_locked()
        assert lock.acquire(blocking=False) is True
        assert lock.holder()["pid"] == os.getpid()
        # a second holder in another process is now refused
        other = subprocess.run([sys.executable, "-c",
                                "import sys; from crawler.schedule.lock import JobLock;"
                                "sys.exit(0 if JobLock(sys.argv[1]).acquire() else 7)", str(path)],
                               cwd=ROOT, timeout=30)
        assert other.returncode == 7
        lock.release()
        assert not lock.is_locked() and lock.holder() is None
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_history_roundtrip(tmp_path):
    store = tmp_path / "store"
    record_start(store, "a", "c1")
    record_start(store, "b", "c2")
    record_finish(store, "a", "c1", status="finished", exit_code=0, stats={"pages_fetched": 3})
    runs = list_history(store)
    assert [r["crawl_id"] for r in runs] == ["c1", "c2"]
    assert runs[0]["status"] == "finished" and runs[0]["exit_code"] == 0 and runs[0]["finished"]
    assert runs[0]["stats"] == {"pages_fetched": 3} and runs[0]["pid"] == os.getpid()
    assert runs[1]["status"] == "running"  # no finish line, recording pid (us) alive
    assert [r["crawl_id"] for r in list_history(str(store), job="b")] == ["c2"]
    assert (store / "state" / "runs.jsonl").exists()
    assert list_history(tmp_path / "empty") == [] and not (tmp_path / "empty").exists()


def test_run_exits_4_when_job_is_already_running(tmp_path):
    store = tmp_path / "store"
    job = tmp_path / "busy.toml"
    job.write_text(f'seeds = ["http://127.0.0.1:9/"]\nstore = "{store}"\n')
    lock = JobLock(store / "state" / "locks" / "busy.lock")
    assert lock.acquire()
    try:
        t0 = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "crawler.schedule", "run", str(job)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
    finally:
        lock.release()
    assert proc.returncode == 4, proc.stderr
    assert f"job busy is already running (pid {os.getpid()})" in proc.stderr
    assert time.monotonic() - t0 < 30
    runs = list_history(store)
    assert [r["status"] for r in runs] == ["skipped"]
    assert not (store / "manifests").exists()  # no crawl was started


def test_run_whose_store_is_busy_is_recorded_as_skipped(tmp_path):
    """Another crawl (another job, or a plain crawl) holds the store's crawl lock: the job's
    crawl exits 4 at once and the run history says skipped, not failed."""
    store = tmp_path / "store"
    job = tmp_path / "other.toml"
    job.write_text(f'seeds = ["http://127.0.0.1:9/"]\nstore = "{store}"\n')
    holder = start_holder(store / "state" / "crawl.lock")
    try:
        proc = subprocess.run([sys.executable, "-m", "crawler.schedule", "run", str(job)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 4, proc.stderr
    assert "is busy: another crawl is writing to it" in proc.stderr
    runs = list_history(store)
    assert [(r["status"], r["exit_code"]) for r in runs] == [("skipped", 4)]
