"""The crawl frontier: order, fairness between hosts and exact budgets (issue 16).

``SCHEDULER = "crawler.discovery.frontier.FrontierScheduler"`` (the default):

* **Order.** Each host (``host[:port]``) has its own priority queue
  (:class:`HostQueues`: one Scrapy ``ScrapyPriorityQueue`` per host, one FIFO queue per
  priority inside it, ``FifoMemoryQueue`` in memory and ``PickleFifoDiskQueue`` in
  ``JOBDIR``).  Priorities come from :mod:`crawler.discovery.priorities`: higher
  first, FIFO among equals.
* **Fairness.** Hosts take turns: the next request comes from the host with the fewest
  fetches dispatched so far (ties: the one served least recently), among the hosts
  whose download slot has room (requests in flight < the slot's concurrency), so a
  large host never starves the others and the downloader never holds a queue of
  requests that a stop would still have to fetch.  Hosts whose fetches keep failing
  go last (:class:`FailureTracker`).
* **Budgets.** ``CRAWLER_MAX_PAGES`` (``--max-pages``) and
  ``CRAWLER_MAX_PAGES_PER_HOST`` count *fetches*: requests that reach the network,
  robots.txt, redirects and retries included (counted by :class:`FrontierMiddleware`
  just before the downloader).  A request is dispatched only if fetches done +
  requests in flight not yet fetched + the robots.txt fetch it may trigger fit in
  the budget, so the budget is exact, at shutdown too.  When it is spent the spider
  closes with reason ``max_pages`` (the queue is kept in ``JOBDIR``).
* **Better sightings.** A URL queued as a link and then listed in a sitemap or feed
  is re-queued at the better priority (:meth:`FrontierScheduler.upgrade`); the old
  copy is dropped when it comes up.

Stats (read by metrics/dashboards; documented in the README):
``frontier/fetched``, ``frontier/fetched/source/<robots|sitemap|feed|seed|listing|link|resource|other>``,
``frontier/fetched/status/<code|error>``, ``frontier/yield_per_100_fetches``,
``frontier/ended_by``, ``frontier/left_in_queue``, ``frontier/demoted``, ``frontier/upgraded``,
``frontier/dropped/host_budget``, ``frontier/refused_over_budget`` (see
:class:`FrontierMiddleware` and :meth:`FrontierScheduler.close`).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import weakref
from collections import Counter
from contextlib import suppress
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy.exceptions import IgnoreRequest
from scrapy.pqueues import ScrapyPriorityQueue, _path_safe
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from crawler.discovery.links import hash64
from crawler.discovery.priorities import PRIO_DEMOTED, PRIO_DISCOVERY, is_upgradable

logger = logging.getLogger(__name__)

_ATTR = "_newsarchiver_frontier"
#: request.meta key of a request re-queued at a better priority.
UPGRADED = "frontier_upgraded"
#: How a finished crawl says a limit ended it (``finish_reason`` and manifest status).
REASON_MAX_PAGES = "max_pages"
#: Under a global budget, how many turns a host may be ahead of the host furthest behind.
FAIR_SLACK = 2


def host_key(request: Request) -> str:
    """The frontier's host: ``host[:port]`` of the URL (lower case)."""
    return urlparse_cached(request).netloc.lower()


def pattern_key(url: str) -> str:
    """``host/first-segment/`` for URLs below a folder, ``host/`` for top-level files."""
    parts = urlsplit(url)
    path = parts.path or "/"
    segs = path.split("/")
    if len(segs) > 2:  # "/a/b" -> ["", "a", "b"]
        return f"{parts.netloc.lower()}/{segs[1]}/"
    return f"{parts.netloc.lower()}/"


def source_of(request: Request) -> str:
    src = request.meta.get("source")
    if src:
        return "sitemap" if src == "news-sitemap" else str(src)
    if request.meta.get("dont_obey_robotstxt") and urlparse_cached(request).path == "/robots.txt":
        return "robots"
    return "other"


