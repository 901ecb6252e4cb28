"""Conditional requests follow redirects (issue 16, point 5).

Scrapy's RedirectMiddleware builds the request for a redirect target as a copy of the
original, with the original's headers: on a recrawl, ``/old-url/`` (fetched in full: its
last capture was a 301) leads to an article whose validators are in the index, and the
target was requested without them (or with the old URL's).  This downloader middleware
gives every redirect target of a page request the decision the spider makes for a
link (see :meth:`crawler.dedup.service.Dedup.fetch_decision`): its own
``If-None-Match`` / ``If-Modified-Since`` when it is to be re-checked, none when it is to
be fetched in full, and no fetch at all when it was archived and is not to be re-checked.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest, NotConfigured

VALIDATORS = (b"If-None-Match", b"If-Modified-Since")


class AlreadyArchived(IgnoreRequest):
    """A redirect target that an earlier run archived and that is not to be re-checked."""


class ConditionalRedirects:
    def __init__(self, crawler: Any):
        if not crawler.settings.getbool("DEDUP_ENABLED", True):
            raise NotConfigured
        self.crawler = crawler
        self._dedup: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ConditionalRedirects:
        return cls(crawler)

    def _index(self) -> Any:
        if self._dedup is None:
            from crawler.dedup.service import Dedup

            self._dedup = Dedup.of(self.crawler)
        return self._dedup

    def process_request(self, request: Any) -> None:
        if not request.meta.get("redirect_urls") or getattr(request.callback, "__name__", None) != "parse":
            return None  # not a redirect target, or a sitemap/feed/robots.txt: always in full
        decision, state = self._index().fetch_decision(request.url)
        for name in VALIDATORS:  # the original URL's validators do not describe this one
            request.headers.pop(name, None)
        request.meta.pop("conditional", None)
        stats = self.crawler.stats
        if decision == "skip":
            stats.inc_value("incremental/skipped_archived")
            stats.inc_value("incremental/skipped_archived_redirect_targets")
            raise AlreadyArchived(f"{request.url} was archived and is not to be re-checked")
        if decision == "conditional" and state is not None and (state.etag or state.last_modified):
            if state.etag:
                request.headers[b"If-None-Match"] = state.etag
            if state.last_modified:
                request.headers[b"If-Modified-Since"] = state.last_modified
            request.meta["conditional"] = True
            stats.inc_value("incremental/conditional_requests")
            stats.inc_value("incremental/conditional_redirect_targets")
        return None
