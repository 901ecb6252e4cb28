"""The built-in scheduler: ``crawler schedule [JOB...]``.

A long-running process that computes each job's next due time (``cron`` in the job's
time zone via croniter, or ``every`` = fixed interval anchored on the last start) and
starts due jobs, each in its own subprocess: ``python -m crawler.schedule run <job
file>`` (the same code as ``crawler run``: job lock, run history, crawl in a further
subprocess).

Guarantees and policies:

* never two runs of one job at once: a job is not started while its previous
  subprocess is alive, nor while its lock is held by someone else (a manual
  ``crawler run``, another scheduler); the child also takes the lock itself;
* ``[schedule] missed`` -- when due times passed while the scheduler was down (seen in
  the run history at start) or while the job was still running (long runs):
  ``run_once`` (default) starts one catch-up run right away, ``skip`` waits for the next
  regular due time.  A job with ``every`` and no history runs at once; a ``cron`` job
  without history waits for its first cron time;
* SIGTERM / SIGINT: stop scheduling, forward SIGTERM to the running jobs (each crawl
  stops gracefully: in-flight work finishes, the manifest and history are written),
  wait up to ``stop_timeout`` seconds, then SIGKILL what is left (crawl process group
  first, then its supervisor); exit 0.  A second signal skips the wait.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from crawler.clierror import cli_error
from crawler.schedule.history import last_run, parse_time, state_dir_of
from crawler.schedule.jobs import Job, JobError, list_job_files, load_job
from crawler.schedule.lock import JobLock
from crawler.schedule.run import child_env

logger = logging.getLogger("crawler.schedule")

DEFAULT_STOP_TIMEOUT = 300.0


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _fmt(dt: datetime | None) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ") if dt else "-"


def _state_dir(job: Job) -> Path:
    return state_dir_of(job.store, create=False)


def last_start(job: Job) -> datetime | None:
    """Start time of the job's latest recorded run (from ``state/runs.jsonl``)."""
    try:
        run = last_run(job.store, job.name)
    except Exception:  # unreadable store: treat as never run
        return None
    return parse_time(run.get("started")) if run else None


def first_due(job: Job, now: datetime, last: datetime | None) -> tuple[datetime, bool]:
    """(next due time, whether runs were missed) for a scheduler starting at ``now``."""
    sch = job.schedule
    assert sch is not None
    if last is None:
        return (now if sch.every else sch.next_after(now)), False
    due = sch.next_after(last, anchor=last)
    if due > now:
        return due, False
    if sch.missed == "run_once":
        return now, True
    return sch.next_after(now, anchor=last), True


def next_run(job: Job, now: datetime | None = None) -> datetime | None:
    """When the scheduler would next start ``job`` (None without ``[schedule]``)."""
    if job.schedule is None:
        return None
    return first_due(job, now or _utcnow(), last_start(job))[0]


@dataclass
class _JobState:
    job: Job
    next_due: datetime
    anchor: datetime | None = None
    proc: subprocess.Popen | None = None
    missed: bool = False
    waiting_logged: bool = False
    runs: int = 0
    exit_codes: list[int] = field(default_factory=list)