class FailureTracker:
    """Counts outcomes per host and per path pattern; a key whose fetches keep failing
    (404/410/5xx, network errors, non-HTML where a page was expected) is *failing*:
    its requests are demoted (pattern) or its turns come last (host)."""

    def __init__(self, min_failures: int = 5, ratio: float = 4.0, host_min_failures: int = 10):
        self.min_failures = min_failures
        self.host_min_failures = host_min_failures
        self.ratio = ratio
        self.fails: Counter[str] = Counter()
        self.oks: Counter[str] = Counter()
        self.flagged: set[str] = set()

    def record(self, url: str, ok: bool) -> None:
        host = urlsplit(url).netloc.lower()
        for key in (host, pattern_key(url)):
            (self.oks if ok else self.fails)[key] += 1

    def _failing(self, key: str, minimum: int) -> bool:
        f = self.fails.get(key, 0)
        return f >= minimum and f >= self.ratio * self.oks.get(key, 0)

    def pattern_failing(self, url: str) -> bool:
        key = pattern_key(url)
        bad = self._failing(key, self.min_failures)
        if bad and key not in self.flagged:
            self.flagged.add(key)
            logger.info("fetches under %s keep failing: its other URLs go last", key)
        return bad

    def host_failing(self, host: str) -> bool:
        return self._failing(host, self.host_min_failures)


class FrontierState:
    """Per crawl (kept on the crawler): fetch counts, budgets, failures, host turns."""

    def __init__(self, crawler: Any):
        s = crawler.settings
        self.crawler = crawler
        self.max_pages = max(s.getint("CRAWLER_MAX_PAGES", 0), 0)
        self.host_budget = max(s.getint("CRAWLER_MAX_PAGES_PER_HOST", 0), 0)
        self.fetched = 0
        self.fetched_by_host: Counter[str] = Counter()
        #: dispatches (and reserved robots.txt fetches) per host: whose turn it is
        self.turns: Counter[str] = Counter()
        self.failures = FailureTracker(
            min_failures=s.getint("CRAWLER_FAILING_MIN", 5),
            host_min_failures=2 * s.getint("CRAWLER_FAILING_MIN", 5),
        )
        #: requests that went to the network (each counted once; redirects and retries
        #: are new Request objects, counted again)
        self.sent: weakref.WeakSet[Request] = weakref.WeakSet()
        #: True while a FrontierScheduler runs the crawl (it enforces the budgets)
        self.enforcing = False

    @classmethod
    def of(cls, crawler: Any) -> FrontierState:
        state = getattr(crawler, _ATTR, None)
        if state is None:
            state = cls(crawler)
            setattr(crawler, _ATTR, state)
        return state


class HostQueues:
    """``SCHEDULER_PRIORITY_QUEUE`` of the frontier: one ``ScrapyPriorityQueue`` per
    host (``JOBDIR``: a folder per host, as Scrapy's DownloaderAwarePriorityQueue) and a
    heap of hosts ordered by (failing, turns taken, last served)."""

    @classmethod
    def from_crawler(cls, crawler: Any, downstream_queue_cls: Any, key: str,
                     startprios: dict[str, Iterable[int]] | None = None, *,
                     start_queue_cls: Any = None) -> HostQueues:
        return cls(crawler, downstream_queue_cls, key, startprios)

    def __init__(self, crawler: Any, downstream_queue_cls: Any, key: str,
                 startprios: dict[str, Iterable[int]] | None = None):
        if startprios and not isinstance(startprios, dict):
            raise ValueError("the job folder's queue was written by another scheduler; "
                             "resume it with the same settings or start a new job folder")
        self.crawler = crawler
        self.state = FrontierState.of(crawler)
        self.downstream_queue_cls = downstream_queue_cls
        self.key = key
        self.pqueues: dict[str, ScrapyPriorityQueue] = {}
        self._heap: list[tuple[int, int, int, str]] = []
        self._entry: dict[str, tuple[int, int, int, str]] = {}
        self._seq = itertools.count()
        for host, prios in (startprios or {}).items():
            self.pqueues[host] = self._pqueue(host, prios)
            self._touch(host)

    def _pqueue(self, host: str, startprios: Iterable[int] = ()) -> ScrapyPriorityQueue:
        return ScrapyPriorityQueue(self.crawler, self.downstream_queue_cls,
                                   self.key + "/" + _path_safe(host) if self.key else "", startprios)

    def _touch(self, host: str) -> None:
        entry = (int(self.state.failures.host_failing(host)), self.state.turns[host], next(self._seq), host)
        self._entry[host] = entry
        heapq.heappush(self._heap, entry)

    def push(self, request: Request) -> None:
        host = host_key(request)
        q = self.pqueues.get(host)
        if q is None:
            q = self.pqueues[host] = self._pqueue(host)
            q.push(request)
            self._touch(host)
            return
        q.push(request)
        if host not in self._entry:
            self._touch(host)

    def pop(self, eligible: Any = None) -> Request | None:
        """The next request of the first host in turn that ``eligible(host)`` accepts."""
        skipped = []
        try:
            while self._heap:
                entry = heapq.heappop(self._heap)
                host = entry[3]
                if self._entry.get(host) is not entry:
                    continue  # outdated
                q = self.pqueues.get(host)
                if not q:
                    self._drop_host(host)
                    continue
                if (int(self.state.failures.host_failing(host)), self.state.turns[host]) != entry[:2]:
                    self._touch(host)  # its standing changed since it was queued
                    continue
                if eligible is not None and not eligible(host):
                    skipped.append(entry)
                    continue
                request = q.pop()
                if not q:
                    self._drop_host(host)
                else:
                    del self._entry[host]  # re-keyed by the caller's turn count, see touch()
                return request
            return None
        finally:
            for entry in skipped:
                heapq.heappush(self._heap, entry)

    def touch(self, host: str) -> None:
        """Put ``host`` back in turn after the caller counted its dispatch."""
        if host in self.pqueues and host not in self._entry:
            self._touch(host)

    def hosts(self) -> list[str]:
        return list(self.pqueues)

    def drain(self, host: str) -> int:
        """Drop every request of ``host``; returns how many."""
        q = self.pqueues.get(host)
        n = 0
        if q is not None:
            while q.pop() is not None:
                n += 1
            self._drop_host(host)
        return n

    def _drop_host(self, host: str) -> None:
        self._entry.pop(host, None)
        q = self.pqueues.pop(host, None)
        if q is not None:
            q.close()
            if self.key:
                with suppress(OSError):
                    Path(self.key, _path_safe(host)).rmdir()

    def close(self) -> dict[str, list[int]]:
        active = {host: q.close() for host, q in self.pqueues.items()}
        self.pqueues.clear()
        return {h: p for h, p in active.items() if p}

    def __len__(self) -> int:
        return sum(len(q) for q in self.pqueues.values()) if self.pqueues else 0


