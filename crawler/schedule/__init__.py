"""Crawl jobs and scheduling.

* :mod:`crawler.schedule.jobs` -- job files (``settings/jobs/*.toml``), validation,
  ``Job.to_overrides()``;
* :mod:`crawler.schedule.lock` -- one run per job at a time (``flock``);
* :mod:`crawler.schedule.history` -- run history (``state/runs.jsonl``), ``list_history``;
* :mod:`crawler.schedule.run` -- ``run_job``: one run under the lock (``crawler run``);
* :mod:`crawler.schedule.scheduler` -- the long-running scheduler (``crawler schedule``);
* :mod:`crawler.schedule.cli` -- the sub-commands (``register(subparsers)``).

Names are imported lazily so that ``import crawler.schedule`` stays cheap.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "Job": "jobs", "JobError": "jobs", "load_job": "jobs", "list_job_files": "jobs",
    "JobLock": "lock", "JobLockedError": "lock",
    "list_history": "history",
    "run_job": "run", "EXIT_LOCKED": "run",
    "Scheduler": "scheduler", "main_schedule": "scheduler",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"crawler.schedule.{_EXPORTS[name]}"), name)
    raise AttributeError(name)