class Scheduler:
    """Run ``jobs`` on their ``[schedule]`` until :meth:`stop` (or SIGTERM/SIGINT)."""

    def __init__(self, jobs: list[Job], *, verbose: int = 0, stop_timeout: float = DEFAULT_STOP_TIMEOUT,
                 poll_interval: float = 0.5, clock: Callable[[], datetime] = _utcnow):
        names: set[str] = set()
        for job in jobs:
            if job.schedule is None:
                raise ValueError(f"job {job.name} has no [schedule] section")
            if job.path is None:
                raise ValueError(f"job {job.name} was not loaded from a file (load it with load_job)")
            if job.name in names:
                raise ValueError(f"two jobs are named {job.name!r}")
            names.add(job.name)
        self.jobs = list(jobs)
        self.verbose = verbose
        self.stop_timeout = stop_timeout
        self.poll_interval = poll_interval
        self.clock = clock
        self._stop = threading.Event()
        self._force = threading.Event()
        self.states: list[_JobState] = []

    # -- control -----------------------------------------------------------------------
    def stop(self, force: bool = False) -> None:
        if self._stop.is_set() or force:
            self._force.set()
        self._stop.set()

    def _on_signal(self, signum: int, frame: object) -> None:
        name = signal.Signals(signum).name
        if self._stop.is_set():
            logger.warning("received %s again: killing running jobs now", name)
        else:
            logger.info("received %s: stopping (running jobs finish gracefully)", name)
        self.stop()

    # -- main loop -----------------------------------------------------------------------
    def run(self) -> int:
        installed = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                installed[sig] = signal.signal(sig, self._on_signal)
        try:
            self._init_states()
            while not self._stop.is_set():
                self._tick()
                self._sleep()
            self._shutdown()
        finally:
            for sig, old in installed.items():
                signal.signal(sig, old)
        logger.info("scheduler stopped")
        return 0

    def _init_states(self) -> None:
        now = self.clock()
        for job in self.jobs:
            last = last_start(job)
            due, missed = first_due(job, now, last)
            st = _JobState(job, due, anchor=last)
            if missed:
                policy = job.schedule.missed  # type: ignore[union-attr]
                logger.info("job %s: missed run(s) since the last start %s; missed=%s -> %s", job.name,
                            _fmt(last), policy, "running now" if policy == "run_once" else f"next at {_fmt(due)}")
            logger.info("job %s: %s, next run %s", job.name, job.schedule.describe(),  # type: ignore[union-attr]
                        "now" if due <= now else _fmt(due))
            self.states.append(st)

    def _tick(self) -> None:
        now = self.clock()
        for st in self.states:
            if st.proc is not None and st.proc.poll() is not None:
                self._reaped(st)
            if now < st.next_due or self._stop.is_set():
                continue
            sch = st.job.schedule
            assert sch is not None
            if st.proc is not None:
                if not st.missed:
                    logger.info("job %s: due at %s but still running (pid %d); missed=%s",
                                st.job.name, _fmt(st.next_due), st.proc.pid, sch.missed)
                st.missed = True
                continue
            holder = self._held_elsewhere(st.job)
            if holder is not None:
                if not st.waiting_logged:
                    logger.info("job %s: due but already running elsewhere (pid %s); waiting",
                                st.job.name, holder.get("pid", "?"))
                    st.waiting_logged = True
                st.missed = True
                continue
            st.waiting_logged = False
            if st.missed and sch.missed == "skip":
                st.missed = False
                st.next_due = sch.next_after(now, anchor=st.anchor or now)
                logger.info("job %s: skipping the missed run; next run %s", st.job.name, _fmt(st.next_due))
                continue
            self._start(st, now)

    def _held_elsewhere(self, job: Job) -> dict | None:
        try:
            lock = JobLock.for_job(job.name, _state_dir(job))
            return lock.holder()
        except Exception as exc:  # store problem: let the child report it
            logger.debug("lock probe for %s failed: %s", job.name, exc)
            return None

    def _start(self, st: _JobState, now: datetime) -> None:
        cmd = [sys.executable, "-m", "crawler.schedule", "run", str(st.job.path)]
        if self.verbose:
            cmd.append("-" + "v" * self.verbose)
        try:
            st.proc = subprocess.Popen(cmd, start_new_session=True, env=child_env())
        except OSError as exc:
            logger.error("job %s: cannot start: %s", st.job.name, exc)
            st.proc = None
        else:
            logger.info("job %s: started run (pid %d)", st.job.name, st.proc.pid)
            st.runs += 1
        st.anchor = now
        st.missed = False
        st.next_due = st.job.schedule.next_after(now, anchor=now)  # type: ignore[union-attr]

    def _reaped(self, st: _JobState) -> None:
        assert st.proc is not None
        rc = st.proc.returncode
        st.exit_codes.append(rc)
        what = {0: "finished", 4: "skipped (already running)",
                6: "finished, files pending upload (crawler upload --pending)"}.get(
                    rc, f"ended with exit code {rc}")
        if self._stop.is_set():
            nxt = "none (stopping)"
        elif st.missed:
            nxt = "now (catch-up)" if st.job.schedule.missed == "run_once" else "next regular time (missed=skip)"  # type: ignore[union-attr]
        else:
            nxt = _fmt(st.next_due)
        logger.info("job %s: run (pid %d) %s; next run %s", st.job.name, st.proc.pid, what, nxt)
        st.proc = None

    def _sleep(self) -> None:
        now = self.clock()
        wait = self.poll_interval
        for st in self.states:
            if st.proc is None:
                wait = min(wait, max(0.0, (st.next_due - now).total_seconds()))
        self._stop.wait(max(wait, 0.05))

    # -- shutdown -------------------------------------------------------------------------
    def _running(self) -> list[_JobState]:
        return [st for st in self.states if st.proc is not None and st.proc.poll() is None]

    def _shutdown(self) -> None:
        running = self._running()
        for st in running:
            logger.info("job %s: sending SIGTERM to run (pid %d)", st.job.name, st.proc.pid)  # type: ignore[union-attr]
            try:
                st.proc.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + self.stop_timeout
        while self._running() and time.monotonic() < deadline and not self._force.is_set():
            self._force.wait(0.1)
        for st in self._running():
            self._kill(st)
        for st in self.states:
            if st.proc is not None:
                st.proc.wait()
                self._reaped(st)

    def _kill(self, st: _JobState) -> None:
        proc = st.proc
        assert proc is not None
        logger.warning("job %s: still running after the stop timeout: killing (pid %d)", st.job.name, proc.pid)
        holder = self._held_elsewhere(st.job) or {}
        crawl_pid = holder.get("crawl_pid")
        if crawl_pid and holder.get("pid") == proc.pid:
            try:
                os.killpg(int(crawl_pid), signal.SIGKILL)  # the crawl and its extraction workers
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(timeout=5)  # let the supervisor record the outcome
                return
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def load_scheduled_jobs(job_specs: list[str], jobs_dir: Path | None = None
                        ) -> tuple[list[Job], list[JobError]]:
    """(valid jobs, errors): the jobs named on the command line, or every job with a
    [schedule] in ``jobs_dir``.  An invalid file is an error in the list, never the end
    of the others: each bad file is reported and skipped, the valid jobs run."""
    jobs: list[Job] = []
    errors: list[JobError] = []
    if job_specs:
        for spec in job_specs:
            try:
                job = load_job(spec, jobs_dir)
            except JobError as exc:
                errors.append(exc)
                continue
            if job.schedule is None:
                errors.append(JobError(str(job.path), ["no [schedule] section: nothing to schedule "
                                                       "(use 'crawler run' for one-shot runs)"]))
                continue
            jobs.append(job)
    else:
        for path in list_job_files(jobs_dir):
            try:
                job = load_job(path)
            except JobError as exc:
                errors.append(exc)
                continue
            if job.schedule is not None:
                jobs.append(job)
    names: dict[str, Job] = {}
    unique: list[Job] = []
    for job in jobs:
        if job.name in names:
            errors.append(JobError(str(job.path), [f"a second job named {job.name!r} "
                                                   f"(first: {names[job.name].path}); skipped"]))
            continue
        names[job.name] = job
        unique.append(job)
    return unique, errors


