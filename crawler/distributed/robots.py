"""robots.txt once per host per crawl, shared by every worker through Redis.

Scrapy's :class:`~scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware` fetches a
host's robots.txt in every process that meets the host.  Here the first worker to meet
a host claims it (:meth:`Coordinator.claim_robots`), fetches it as usual -- so it is
archived once, by that worker -- and publishes status and body in the crawl's Redis
hash; the other workers wait for that entry and parse the same bytes, firing the same
``robots_parsed`` signal (robots Crawl-delay, Sitemap: lines) as if they had fetched
it.  A fetch that failed is shared as a failure (every worker then allows the host, as
Scrapy does after a failed robots.txt).  A claim held by a worker that died is taken
over once its heartbeat expires.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import defer, task

from crawler.discovery.robots import RobotsTxtMiddleware
from crawler.distributed.coordinator import Coordinator

logger = logging.getLogger(__name__)

#: the robots.txt middlewares a single crawl may use, replaced by the shared one
ROBOTS_MIDDLEWARES = ("scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware",
                      "crawler.discovery.robots.RobotsTxtMiddleware")
SHARED_ROBOTS_MIDDLEWARE = "crawler.distributed.robots.SharedRobotsTxtMiddleware"


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    poll = 0.05

    async def robot_parser(self, request: Request) -> Any:
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = defer.Deferred()
            await self._load(f"{url.scheme}://{netloc}/robots.txt", netloc, request)
        parser = self._parsers[netloc]
        if isinstance(parser, defer.Deferred):
            parser = await maybe_deferred_to_future(parser)
            if parser is None:  # a later waiter (see crawler.discovery.robots): read the stored parser
                stored = self._parsers.get(netloc)
                if stored is not None and not isinstance(stored, defer.Deferred):
                    return stored
        return parser

    async def _load(self, robots_url: str, netloc: str, request: Request) -> None:
        from twisted.internet import reactor

        coord = Coordinator.of(self.crawler)
        while True:
            entry = coord.shared_robots(netloc)
            if entry is not None:
                self._stats.inc_value("robotstxt/shared")
                if entry.get("error"):
                    self._robots_error(IgnoreRequest(entry["error"]), netloc)
                    return
                response = Response(robots_url, status=int(entry["status"]),
                                    body=base64.b64decode(entry["body"]))
                await self._parse_robots(response, netloc, request)
                return
            if coord.claim_robots(netloc):
                await self._fetch(robots_url, netloc, request, coord)
                return
            await maybe_deferred_to_future(task.deferLater(reactor, self.poll, lambda: None))

    async def _fetch(self, robots_url: str, netloc: str, request: Request, coord: Coordinator) -> None:
        req = Request(robots_url, priority=self.DOWNLOAD_PRIORITY, meta={"dont_obey_robotstxt": True},
                      callback=NO_CALLBACK)
        self._stats.inc_value("robotstxt/request_count")
        try:
            resp = await self.crawler.engine.download_async(req)
        except Exception as exc:  # noqa: BLE001 - shared as a failure, like Scrapy's own handling
            if not isinstance(exc, IgnoreRequest):
                logger.warning("robots.txt of %s could not be fetched: %s", netloc, exc)
            coord.share_robots(netloc, {"error": f"{type(exc).__name__}: {exc}"[:300]})
            self._robots_error(exc, netloc)
            return
        coord.share_robots(netloc, {"status": resp.status,
                                    "body": base64.b64encode(resp.body).decode("ascii")})
        await self._parse_robots(resp, netloc, request)
