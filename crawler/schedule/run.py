"""Run one job once: ``crawler run JOB`` (for cron, systemd timers, Kubernetes CronJobs, Airflow).

Design: the crawl runs in a **subprocess** (``python -m crawler crawl ... --crawl-id ID
-s NAME=JSON ...``) supervised by this process, which

1. takes the job lock (``state/locks/<job>.lock``) -- if another process holds it, it
   logs ``job X is already running (pid N)``, records a ``skipped`` history line and
   returns :data:`EXIT_LOCKED` (4) without crawling;
2. records the ``started`` history line, starts the crawl and hands it the locked file
   descriptor (the lock then stays held for as long as the crawl lives, even if this
   supervisor is killed);
3. forwards SIGTERM/SIGINT to the crawl (Scrapy stops gracefully on the first signal,
   finishes in-flight work and writes its manifest; a second signal forces it);
4. records the ``finished`` history line (status, exit code, stats from the manifest)
   even when the crawl crashed or was killed, and returns the crawl's exit code.

Why a subprocess: Twisted's reactor cannot restart, a crashing or OOM-killed crawl
cannot take its own history record down with it, and the supervisor stays small.
The crawl runs in its own session (process group), so a terminal Ctrl-C reaches it
once, through the supervisor -- never twice (which would force an unclean stop).

Exit codes: those of ``crawler crawl`` (0 finished, 1 crawl failed or stopped,
2 bad usage / invalid job, 3 store not writable, 4 store busy, 5 nothing archived -- recorded
as ``failed``, 6 finished with files pending upload -- recorded as ``pending_upload``) plus
4 = the job is already running; a crawl killed by signal N gives 128 + N (:mod:`crawler.exitcodes`).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from crawler.clierror import cli_error
from crawler.exitcodes import (EXIT_BUSY, EXIT_FAILED as EXIT_CRAWL_FAILED, EXIT_OK, EXIT_PENDING_UPLOAD,
                               EXIT_STORE, EXIT_USAGE)
from crawler.schedule.history import record_finish, record_skipped, record_start, summarize_manifest
from crawler.schedule.jobs import Job
from crawler.schedule.lock import JobLock

logger = logging.getLogger("crawler.schedule")

#: ``crawler run``: the job is already running (lock held by another process).
EXIT_LOCKED = EXIT_BUSY


def crawl_command(job: Job, crawl_id: str | None = None, verbose: int = 0,
                  extra_overrides: dict[str, Any] | None = None) -> list[str]:
    """The ``python -m crawler crawl ...`` command line equivalent to the job."""
    overrides = job.to_overrides()
    overrides.update(extra_overrides or {})
    store = overrides.pop("CRAWLER_STORE")
    cmd = [sys.executable, "-m", "crawler", "crawl", *job.seeds]
    sf = job.seeds_file_path()
    if sf is not None:
        cmd += ["--seeds-file", str(sf)]
    cmd += ["--store", str(store)]
    if crawl_id:
        cmd += ["--crawl-id", crawl_id]
    for key, value in overrides.items():
        cmd += ["-s", f"{key}={json.dumps(value)}"]
    if verbose:
        cmd.append("-" + "v" * verbose)
    return cmd


def child_env() -> dict[str, str]:
    """Environment for the subprocesses: unbuffered output, and this checkout's package
    importable whatever the working directory (``python -m crawler`` must find the same code)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    root = str(Path(__file__).resolve().parents[2])
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in parts:
        env["PYTHONPATH"] = os.pathsep.join([root, *parts])
    return env


