"""Page resources: fetch and archive what each archived HTML page needs to render.

The spider hands :class:`Resources` the embeds of every HTML page it archives (found in the
same parse as its out-links, :func:`crawler.discovery.links.outlinks` with
``resources=True``) and every stylesheet it fetches; this module decides which to request:

* **wherever they are hosted** -- a CDN host outside the crawl's link scope is in scope for
  resources (Heritrix's transclusion rule); only the ``CRAWLER_DENY`` patterns and the URL
  length guard apply, and robots.txt and the SSRF guard as to any request (they are
  downloader middlewares; :mod:`crawler.discovery.robots` makes robots.txt work for CDNs).  Hop code ``E`` (embed) is appended to the page's hop path;
* **once per crawl**: a resource shares the spider's "already admitted" set with pages, so a
  shared stylesheet or logo is fetched once, not once per page; **across crawls** a resource
  the dedup index knows is requested with its validators (``If-None-Match`` /
  ``If-Modified-Since``: a ``304`` becomes a server-not-modified revisit) and an unchanged
  payload becomes an identical-payload revisit (the archiver's rule for every response);
* **bounded**: ``CRAWLER_RESOURCES_MAX_PER_PAGE`` resources per page or stylesheet,
  ``CRAWLER_RESOURCES_MAX_SIZE`` bytes per resource (a larger one is cut and archived with
  ``WARC-Truncated: length``, as any response over the size limit);
* **never articles**: their responses go to :meth:`NewsSpider.parse_resource`, which only
  reads stylesheets for more resources; they never reach extraction;
* **counted apart**: ``resources/requested``, ``resources/responses`` (every response,
  redirects and errors included), ``resources/fetched`` (2xx, by kind), ``resources/bytes``,
  ``resources/not_modified``, ``resources/failed``, ``resources/skipped/<why>`` in the stats; request meta ``source`` is
  ``resource`` (the frontier counts them as fetches of that source, and ``--max-pages``,
  a budget of fetches, includes them).

Priority ``PRIO_RESOURCE`` (:mod:`crawler.discovery.priorities`) puts a page's resources
ahead of the links still queued, so they are captured soon after the page.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Iterator

import scrapy
from scrapy import signals

from crawler.discovery.links import Outlink

logger = logging.getLogger(__name__)

__all__ = ["Resources", "RESOURCE_SOURCE", "ACCEPT"]

RESOURCE_SOURCE = "resource"
#: Accept headers a browser sends for each kind of resource (servers negotiate image formats).
ACCEPT = {
    "css": "text/css,*/*;q=0.1",
    "img": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
    "icon": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
    "js": "*/*",
    "font": "*/*",
    "media": "*/*",
}
_CSS_TYPES = (b"text/css",)


def is_stylesheet(response: Any) -> bool:
    ctype = response.headers.get(b"Content-Type", b"").split(b";")[0].strip().lower()
    if ctype in _CSS_TYPES:
        return True
    return response.meta.get("resource") == "css" and ctype in (b"", b"text/plain", b"application/octet-stream")


class Resources:
    """The page-resource policy of one crawl (built by the spider from its settings)."""

    def __init__(self, spider: Any, settings: Any):
        self.spider = spider
        self.enabled = settings.getbool("CRAWLER_RESOURCES", True)
        self.max_per_page = settings.getint("CRAWLER_RESOURCES_MAX_PER_PAGE", 200)
        self.max_size = settings.getint("CRAWLER_RESOURCES_MAX_SIZE", 10 * 1024 * 1024)
        self.max_url_length = settings.getint("CRAWLER_MAX_URL_LENGTH", 2048)
        if self.enabled:
            spider.crawler.signals.connect(self._response_received, signal=signals.response_received)

    def _response_received(self, response: Any, request: Any, spider: Any) -> None:
        # every response to a resource request (redirects, errors, 304s included): the
        # summary's "pages fetched" leaves these out
        if request.meta.get("source") == RESOURCE_SOURCE:
            self.stats.inc_value("resources/responses")
            self.stats.inc_value("resources/bytes", len(response.body))

    @property
    def stats(self) -> Any:
        return self.spider.crawler.stats  # set once the crawl starts

    def requests(self, response: Any, embeds: Iterable[Outlink], priority: int,
                 callback: Any, errback: Any) -> Iterator[scrapy.Request]:
        """Requests for the resources of ``response`` not fetched yet this crawl."""
        if not self.enabled:
            return
        spider = self.spider
        admitted = spider._admitted
        stats = self.stats
        count = 0
        repeated = 0
        for emb in embeds:
            if not emb.embed:
                continue
            if emb.key in admitted:
                repeated += 1
                continue
            if self.max_per_page and count >= self.max_per_page:
                stats.inc_value("resources/skipped/per_page_limit")
                continue
            url = emb.url
            if len(url) > self.max_url_length:
                stats.inc_value("resources/skipped/url_length")
                continue
            if spider.scope.denied(url):
                stats.inc_value("resources/skipped/denied")
                continue
            admitted.add(emb.key)
            count += 1
            yield self._request(response, emb, priority, callback, errback)
        if repeated:
            stats.inc_value("resources/repeated", repeated)
        if count:
            stats.inc_value("resources/requested", count)

    def _request(self, response: Any, emb: Outlink, priority: int, callback: Any,
                 errback: Any) -> scrapy.Request:
        meta: dict[str, Any] = {
            "seed": response.meta.get("seed"),
            "via": response.url,
            "hops": (response.meta.get("hops") or "") + "E",
            "source": RESOURCE_SOURCE,
            "link_depth": response.meta.get("link_depth", 0),
            "resource": emb.embed,
            "allow_offsite": True,  # a CDN outside the link scope (Scrapy's OffsiteMiddleware)
        }
        if self.max_size:
            meta["download_maxsize"] = self.max_size
        headers = {"Accept": ACCEPT.get(emb.embed, "*/*")}
        dedup = self.spider.dedup
        # stylesheets are fetched in full every crawl: a 304 would leave their own
        # resources (@import, url()) unread; an unchanged one is stored as a revisit anyway
        if dedup is not None and emb.embed != "css":
            validators = dedup.validators(emb.url)
            if validators:
                headers.update(validators)
                meta["conditional"] = True
                self.stats.inc_value("resources/conditional_requests")
        # the URL exactly as the page references it (canonicalised only for the
        # once-per-crawl check): a browser replaying the page asks for this one
        return scrapy.Request(emb.url, callback=callback, errback=errback, priority=priority,
                              meta=meta, headers=headers)

    def fetched(self, response: Any) -> None:
        self.stats.inc_value("resources/fetched")
        self.stats.inc_value(f"resources/fetched/{response.meta.get('resource') or 'other'}")

    def failed(self, failure: Any) -> None:
        """Errback bookkeeping: the reason, counted under ``resources/``."""
        request = getattr(failure, "request", None)
        value = failure.value
        response = getattr(value, "response", None)
        url = getattr(request, "url", "?")
        if response is not None and response.status == 304:
            self.stats.inc_value("resources/not_modified")  # archived as a revisit
            return
        if response is not None:
            self.stats.inc_value("resources/failed")
            self.stats.inc_value(f"resources/failed/http_{response.status}")
            logger.info("resource not fetched: %s (HTTP %d)", url, response.status)
            return
        name = type(value).__name__
        text = str(value)
        if "robots.txt" in text:
            why = "robots"
        elif "--allow-private" in text or "SSRF" in text:
            why = "ssrf_guard"
        elif name in ("CancelledError", "DownloadCancelledError") or "max size" in text.lower():
            why = "too_large"
        else:
            why = None
        if why:
            self.stats.inc_value(f"resources/skipped/{why}")
            logger.info("resource not fetched: %s (%s)", url, why)
        else:
            self.stats.inc_value("resources/failed")
            self.stats.inc_value(f"resources/failed/{name}")
            logger.info("resource not fetched: %s: %s: %s", url, name, failure.getErrorMessage())
