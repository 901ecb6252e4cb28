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

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

__all__ = ["RobotsTxtMiddleware", "OffsiteRobotsMiddleware"]


class RobotsTxtMiddleware(_ScrapyRobotsTxtMiddleware):
    async def robot_parser(self, request: Any) -> Any:
        parser = await super().robot_parser(request)
        if parser is None:
            stored = self._parsers.get(urlparse_cached(request).netloc)
            if stored is not None and not isinstance(stored, Deferred):
                return stored
        return parser


class OffsiteRobotsMiddleware:
    """Lets robots.txt requests through Scrapy's ``OffsiteMiddleware`` (see the module doc)."""

    def process_request(self, request: Any) -> None:
        if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
            request.meta["allow_offsite"] = True
        return None
