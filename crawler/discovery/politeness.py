"""Per-host politeness beyond Scrapy's defaults.

* robots.txt ``Crawl-delay`` becomes a per-host delay floor (capped by
  ``CRAWLER_MAX_CRAWL_DELAY``), kept in the downloader's per-slot settings so it
  applies to slots created later too.
* 429 and 503 responses back the host off: ``Retry-After`` (seconds or HTTP date,
  capped by ``CRAWLER_MAX_RETRY_AFTER``; 5 s when absent) becomes the host's current
  delay and the request is retried (at most ``RETRY_TIMES``).
* :class:`PoliteAutoThrottle` is AutoThrottle that never goes below those floors.
"""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import signals
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.extensions.throttle import AutoThrottle
from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)


def parse_retry_after(value: bytes | str | None, now: float | None = None) -> float | None:
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - (now or time.time()))


def _floor_of(crawler: Any, key: str) -> float:
    per_slot = crawler.engine.downloader.per_slot_settings
    return float(per_slot.get(key, {}).get("delay", 0.0))


def set_host_delay(crawler: Any, key: str, delay: float) -> None:
    downloader = crawler.engine.downloader
    downloader.per_slot_settings.setdefault(key, {})["delay"] = delay
    slot = downloader.slots.get(key)
    if slot is not None and slot.delay < delay:
        slot.delay = delay


class PolitenessMiddleware:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        s = crawler.settings
        self.user_agent = s.get("USER_AGENT") or "*"
        self.max_crawl_delay = s.getfloat("CRAWLER_MAX_CRAWL_DELAY", 30.0)
        self.max_retry_after = s.getfloat("CRAWLER_MAX_RETRY_AFTER", 120.0)
        self.backoff_codes = {429, 503}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> PolitenessMiddleware:
        return cls(crawler)

    def robots_parsed(self, robotparser: Any, request: Any) -> None:
        try:
            delay = robotparser.crawl_delay(self.user_agent)
        except Exception:  # a parser backend without crawl-delay support
            delay = None
        if delay:
            key = urlparse_cached(request).hostname or ""
            delay = min(float(delay), self.max_crawl_delay)
            set_host_delay(self.crawler, key, delay)
            self.crawler.stats.set_value(f"politeness/crawl_delay/{key}", delay)
            logger.info("robots.txt of %s asks Crawl-delay %.1fs", key, delay)

    def process_response(self, request: Any, response: Any) -> Any:
        if response.status not in self.backoff_codes:
            return response
        key = request.meta.get("download_slot") or urlparse_cached(request).hostname or ""
        wait = parse_retry_after(response.headers.get(b"Retry-After"))
        wait = min(wait if wait is not None else 5.0, self.max_retry_after)
        slot = self.crawler.engine.downloader.slots.get(key)
        if slot is not None:
            # Temporary: AutoThrottle brings it back down (never below the floor).
            slot.delay = max(slot.delay, wait)
        self.crawler.stats.inc_value(f"politeness/backoff/{response.status}")
        retry = get_retry_request(request, spider=self.crawler.spider,
                                  reason=f"{response.status} (Retry-After {wait:.0f}s)")
        logger.info("%s answered %d, backing off %.0fs", key, response.status, wait)
        return retry or response


class PoliteAutoThrottle(AutoThrottle):
    def _adjust_delay(self, slot: Any, latency: float, response: Any) -> None:
        super()._adjust_delay(slot, latency, response)
        key = urlparse_cached(response).hostname or ""
        floor = _floor_of(self.crawler, key)
        if slot.delay < floor:
            slot.delay = floor
