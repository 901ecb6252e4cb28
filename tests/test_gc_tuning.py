"""GcTuning: startup objects frozen and collector thresholds raised while the engine runs,
Python's own state back afterwards."""

from __future__ import annotations

import gc

from scrapy import signals
from scrapy.utils.test import get_crawler

from crawler.extensions import GcTuning


def test_thresholds_set_and_restored():
    before = gc.get_threshold()
    crawler = get_crawler(settings_dict={"CRAWLER_GC_THRESHOLDS": [12345, 11, 13]})
    tuning = GcTuning.from_crawler(crawler)  # noqa: F841 - signals hold weak references
    try:
        crawler.signals.send_catch_log(signals.engine_started)
        assert gc.get_threshold() == (12345, 11, 13)
        assert gc.get_freeze_count() > 1000  # the live objects of the process are frozen
    finally:
        crawler.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_empty_setting_keeps_the_defaults():
    before = gc.get_threshold()
    crawler = get_crawler(settings_dict={"CRAWLER_GC_THRESHOLDS": []})
    tuning = GcTuning.from_crawler(crawler)  # noqa: F841 - signals hold weak references
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
