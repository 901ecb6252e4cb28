"""robots.txt for every host a crawl fetches from, page resources on CDNs included.

Two fixes to Scrapy's ``RobotsTxtMiddleware`` (2.19), as downloader middlewares:

* :class:`RobotsTxtMiddleware`: requests to a host that arrive while its robots.txt is being
  fetched wait on one Deferred; since scrapy/scrapy#6802 each waiter awaits it with
  ``maybe_deferred_to_future``, whose callback returns None, so the *second and later*
  waiters get None -- "no robots.txt, allow all".  A page's resources on a CDN are requested
  together, so all but one ignored the CDN's rules.  Here a waiter that gets None reads the
  parser the middleware has since stored for the host (None only if robots.txt failed).
* :class:`OffsiteRobotsMiddleware`: the middleware asks for a host's robots.txt only when a
  request to that host got past Scrapy's ``OffsiteMiddleware`` (which runs first) -- for a
  page resource on a CDN, thanks to its ``allow_offsite`` -- but its own robots.txt request
  carries no such flag and was dropped as off-site, so the CDN's rules were never read.
"""

from __future__ import annotations

from typing import Any

import logging

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

__all__ = ["RobotsTxtMiddleware", "OffsiteRobotsMiddleware"]


class RobotsTxtMiddleware(_ScrapyRobotsTxtMiddleware):
    async def robot_parser(self, request: Any) -> Any:
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            parser = await self._fetch_parser(request, netloc)
        else:
            parser = await super().robot_parser(request)
        if parser is None:
            stored = self._parsers.get(netloc)
            if stored is not None and not isinstance(stored, Deferred):
                return stored
        return parser

    async def _fetch_parser(self, request: Any, netloc: str) -> Any:
        """Scrapy's first fetch of a host's robots.txt, its request tagged with the
        ``source`` of the request that needs it: a robots.txt fetched for a page resource
        is a resource fetch (outside the ``--max-pages`` budget, see crawler.discovery.frontier)."""
        self._parsers[netloc] = Deferred()
        url = urlparse_cached(request)
        meta = {"dont_obey_robotstxt": True}
        if request.meta.get("source") == "resource":
            meta["source"] = "resource"
        robotsreq = Request(f"{url.scheme}://{url.netloc}/robots.txt", priority=self.DOWNLOAD_PRIORITY,
                            meta=meta, callback=NO_CALLBACK)
        try:
            resp = await self.crawler.engine.download_async(robotsreq)
            await self._parse_robots(resp, netloc, request)
        except Exception as e:  # noqa: BLE001 - as Scrapy: no robots.txt = allowed
            if not isinstance(e, IgnoreRequest):
                logger.error("Error downloading %(request)s: %(f_exception)s",
                             {"request": request, "f_exception": e}, exc_info=True)
            self._robots_error(e, netloc)
        self._stats.inc_value("robotstxt/request_count")
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser


class OffsiteRobotsMiddleware:
    """Lets robots.txt requests through Scrapy's ``OffsiteMiddleware`` (see the module doc)."""

    def process_request(self, request: Any) -> None:
        if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
            request.meta["allow_offsite"] = True
        return None
