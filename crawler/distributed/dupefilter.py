"""scrapy-redis request dupefilter with a local memory of fingerprints already in Redis.

News pages repeat the same navigation links on every page; each would cost a Redis
round trip (SADD).  A fingerprint this worker has once added or found in the shared
set stays there for the whole crawl, so the worker can answer "seen" locally the next
time; only new fingerprints go to Redis.  The memory is bounded (cleared when it holds
``CRAWLER_DUPEFILTER_LOCAL_MAX`` fingerprints: that only costs round trips again).
"""

from __future__ import annotations

from typing import Any

from scrapy_redis.dupefilter import RFPDupeFilter

_SEEN_ATTR = "_newsarchiver_seen_urls"


def local_seen_urls(crawler: Any) -> set[str]:
    """URLs (GET, no body) this worker knows are in the shared dupefilter."""
    seen = getattr(crawler, _SEEN_ATTR, None)
    if seen is None:
        seen = set()
        setattr(crawler, _SEEN_ATTR, seen)
    return seen


class CachedRFPDupeFilter(RFPDupeFilter):
    max_local = 1_000_000

    @classmethod
    def from_spider(cls, spider: Any) -> CachedRFPDupeFilter:
        df = super().from_spider(spider)
        df.local: set[str] = set()
        df.urls = local_seen_urls(spider.crawler)
        df.max_local = spider.crawler.settings.getint("CRAWLER_DUPEFILTER_LOCAL_MAX", cls.max_local)
        return df

    def request_seen(self, request: Any) -> bool:
        fp = self.request_fingerprint(request)
        if fp in self.local:
            return True
        added = self.server.sadd(self.key, fp)
        if len(self.local) >= self.max_local:
            self.local.clear()
            self.urls.clear()
        self.local.add(fp)
        if request.method == "GET" and not request.body:
            self.urls.add(request.url)
        return added == 0