def _read_manifest(store: Any, crawl_id: str) -> dict[str, Any] | None:
    from crawler.storage import layout

    key = layout.manifest_key(crawl_id)
    try:
        if not store.exists(key):
            return None
        with store.open_read(key) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def run_job(job: Job, verbose: int = 0, *, crawl_id: str | None = None,
            extra_overrides: dict[str, Any] | None = None) -> int:
    """Run ``job`` once under its lock (crawl in a subprocess); returns the exit code."""
    from crawler.context import new_crawl_id
    from crawler.storage import StoreError, open_store

    try:
        store = open_store(job.store)
        store.check_writable()
        state_dir = store.state_dir()
    except StoreError as exc:
        logger.error("job %s: %s", job.name, exc)
        return EXIT_STORE

    lock = JobLock.for_job(job.name, state_dir)
    if not lock.acquire(blocking=False):
        holder = lock.holder() or {}
        extra = f", crawl pid {holder['crawl_pid']}" if holder.get("crawl_pid") else ""
        logger.warning("job %s is already running (pid %s%s)", job.name, holder.get("pid", "?"), extra)
        record_skipped(store, job.name, "already running", holder)
        return EXIT_LOCKED

    from crawler.crawlid import CrawlIdError, check_new_crawl_id

    # a job may fix its crawl id in [settings] (checked when the file is loaded): it must be new
    crawl_id = crawl_id or job.settings.get("CRAWLER_CRAWL_ID") or new_crawl_id()
    try:
        check_new_crawl_id(store, crawl_id)
    except CrawlIdError as exc:
        logger.error("job %s: %s", job.name, exc)
        lock.release()
        return EXIT_USAGE
    try:
        lock.update(crawl_id=crawl_id)
        cmd = crawl_command(job, crawl_id, verbose, extra_overrides)
        record_start(store, job.name, crawl_id, job_file=str(job.path) if job.path else None)
        logger.info("job %s: starting crawl %s", job.name, crawl_id)
        try:
            code, status = _supervise(cmd, lock)
        except OSError as exc:
            logger.error("job %s: cannot start the crawl: %s", job.name, exc)
            record_finish(store, job.name, crawl_id, status="failed", exit_code=EXIT_CRAWL_FAILED,
                          error=str(exc))
            return EXIT_CRAWL_FAILED
        manifest = _read_manifest(store, crawl_id)
        if manifest is not None and code >= 0 and status is None:
            status = manifest.get("status") or "failed"
            if code == EXIT_PENDING_UPLOAD and status == "finished":
                status = "pending_upload"  # finished; files wait for crawler upload --pending
            elif code != 0 and status == "finished":
                status = "failed"
        elif status is None and code == EXIT_BUSY:
            status = "skipped"  # another crawl (another job) is writing to the same store
        elif status is None:
            status = "failed"
        reason = {"error": manifest["reason"]} if manifest and manifest.get("reason") else {}
        record_finish(store, job.name, crawl_id, status=status, exit_code=code,
                      stats=summarize_manifest(manifest) if manifest else {}, **reason)
        logger.info("job %s: crawl %s %s (exit code %s)", job.name, crawl_id, status, code)
        return code
    finally:
        lock.release()


def _supervise(cmd: list[str], lock: JobLock) -> tuple[int, str | None]:
    """Run the crawl, forwarding SIGTERM/SIGINT; returns (exit code, forced status or None)."""
    proc: subprocess.Popen | None = None
    pending: list[int] = []

    def forward(signum: int, frame: Any) -> None:
        if proc is None:  # not started yet: pass it on as soon as it is
            pending.append(signum)
            return
        logger.warning("received %s: stopping crawl (pid %d) gracefully", signal.Signals(signum).name, proc.pid)
        try:
            proc.send_signal(signum)
        except ProcessLookupError:
            pass

    installed: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            installed[sig] = signal.signal(sig, forward)
    try:
        proc = subprocess.Popen(cmd, env=child_env(), pass_fds=(lock.fileno(),), start_new_session=True)
    except BaseException:
        for sig, old in installed.items():
            signal.signal(sig, old)
        raise
    lock.update(crawl_pid=proc.pid)
    for signum in pending:
        forward(signum, None)
    try:
        while True:
            try:
                rc = proc.wait()
                break
            except InterruptedError:  # pragma: no cover - PEP 475 retries anyway
                continue
    finally:
        for sig, old in installed.items():
            signal.signal(sig, old)
    if rc < 0:  # killed by a signal
        return 128 - rc, "killed"
    return rc, None


def run_job_file(path_or_name: str, verbose: int = 0, jobs_dir: Path | None = None) -> int:
    from crawler.schedule.jobs import JobError, load_job

    try:
        job = load_job(path_or_name, jobs_dir)
    except JobError as exc:
        return cli_error(exc, EXIT_USAGE)
    return run_job(job, verbose)


__all__ = ["run_job", "run_job_file", "crawl_command", "EXIT_LOCKED"]
