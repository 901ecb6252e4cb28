"""``crawler run``, ``crawler schedule`` and ``crawler jobs``.

Wire into :mod:`crawler.cli` with :func:`register` (adds the three sub-commands) and
:data:`HANDLERS` (command name -> handler).  Until then the same commands work as
``python -m crawler.schedule run|schedule|jobs ...``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from crawler.cliargs import add_metrics_args, metrics_overrides
from crawler.clierror import cli_error

RUN_EPILOG = """examples:
  crawler run demo                          # settings/jobs/demo.toml, once
  crawler run /etc/newsarchiver/jobs/news.toml
  crawler run example-news --dry-run        # validate; print the resolved settings

Runs the job once, under its lock, and records it in <store>/state/runs.jsonl.
For cron, systemd timers, Kubernetes CronJobs, Airflow...

exit codes: 0 finished, 1 crawl failed or stopped, 2 invalid job / bad usage,
3 store not writable, 4 the job or its store is busy (nothing done), 5 nothing archived,
6 files pending upload (every code: README, "Exit codes")
"""

SCHEDULE_EPILOG = """examples:
  crawler schedule                  # every job in settings/jobs/ with a [schedule]
  crawler schedule demo example-news
  crawler schedule ./jobs/site.toml --stop-timeout 600

Runs in the foreground until SIGTERM / Ctrl-C: running crawls are then stopped
gracefully (manifest written) and the scheduler exits 0.  An invalid job file is
reported (every problem of every file) and skipped; the valid jobs run.  Exit 2
when no valid scheduled job is left.
"""

JOBS_EPILOG = """examples:
  crawler jobs
  crawler jobs --jobs-dir /etc/newsarchiver/jobs
