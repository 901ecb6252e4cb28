"""JobDirGuard's decisions, driven through a real Scrapy crawler object (no crawl)."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from crawler.schedule.jobdir import MARKER_FILE, QUEUE_STATE, JobDirGuard
from crawler.schedule.lock import JobLockedError


def _guard(jobdir):
    return JobDirGuard.from_crawler(get_crawler(settings_dict={"JOBDIR": str(jobdir)}))


def _old_state(jobdir):
    (jobdir / "requests.queue").mkdir(parents=True)
    (jobdir / QUEUE_STATE).write_text("[]")  # written by an earlier graceful close
    (jobdir / "requests.seen").write_bytes(b"\x00\x14" + b"f" * 20)


def test_a_close_that_did_not_save_the_queue_is_not_trusted(tmp_path):
    jobdir = tmp_path / "job"
    _old_state(jobdir)
    g = _guard(jobdir)
    assert g.reset_to is None and (jobdir / MARKER_FILE).exists()
    g.spider_opened(None)
    assert not (jobdir / QUEUE_STATE).exists()  # the earlier close's state no longer vouches
    g.spider_closed(None, "shutdown")  # ... and this close wrote none (a scheduler close failure)
    assert (jobdir / MARKER_FILE).exists()
    g2 = _guard(jobdir)  # the lock was released: the next crawl starts, and resets
    assert g2.reset_to is not None and (g2.reset_to / "requests.seen").exists()
    assert not (jobdir / "requests.seen").exists()


def test_a_graceful_close_is_trusted_and_the_folder_is_exclusive(tmp_path):
    jobdir = tmp_path / "job"
    _old_state(jobdir)
    g = _guard(jobdir)
    with pytest.raises(JobLockedError):
        _guard(jobdir)  # a second crawl on the same folder
    g.spider_opened(None)
    (jobdir / QUEUE_STATE).write_text("[]")  # the scheduler's close saved the queue
    g.spider_closed(None, "finished")
    assert not (jobdir / MARKER_FILE).exists()
    g2 = _guard(jobdir)
    assert g2.reset_to is None and (jobdir / "requests.seen").exists()


def test_not_configured_without_jobdir():
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        JobDirGuard.from_crawler(get_crawler())
