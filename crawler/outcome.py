"""Did the crawl archive anything?  Seed outcomes and the "nothing fetched" verdict.

A crawl whose seeds all failed (refused by the SSRF guard, site down, DNS, HTTP
errors, robots.txt) or that fetched no page at all (robots.txt aside) has not done its
job: :class:`CrawlOutcome` (a Scrapy extension) says so, the run's manifest gets
``"status": "failed"``, ``"failure": "nothing_fetched"`` and a one-line ``"reason"``,
and ``crawler crawl`` / ``crawler run`` exit with
:data:`crawler.exitcodes.EXIT_NOTHING_FETCHED` (5).

Per-fetch failures of seeds are not logged as they happen (the verdict, or one warning
per failed seed at the end, says it once), and Scrapy's own per-request error lines
for network failures ("Gave up retrying", robots.txt download errors with their
tracebacks) are logged at INFO: the spider's one-line warning and the crawl log
(``logs/<crawl_id>.crawl.log``) already record every failed fetch.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals

from crawler.context import per_crawler

logger = logging.getLogger(__name__)

_ATTR = "_newsarchiver_outcome"
NOTHING_FETCHED = "nothing_fetched"


class CrawlOutcome:
    """Counts the pages fetched (robots.txt aside) and how each seed ended."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.pages = 0
        #: seed URL -> None (fetched) or the reason it failed; seeds never tried are absent
        self.seeds: dict[str, str | None] = {}
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        install_quiet_failures()

    @classmethod
    def of(cls, crawler: Any) -> CrawlOutcome:
        return per_crawler(crawler, _ATTR, cls)

    from_crawler = of

    def response_received(self, response: Any, request: Any, spider: Any = None) -> None:
        if urlsplit(request.url).path != "/robots.txt":
            self.pages += 1
        if request.meta.get("source") == "seed":
            seed = request.meta.get("seed") or request.url
            if response.status >= 400:
                self.seed_failed(seed, f"HTTP {response.status}")
            elif not 300 <= response.status < 400:  # a redirect is decided by its target
                self.seeds[seed] = None

    def seed_failed(self, seed: str, reason: str) -> None:
        if self.seeds.get(seed, "") is not None:  # a fetched seed stays fetched
            self.seeds[seed] = reason

    @property
    def failed_seeds(self) -> dict[str, str]:
        return {s: r for s, r in self.seeds.items() if r is not None}

    def verdict(self, all_seeds: list[str]) -> str | None:
        """The one-line reason this crawl counts as "nothing fetched", or None."""
        failed = self.failed_seeds
        if all_seeds and len(failed) >= len(set(all_seeds)) and not any(
                r is None for r in self.seeds.values()):
            seed, reason = next(iter(failed.items()))
            more = f" (and {len(failed) - 1} more seed(s))" if len(failed) > 1 else ""
            return f"every seed failed: {seed}: {reason}{more}"
        if self.pages == 0:
            return "no page was fetched" + (
                f" (seeds failed: {', '.join(f'{s}: {r}' for s, r in failed.items())})" if failed else "")
        return None

    def warn_failed_seeds(self) -> None:
        for seed, reason in self.failed_seeds.items():
            logger.warning("seed failed: %s: %s", seed, reason)


def failure_reason(failure: Any) -> str:
    """A short reason for a failed fetch (the error's message, else its type)."""
    value = getattr(failure, "value", failure)
    response = getattr(value, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    message = str(value).strip().rstrip(".")
    name = type(value).__name__
    return message if message else name


class _QuietFailures(logging.Filter):
    """Logs Scrapy's per-request network-failure errors at INFO, without traceback."""

    def __init__(self, prefixes: tuple[str, ...]):
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and isinstance(record.msg, str) \
                and record.msg.startswith(self.prefixes):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info, record.exc_text = None, None
            return logging.getLogger(record.name).isEnabledFor(logging.INFO)
        return True


_QUIET = {
    # every failed fetch gets one warning from the spider (or the seed verdict) and a crawl-log line
    "scrapy.downloadermiddlewares.retry": ("Gave up retrying",),
    # robots.txt of a host that cannot be reached: its pages fail too, and say so
    "scrapy.downloadermiddlewares.robotstxt": ("Error downloading",),
}


def install_quiet_failures() -> None:
    for name, prefixes in _QUIET.items():
        lg = logging.getLogger(name)
        if not any(isinstance(f, _QuietFailures) for f in lg.filters):
            lg.addFilter(_QuietFailures(prefixes))


__all__ = ["CrawlOutcome", "NOTHING_FETCHED", "failure_reason", "install_quiet_failures"]
