"""The ``news`` spider as a scrapy-redis worker.

* Seeds come from the job's start-URL list (scrapy-redis ``RedisMixin``; JSON items
  ``{"url": ..., "meta": {...}}``) -- read by ``start()`` (Scrapy 2.13+ no longer
  calls ``start_requests()``) and whenever the worker is idle.
* The scope (registered domains of the seeds) is shared through Redis: a worker
  started without seeds learns the domains as seeds are enqueued.
* ``spider_idle`` implements the distributed end of the crawl (see
  :meth:`Coordinator.crawl_done`).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, AsyncIterator, Iterator

import scrapy
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.spiders import RedisMixin

from crawler.discovery.scope import Scope, normalize_host
from crawler.discovery.spider import PRIO_SEED, NewsSpider
from crawler.discovery.urls import canonicalize_url, is_http_url
from crawler.distributed.coordinator import Coordinator

logger = logging.getLogger(__name__)


class LiveScope(Scope):
    """A :class:`Scope` whose domains are the crawl's domain set in Redis (re-read when
    a host is off-site, at most every ``refresh`` seconds).  Unlike a plain Scope an
    empty domain set means *nothing* is in scope, never everything."""

    def __init__(self, rules: Any, coord: Coordinator, static: set[str], on_change: Any = None,
                 refresh: float = 0.5):
        super().__init__(rules)
        self.coord = coord
        self.static = set(static)
        self.on_change = on_change
        self.refresh_every = refresh
        self._last = 0.0
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> bool:
        now = time.monotonic()
        if not force and now - self._last < self.refresh_every:
            return False
        self._last = now
        domains = self.static | self.coord.domains()
        new = frozenset(normalize_host(d).lstrip(".") for d in domains if d)
        if new == self._domains:
            return False
        self._domains = new
        if self.on_change:
            self.on_change(sorted(domains))
        return True

    def _on_site(self, host: str) -> bool:
        if self._domains and super()._on_site(host):
            return True
        if self.refresh():
            return bool(self._domains) and super()._on_site(host)
        return False


def _flush_before_sharing(dedup: Any, crawler: Any) -> None:
    """Other workers trust the shared dedup index at once (a revisit record points at
    the first capture): flush the WARC before a capture is announced there, so that a
    SIGKILL cannot leave the index pointing at bytes that never reached the file."""
    from crawler.distributed.scheduler import flush_archive

    original = dedup.remember_payload

    def remember_payload(*args: Any, **kwargs: Any) -> Any:
        flush_archive(crawler)
        return original(*args, **kwargs)

    dedup.remember_payload = remember_payload


def _skip_lookup_of_known_urls(dedup: Any, crawler: Any) -> None:
    """A link this worker already knows is in the shared dupefilter is dropped by the
    scheduler whatever the incremental decision: skip that Redis lookup."""
    from crawler.distributed.dupefilter import local_seen_urls

    seen = local_seen_urls(crawler)
    original = dedup.fetch_decision

    def fetch_decision(url: str) -> Any:
        if url in seen:
            return "fetch", None
        return original(url)

    dedup.fetch_decision = fetch_decision


class DistributedNewsSpider(RedisMixin, NewsSpider):
    name = "news"

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> DistributedNewsSpider:
        from crawler.distributed.context import install_context

        install_context(crawler)  # before NewsSpider reaches RunContext.of()
        kwargs.setdefault("seeds", None)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.setup_redis(crawler)
        return spider

    def _configure(self, settings: Any) -> None:
        super()._configure(settings)
        self.coord = Coordinator.of(self.crawler)
        self.scope = LiveScope(self.scope.rules, self.coord, set(self.allowed_domains),
                               on_change=self._domains_changed)
        if self.dedup is not None:
            _flush_before_sharing(self.dedup, self.crawler)
            _skip_lookup_of_known_urls(self.dedup, self.crawler)

    def _domains_changed(self, domains: list[str]) -> None:
        # Scrapy's offsite middleware re-reads allowed_domains when it changes.
        self.allowed_domains = domains

    # -- start URLs (scrapy-redis) ----------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        for req in self.next_requests():
            yield req

    def start_requests(self) -> Iterator[Any]:  # pragma: no cover - Scrapy < 2.13 only
        return self.next_requests()

    def pop_list_queue(self, redis_key: str, batch_size: int) -> list[bytes]:
        return self.coord.pop_start_items(batch_size)

    def make_request_from_data(self, data: bytes) -> list[scrapy.Request]:
        try:
            item = json.loads(data)
        except ValueError:
            item = {"url": data.decode("utf-8", "replace").strip()}  # a bare URL string
        if not isinstance(item, dict) or not item.get("url"):
            logger.warning("start-URL item without url: %r", data[:200])
            return []
        url = item["url"]
        if "://" not in url:
            url = "http://" + url
        if not is_http_url(url):
            logger.warning("ignored invalid seed %s", url)
            return []
        url = canonicalize_url(url)
        meta = {"seed": url, "hops": "", "source": "seed", "link_depth": 0, **(item.get("meta") or {})}
        reqs = [scrapy.Request(url, callback=self.parse, errback=self.on_error, priority=PRIO_SEED,
                               meta=meta)]
        if url not in self.seeds:
            self.seeds.append(url)
        self.scope.refresh(force=True)
        if not self.obey_robots:
            reqs += list(self._bootstrap_host(url, sitemaps=None))
        return reqs

    # -- end of the crawl ----------------------------------------------------------------
    def spider_idle(self) -> None:
        if self.coord.pending_start_items():
            self.schedule_next_requests()
            raise DontCloseSpider
        self.coord.set_idle(True)
        if self.coord.crawl_done():
            return  # the engine closes the spider ("finished")
        raise DontCloseSpider
