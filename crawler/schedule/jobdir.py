"""Scrapy's ``JOBDIR`` made safe for resuming: one crawl per job folder, and a folder left
by a crawl that did not stop gracefully is reset instead of trusted.

``JOBDIR`` keeps the frontier (a disk queue) and the fingerprints of every request ever
scheduled (``requests.seen``).  Scrapy writes the queue's state only when the crawl closes,
so after a ``kill -9`` or a power loss the fingerprints of requests that were queued but
never fetched are on disk while the queue that held them is not: a resume would drop those
URLs as duplicates and never fetch them.  :class:`JobDirGuard` marks the folder while a
crawl runs; a marker found at start (its crawl is gone: it held the folder's lock) means
the last stop was not graceful, and ``requests.seen`` and ``requests.queue`` are moved to
``reset-<UTC time>/`` in the folder (nothing is deleted).  The crawl then rediscovers its
frontier from the seeds, sitemaps and feeds, and the dedup index skips the articles that
are done — the same recovery as without ``JOBDIR``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.schedule.lock import JobLock, JobLockedError

logger = logging.getLogger(__name__)

LOCK_FILE = ".crawler.lock"
MARKER_FILE = ".crawler-running.json"
STATE_NAMES = ("requests.seen", "requests.queue")
#: what Scrapy's scheduler writes at a graceful close (its disk queues' state)
QUEUE_STATE = "requests.queue/active.json"


class JobDirInUse(ValueError):
    """Another live crawl uses this JOBDIR."""


def job_lock(jobdir: str | os.PathLike[str]) -> JobLock:
    path = Path(jobdir)
    path.mkdir(parents=True, exist_ok=True)
    return JobLock(path / LOCK_FILE, name=f"JOBDIR {path}")


def check_job_dir(jobdir: str | os.PathLike[str]) -> None:
    """Raise :class:`JobDirInUse` when a live crawl holds ``jobdir`` (before starting one)."""
    lock = job_lock(jobdir)
    if lock.is_locked():
        holder = lock.holder() or {}
        raise JobDirInUse(f"JOBDIR {jobdir} is in use by another crawl (pid {holder.get('pid', '?')})")


def reset_if_unclean(jobdir: Path) -> Path | None:
    """Move a crashed crawl's frontier state aside (see the module doc); returns where."""
    marker = jobdir / MARKER_FILE
    if not marker.exists():
        return None
    present = [jobdir / n for n in STATE_NAMES if (jobdir / n).exists()]
    dest = None
    if present:
        dest = jobdir / f"reset-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}"
        dest.mkdir(exist_ok=True)
        for p in present:
            shutil.move(str(p), str(dest / p.name))
    try:
        info = json.loads(marker.read_text())
    except (OSError, ValueError):
        info = {}
    logger.warning(
        "JOBDIR %s was left by a crawl that did not stop gracefully (crawl %s, pid %s): its queue "
        "state is incomplete, so it was moved to %s and the frontier is rediscovered from the seeds",
        jobdir, info.get("crawl_id", "?"), info.get("pid", "?"), dest or "(nothing to move)")
    marker.unlink()
    return dest


class JobDirGuard:
    """Extension: lock ``JOBDIR``, reset it after an unclean stop, mark it while running."""

    def __init__(self, crawler: Any, jobdir: Path):
        self.crawler = crawler
        self.jobdir = jobdir
        self.lock = job_lock(jobdir)
        if not self.lock.acquire():
            holder = self.lock.holder() or {}
            raise JobLockedError(f"JOBDIR {jobdir}", holder)
        try:
            self.reset_to = reset_if_unclean(jobdir)
            (jobdir / MARKER_FILE).write_text(json.dumps({
                "pid": os.getpid(), "crawl_id": crawler.settings.get("CRAWLER_CRAWL_ID"),
                "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }))
        except BaseException:
            self.lock.release()
            raise
        if self.reset_to is not None:
            crawler.stats.set_value("jobdir/reset", 1)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Any) -> JobDirGuard:
        jobdir = crawler.settings.get("JOBDIR")
        if not jobdir:
            raise NotConfigured
        return cls(crawler, Path(jobdir))

    def spider_opened(self, spider: Any) -> None:
        # The scheduler has read the queue's state by now. Scrapy never deletes that file, so
        # an old one would vouch for a queue that a failed close did not save: remove it, so
        # that only a state written by this crawl's close counts (see spider_closed).
        (self.jobdir / QUEUE_STATE).unlink(missing_ok=True)

    def spider_closed(self, spider: Any, reason: str) -> None:
        # The scheduler has closed by now. Its disk queue is consistent only if it wrote the
        # queue's state (Scrapy logs a "Scheduler close failure" and goes on otherwise);
        # without a disk queue (e.g. the scrapy-redis scheduler) nothing here can be stale.
        queue = self.jobdir / "requests.queue"
        if not queue.exists() or (self.jobdir / QUEUE_STATE).exists():
            (self.jobdir / MARKER_FILE).unlink(missing_ok=True)
        else:
            logger.warning("JOBDIR %s: the scheduler did not save its queue; the next crawl will "
                           "rediscover the frontier", self.jobdir)
        self.lock.release()

    def engine_stopped(self) -> None:
        self.lock.release()  # also when the crawl failed before spider_closed