class _Snapshot:
    """What is in flight right now (computed once per ``next_request``): requests in
    the downloader per slot, those not yet sent to the network, robots.txt fetches
    still to come."""

    def __init__(self, sched: FrontierScheduler):
        crawler = sched.crawler
        state = sched.state
        downloader = crawler.engine.downloader
        self.downloader = downloader
        self.state = state
        self.inflight_by_slot: Counter[str] = Counter()
        self.unsent_by_host: Counter[str] = Counter()
        self.unsent = 0
        robots = sched.robots_parsers()
        self.robots = robots
        self.robots_reserved: set[str] = set()
        sent = state.sent
        # Requests in the downloader: from dispatch (the engine hands them over at once)
        # until their download ends -- robots.txt fetches included; not those whose
        # response is being parsed or extracted (they hold no connection).
        for req in list(downloader.active):
            self.inflight_by_slot[downloader.get_slot_key(req)] += 1
            if req in sent:
                continue
            host = host_key(req)
            self.unsent += 1
            self.unsent_by_host[host] += 1
            if robots is not None and host not in robots and not req.meta.get("dont_obey_robotstxt"):
                self.robots_reserved.add(host)
        self.used = state.fetched + self.unsent + len(self.robots_reserved)
        #: Under a global budget, the fewest turns among the hosts still at work (queued
        #: requests, or requests being fetched or parsed): no host may run ahead of it by
        #: more than FAIR_SLACK, so the budget is shared even when hosts have their own
        #: download slots and one of them has far more URLs ready than the others.
        self.floor: int | None = None
        if state.max_pages:
            working = set(sched.queued_hosts())
            engine_slot = getattr(crawler.engine, "_slot", None)
            for req in list(getattr(engine_slot, "inprogress", ()) or ()):
                working.add(host_key(req))
            failures = state.failures
            turns = [state.turns[h] for h in working if not failures.host_failing(h)]
            self.floor = min(turns) if turns else None

    def ahead(self, host: str) -> bool:
        """``host`` has had FAIR_SLACK more turns than the host furthest behind."""
        return self.floor is not None and self.state.turns[host] > self.floor + FAIR_SLACK

    def robots_cost(self, host: str) -> int:
        if self.robots is None or host in self.robots or host in self.robots_reserved:
            return 0
        return 1

    def slot_has_room(self, slot_key: str) -> bool:
        d = self.downloader
        slot = d.slots.get(slot_key)
        if slot is not None:
            concurrency = slot.concurrency
        else:
            concurrency = d.per_slot_settings.get(slot_key, {}).get(
                "concurrency", d.ip_concurrency or d.domain_concurrency)
        return self.inflight_by_slot[slot_key] < max(concurrency, 1)