def setup_logging(verbose: int = 0) -> None:
    root = logging.getLogger("crawler.schedule")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s scheduler %(levelname)s: %(message)s"))
        root.addHandler(handler)
        root.propagate = False
    root.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)


def main_schedule(job_specs: list[str], verbose: int = 0, *, jobs_dir: Path | None = None,
                  stop_timeout: float = DEFAULT_STOP_TIMEOUT, metrics_port: int | None = None,
                  metrics_host: str | None = None) -> int:
    """``crawler schedule [JOB...]``: run the scheduler in the foreground; 0 on a clean stop."""
    setup_logging(verbose)
    jobs, errors = load_scheduled_jobs(job_specs, jobs_dir)
    for exc in errors:
        print(f"crawler: error: {exc} (job skipped)", file=sys.stderr)
    for job in jobs:
        for warning in job.warnings:
            print(f"crawler: warning: {warning}", file=sys.stderr)
    if not jobs:
        print("crawler: error: no valid job with a [schedule] section"
              + (f" ({len(errors)} invalid job file(s) above)" if errors else " found"), file=sys.stderr)
        return 2
    try:
        scheduler = Scheduler(jobs, verbose=verbose, stop_timeout=stop_timeout)
    except ValueError as exc:
        return cli_error(exc, 2)
    server = None
    if metrics_port:
        from crawler.metrics.schedule import scheduler_registry
        from crawler.metrics.server import MetricsServer

        try:
            server = MetricsServer(scheduler_registry(scheduler), metrics_port, metrics_host or "127.0.0.1")
        except OSError as exc:
            print(f"crawler: error: cannot serve metrics on {metrics_host or '127.0.0.1'}:{metrics_port}: {exc}",
                  file=sys.stderr)
            return 2
        logger.info("metrics on %s", server.url)
    try:
        return scheduler.run()
    finally:
        if server is not None:
            server.close()


__all__ = ["Scheduler", "main_schedule", "next_run", "first_due", "load_scheduled_jobs", "last_start"]