"""


def _jobs_dir(args: argparse.Namespace) -> Path | None:
    return Path(args.jobs_dir) if getattr(args, "jobs_dir", None) else None


def register(subparsers: Any) -> None:
    """Add ``run``, ``schedule`` and ``jobs`` to an ``add_subparsers()`` object."""
    fmt = argparse.RawDescriptionHelpFormatter
    run = subparsers.add_parser("run", help="run a crawl job once (for cron / systemd / Kubernetes)",
                                description="Run a crawl job (settings/jobs/NAME.toml or a TOML path) once.",
                                epilog=RUN_EPILOG, formatter_class=fmt)
    run.add_argument("job", metavar="JOB", help="job name (settings/jobs/JOB.toml) or path to a job file")
    run.add_argument("--dry-run", action="store_true", help="validate the job, print the resolved settings, exit")
    run.add_argument("--jobs-dir", metavar="DIR", help="where job names are looked up (default settings/jobs)")
    run.add_argument("--no-resources", action="store_true",
                     help="do not fetch page resources (overrides the job's [resources] enabled)")
    run.add_argument("--browser", action="store_true",
                     help="render pages in headless Chromium (as the job key browser.enabled = true)")
    run.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    add_metrics_args(run)
    run.set_defaults(handler=cmd_run)

    sch = subparsers.add_parser("schedule", help="run jobs on their [schedule] (long-running)",
                                description="Start due jobs on their cron / interval schedule until stopped.",
                                epilog=SCHEDULE_EPILOG, formatter_class=fmt)
    sch.add_argument("jobs", nargs="*", metavar="JOB", help="job names or files (default: all scheduled jobs)")
    sch.add_argument("--jobs-dir", metavar="DIR", help="where job names are looked up (default settings/jobs)")
    sch.add_argument("--stop-timeout", type=float, default=300.0, metavar="S",
                     help="on SIGTERM, wait this long for running crawls before killing them (default 300)")
    sch.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    add_metrics_args(sch)
    sch.set_defaults(handler=cmd_schedule)

    jobs = subparsers.add_parser("jobs", help="list crawl jobs with their schedule and next run",
                                 description="List the job files, their schedule, last and next run.",
                                 epilog=JOBS_EPILOG, formatter_class=fmt)
    jobs.add_argument("--jobs-dir", metavar="DIR", help="folder of job files (default settings/jobs)")
    jobs.set_defaults(handler=cmd_jobs)


def _setup_logging(verbose: int) -> None:
    from crawler.schedule.scheduler import setup_logging

    setup_logging(verbose)


def cmd_run(args: argparse.Namespace) -> int:
    from crawler.schedule.jobs import JobError, load_job
    from crawler.schedule.run import EXIT_USAGE, crawl_command, run_job

    try:
        job = load_job(args.job, _jobs_dir(args))
        if getattr(args, "browser", False):
            job.browser.enabled = True
        if args.dry_run:
            seeds = job.seeds_list()
    except (JobError, OSError) as exc:
        return cli_error(exc, EXIT_USAGE)
    for warning in job.warnings:
        print(f"crawler: warning: {warning}", file=sys.stderr)
    if args.dry_run:
        from crawler.schedule.scheduler import next_run

        out = {
            "job": job.name,
            "file": str(job.path),
            "store": job.store,
            "seeds": seeds,
            "schedule": job.schedule.model_dump() if job.schedule else None,
            "next_run": (lambda d: d.isoformat() if d else None)(next_run(job)) if job.schedule else None,
            "settings": {**job.to_overrides(),
                         **({"CRAWLER_RESOURCES": False} if getattr(args, "no_resources", False) else {})},
            "command": crawl_command(job, "<crawl-id>", args.verbose)[1:],
        }
        print(json.dumps(out, indent=2, default=str))
        return 0
    _setup_logging(args.verbose)
    extra = metrics_overrides(args)
    if getattr(args, "no_resources", False):
        extra["CRAWLER_RESOURCES"] = False
    return run_job(job, args.verbose, extra_overrides=extra or None)


def cmd_schedule(args: argparse.Namespace) -> int:
    from crawler.schedule.scheduler import main_schedule

    return main_schedule(args.jobs, args.verbose, jobs_dir=_jobs_dir(args), stop_timeout=args.stop_timeout,
                         metrics_port=args.metrics_port, metrics_host=args.metrics_host)


def cmd_jobs(args: argparse.Namespace) -> int:
    from crawler.schedule.history import last_run
    from crawler.schedule.jobs import JOBS_DIR, JobError, list_job_files, load_job
    from crawler.schedule.scheduler import next_run

    jobs_dir = _jobs_dir(args) or JOBS_DIR
    if not jobs_dir.is_dir():
        return cli_error(f"--jobs-dir {jobs_dir}: no such folder", 2)
    files = list_job_files(jobs_dir)
    if not files:
        print(f"no job files in {jobs_dir}")
        return 0
    rows = [("JOB", "SCHEDULE", "NEXT RUN (UTC)", "LAST RUN", "STORE")]
    errors = 0
    for path in files:
        try:
            job = load_job(path)
        except JobError as exc:
            errors += 1
            rows.append((path.stem, "INVALID", "-", "-", str(exc).splitlines()[0]))
            continue
        sched = job.schedule.describe() if job.schedule else "(manual: crawler run)"
        nxt = "-"
        last = "-"
        try:
            run = last_run(job.store, job.name)
            if run:
                last = f"{(run.get('started') or '')[:19]}Z {run.get('status')}"
            now = datetime.now(timezone.utc)
            d = next_run(job, now)
            if d:
                nxt = "now" if d <= now else d.strftime("%Y-%m-%d %H:%M:%S")
        except Exception as exc:  # store not reachable: still list the job
            last = f"? ({exc})"
        rows.append((job.name, sched, nxt, last, job.store))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
    return 1 if errors else 0


#: Command name -> handler, for ``crawler.cli.main``.
HANDLERS = {"run": cmd_run, "schedule": cmd_schedule, "jobs": cmd_jobs}


def main(argv: list[str] | None = None) -> int:
    """``python -m crawler.schedule run|schedule|jobs ...`` (same as the ``crawler`` sub-commands)."""
    parser = argparse.ArgumentParser(prog="crawler", description="Crawl jobs: run, schedule, list.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    register(sub)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return args.handler(args)


__all__ = ["register", "HANDLERS", "cmd_run", "cmd_schedule", "cmd_jobs", "main"]