class FrontierScheduler(Scheduler):
    """Scrapy's scheduler with :class:`HostQueues`, FIFO queues, exact budgets and
    priority upgrades (see the module docstring)."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> FrontierScheduler:
        sched: FrontierScheduler = super().from_crawler(crawler)
        sched.pqclass = HostQueues  # type: ignore[assignment]
        sched._smqclass = sched._sdqclass = None  # start requests ordered like the others
        sched.state = FrontierState.of(crawler)
        sched.state.enforcing = True
        sched._slot_of: dict[str, str] = {}
        #: queued link requests that a better sighting may replace: URL hash -> priority
        sched._upgradable: dict[int, int] = {}
        #: URL hash -> priority of the copy left in the queue after an upgrade
        sched._stale: dict[int, int] = {}
        sched._closing = False
        sched._robots_mw: Any = False
        return sched

    # -- enqueue ---------------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        host = host_key(request)
        budget = self.state.host_budget
        if budget and self.state.fetched_by_host[host] >= budget:
            self.stats.inc_value("frontier/dropped/host_budget")
            return False
        if not super().enqueue_request(request):
            return False
        if is_upgradable(request.priority) and not request.meta.get(UPGRADED):
            self._upgradable[hash64(request.url)] = request.priority
        return True

    def upgrade(self, request: Request) -> bool:
        """``request`` (a URL already queued) was seen again with a better priority: if
        its queued copy has not been dispatched yet and is worse, mark that copy stale
        and tell the caller to schedule ``request`` (``dont_filter``) instead."""
        key = hash64(request.url)
        old = self._upgradable.get(key)
        if old is None or old >= request.priority:
            return False
        del self._upgradable[key]
        self._stale[key] = old
        request.meta[UPGRADED] = True
        self.stats.inc_value("frontier/upgraded")
        return True

    # -- dispatch ----------------------------------------------------------------------
    def robots_parsers(self) -> dict[str, Any] | None:
        """The robots.txt middleware's per-host parsers (None: robots.txt not obeyed)."""
        if self._robots_mw is False:
            from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

            self._robots_mw = None
            for mw in self.crawler.engine.downloader.middleware.middlewares:
                if isinstance(mw, RobotsTxtMiddleware):
                    self._robots_mw = mw
        return None if self._robots_mw is None else self._robots_mw._parsers

    def queued_hosts(self) -> list[str]:
        hosts = self.mqs.hosts()
        if self.dqs is not None:
            hosts += self.dqs.hosts()
        return hosts

    def _slot_key(self, host: str, request: Request | None = None) -> str:
        slot = self._slot_of.get(host)
        if slot is None:
            slot = urlsplit("//" + host).hostname or host
            self._slot_of[host] = slot
        return slot

    def next_request(self) -> Request | None:
        if self._closing:
            return None
        state = self.state
        snap = _Snapshot(self)
        budget = state.max_pages
        host_budget = state.host_budget
        exhausted: list[str] = []
        relaxed = False

        def eligible(host: str) -> bool:
            if not snap.slot_has_room(self._slot_key(host)):
                return False
            if not relaxed and snap.ahead(host):
                return False
            cost = 1 + snap.robots_cost(host)
            if budget and snap.used + cost > budget:
                return False
            if host_budget:
                done = state.fetched_by_host[host]
                if done >= host_budget:
                    exhausted.append(host)
                    return False
                host_used = done + snap.unsent_by_host[host] + (1 if host in snap.robots_reserved else 0)
                if host_used + cost > host_budget:
                    return False
            return True

        while True:
            request, queues, where = None, None, ""
            for queues, where in ((self.mqs, "memory"), (self.dqs, "disk")):
                if queues is None:
                    continue
                request = queues.pop(eligible)
                for host in exhausted:
                    dropped = queues.drain(host)
                    if dropped:
                        self.stats.inc_value("frontier/dropped/host_budget", dropped)
                exhausted.clear()
                if request is not None:
                    break
            if request is None:
                if not len(self):
                    return None
                if budget and state.fetched >= budget:
                    self._end(REASON_MAX_PAGES)
                    return None
                if snap.downloader.active or getattr(getattr(self.crawler.engine, "_slot", None),
                                                     "inprogress", None):
                    return None  # what is in flight will make room
                if not relaxed:  # nothing in flight: the host behind cannot move; let the others
                    relaxed = True
                    continue
                if budget:  # the rest of the budget cannot be used (a new host needs its robots.txt too)
                    self._end(REASON_MAX_PAGES)
                return None
            host = host_key(request)
            key = hash64(request.url)
            if self._stale and not request.meta.get(UPGRADED) and self._stale.get(key) == request.priority:
                del self._stale[key]  # a better copy was queued: this one is dropped
                queues.touch(host)
                continue
            self._upgradable.pop(key, None)
            if (request.priority > PRIO_DEMOTED and request.priority < PRIO_DISCOVERY
                    and state.failures.pattern_failing(request.url)):
                queues.push(request.replace(priority=PRIO_DEMOTED))
                self.stats.inc_value("frontier/demoted")
                queues.touch(host)
                continue
            cost = 1 + snap.robots_cost(host)
            if cost > 1:
                snap.robots_reserved.add(host)
            snap.used += cost
            snap.unsent += 1
            snap.unsent_by_host[host] += 1
            snap.inflight_by_slot[self._slot_key(host)] += 1
            state.turns[host] += cost
            queues.touch(host)
            self.stats.inc_value(f"scheduler/dequeued/{where}")
            self.stats.inc_value("scheduler/dequeued")
            return request

    def _end(self, reason: str) -> None:
        if self._closing:
            return
        self._closing = True
        self.stats.set_value("frontier/ended_by", reason)
        logger.info("budget spent: %d fetches (--max-pages); stopping, %d requests left in the queue",
                       self.state.fetched, len(self))
        from scrapy.utils.defer import deferred_from_coro

        engine = self.crawler.engine
        deferred_from_coro(engine.close_spider_async(reason=reason))

    # -- close -------------------------------------------------------------------------
    def close(self, reason: str) -> Any:
        stats = self.stats
        left = len(self)
        if left:
            stats.set_value("frontier/left_in_queue", left)
        if reason == REASON_MAX_PAGES:
            stats.set_value("frontier/ended_by", REASON_MAX_PAGES)
        fetched = stats.get_value("frontier/fetched", 0) or 0
        articles = stats.get_value("articles/written", 0) or 0
        if fetched:
            stats.set_value("frontier/yield_per_100_fetches", round(100.0 * articles / fetched, 1))
        return super().close(reason)


class FrontierMiddleware:
    """Downloader middleware just before the network (order 990): counts each fetch
    once (``frontier/fetched...``), records outcomes for :class:`FailureTracker`, and
    refuses any request beyond ``--max-pages`` (a safety net: the scheduler never
    dispatches one)."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        self.state = FrontierState.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Any) -> FrontierMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        state = self.state
        if request in state.sent:
            return None
        if state.enforcing and state.max_pages and state.fetched >= state.max_pages:
            self.stats.inc_value("frontier/refused_over_budget")
            raise IgnoreRequest("--max-pages budget spent")
        state.sent.add(request)
        host = host_key(request)
        state.fetched += 1
        state.fetched_by_host[host] += 1
        self.stats.inc_value("frontier/fetched")
        self.stats.inc_value(f"frontier/fetched/source/{source_of(request)}")
        return None

    def process_response(self, request: Request, response: Any) -> Any:
        self.stats.inc_value(f"frontier/fetched/status/{response.status}")
        status = response.status
        src = source_of(request)
        if src in ("robots", "resource", "other"):
            return response
        if status in (404, 410) or status >= 500:
            self.state.failures.record(request.url, False)
        elif 200 <= status < 300 and src in ("link", "listing"):
            ctype = response.headers.get(b"Content-Type", b"").lower()
            self.state.failures.record(request.url, not ctype or b"html" in ctype or b"xml" in ctype)
        elif 200 <= status < 300 or status == 304:
            self.state.failures.record(request.url, True)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if request in self.state.sent and not isinstance(exception, IgnoreRequest):
            self.stats.inc_value("frontier/fetched/status/error")
            if source_of(request) not in ("robots", "resource", "other"):
                self.state.failures.record(request.url, False)
        return None
