"""The ``news`` spider: seeds, robots.txt sitemaps, (Google News) sitemaps, RSS/Atom
feeds and in-scope link following, with crawler-trap guards.

Every response has already been archived by the download handler when it reaches
the spider; the spider only decides what to fetch next and hands HTML pages to
extraction as :class:`~crawler.record.FetchedPage` items.

Request meta used along the way (also written to the WARC ``metadata`` record):
``seed`` (the seed the URL descends from), ``via`` (the referring URL), ``hops``
(Heritrix-style hop path: ``L`` link, ``S`` sitemap, ``F`` feed, ``P`` robots
prerequisite, ``E`` embedded page resource) and ``source`` (robots / sitemap / feed / seed /
listing / link; page resources: resource), which the frontier's statistics count fetches by.
Priorities come from the one table in :mod:`crawler.discovery.priorities`.  Page resources:
:mod:`crawler.discovery.resources`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Iterable, Iterator
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from crawler.archive.archiver import METADATA_FIELDS
from crawler.context import RunContext
from crawler.outcome import CrawlOutcome, failure_reason
from crawler.discovery.feeds import (
    discover_feed_links,
    looks_like_feed,
    looks_like_sitemap,
    parse_feed,
)
from crawler.discovery.links import Outlink, embeds_of_css, hash64, link_spec, outlinks
from crawler.discovery.priorities import (
    PRIO_DISCOVERY,
    PRIO_RESOURCE,
    PRIO_SEED,
    link_priority,
    listed_priority,
)
from crawler.discovery.resources import Resources, is_stylesheet
from crawler.discovery.scope import Scope, ScopeRules, TrapGuard, registered_domain
from crawler.discovery.sitemaps import in_window, parse_sitemap, sitemap_urls_from_robots
from crawler.discovery.urls import canonicalize_url, is_http_url
from crawler.discovery.window import as_utc, parse_since, url_date_before
from crawler.record import FetchedPage

logger = logging.getLogger(__name__)

#: Common feed paths probed on a host whose seed pages advertise no feed.
FEED_PROBE_PATHS = ("/feed", "/rss.xml", "/atom.xml")
#: Linked files worth archiving (no article is made from them).
ARCHIVED_ASSET_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".doc", ".docx")


def split_seeds(value: str | Iterable[str] | None) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return [v.strip() for v in value if v and v.strip()]


def read_seeds_file(path: str) -> list[str]:
    seeds = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#"):
                seeds.append(line)
    return seeds


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, seeds: str | list[str] | None = None, seeds_file: str | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        raw = split_seeds(seeds)
        if seeds_file:
            raw += read_seeds_file(seeds_file)
        self.seeds: list[str] = []
        self.rejected_seeds: list[str] = []
        for s in raw:
            if "://" not in s:
                s = "http://" + s
            if is_http_url(s):
                self.seeds.append(canonicalize_url(s))
            else:
                self.rejected_seeds.append(s)
        self.allowed_domains = sorted({registered_domain(urlsplit(s).hostname or "") for s in self.seeds})

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        settings = crawler.settings
        kwargs.setdefault("seeds", settings.getlist("CRAWLER_SEEDS") or None)
        kwargs.setdefault("seeds_file", settings.get("CRAWLER_SEEDS_FILE"))
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        extra = [d.lower() for d in settings.getlist("CRAWLER_ALLOWED_DOMAINS")]
        spider.allowed_domains = sorted(set(spider.allowed_domains) | set(extra))
        spider._configure(settings)
        crawler.signals.connect(spider._robots_parsed, signal=signals.robots_parsed)
        return spider

    def _configure(self, settings: Any) -> None:
        max_depth = settings.getint("CRAWLER_MAX_DEPTH", -1)
        self.max_depth = None if max_depth < 0 else max_depth
        self.scope = Scope(ScopeRules(
            allowed_domains=set(self.allowed_domains),
            allow=settings.getlist("CRAWLER_ALLOW"),
            deny=settings.getlist("CRAWLER_DENY"),
            max_depth=self.max_depth,
        ))
        self.traps = TrapGuard(
            max_url_length=settings.getint("CRAWLER_MAX_URL_LENGTH", 2048),
            max_repeated_segments=settings.getint("CRAWLER_MAX_REPEATED_SEGMENTS", 2),
            max_query_variants=settings.getint("CRAWLER_MAX_QUERY_VARIANTS", 50),
            max_pages_per_host=settings.getint("CRAWLER_MAX_URLS_PER_HOST", 50000),
        )
        self.follow_links = settings.getbool("CRAWLER_FOLLOW_LINKS", True)
        self.use_sitemaps = settings.getbool("CRAWLER_SITEMAPS", True)
        self.use_feeds = settings.getbool("CRAWLER_FEEDS", True)
        self.obey_robots = settings.getbool("ROBOTSTXT_OBEY", True)
        since = settings.get("CRAWLER_SITEMAP_SINCE")
        self.sitemap_since = parse_since(since) if since else None
        self.tracking_params = tuple(settings.getlist("CRAWLER_TRACKING_PARAMS"))
        self.obey_nofollow = settings.getbool("CRAWLER_OBEY_NOFOLLOW", False)
        #: Parse pages for links in the extraction workers (with the article, one parse
        #: there) instead of on the reactor thread, when the crawl has an extraction pool.
        self.links_in_workers = settings.getbool("CRAWLER_LINKS_IN_WORKERS", True)
        #: page resources (CRAWLER_RESOURCES*): found with the out-links, fetched at PRIO_RESOURCE
        self.resources = Resources(self, settings)
        #: 64-bit hashes of the URLs admitted to the frontier this run (8 bytes of key per
        #: URL; Scrapy's own dupefilter keeps a 40-char fingerprint per request anyway).
        self._admitted: set[int] = set()
        self.max_links_per_page = settings.getint("CRAWLER_MAX_LINKS_PER_PAGE", 5000)
        self._hosts_bootstrapped: set[str] = set()
        self._feed_found_hosts: set[str] = set()
        self._feed_probed_hosts: set[str] = set()
        ctx = RunContext.of(self.crawler)
        ctx.seeds = list(self.seeds)
        self.crawl_id = ctx.crawl_id
        self.dedup = None
        if settings.getbool("DEDUP_ENABLED", True):
            from crawler.dedup.service import Dedup

            self.dedup = Dedup.of(self.crawler)
        #: ``--browser``: HTML pages are rendered in headless Chromium before extraction
        #: (crawler.browser; never imported otherwise).
        self.browser = None
        if settings.getbool("CRAWLER_BROWSER", False):
            from crawler.browser.render import BrowserRenderer

            self.browser = BrowserRenderer.from_crawler(self.crawler)

    # -- start ---------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        if self.rejected_seeds:
            logger.warning("ignored invalid seeds: %s", ", ".join(self.rejected_seeds))
        for seed in self.seeds:
            meta = {"seed": seed, "hops": "", "source": "seed", "link_depth": 0}
            yield scrapy.Request(seed, callback=self.parse, errback=self.on_error,
                                 priority=PRIO_SEED, meta=meta)
            if not self.obey_robots:
                # No robots middleware to read Sitemap: lines for us.
                for req in self._bootstrap_host(seed, sitemaps=None):
                    yield req

    def _robots_parsed(self, robotparser: Any, request: scrapy.Request) -> None:
        """Signal handler: robots.txt of a host was read; follow its Sitemap: lines."""
        rp = getattr(robotparser, "rp", None)
        sitemaps = list(getattr(rp, "sitemaps", []) or [])
        engine = self.crawler.engine
        for req in self._bootstrap_host(request.url, sitemaps=sitemaps):
            engine.crawl(req)

    def _bootstrap_host(self, url: str, sitemaps: list[str] | None) -> Iterator[scrapy.Request]:
        parts = urlsplit(url)
        host = parts.netloc
        if host in self._hosts_bootstrapped or not self._in_scope(url, 0)[0]:
            return
        self._hosts_bootstrapped.add(host)
        origin = f"{parts.scheme}://{host}"
        meta = {"seed": url, "via": origin + "/robots.txt", "hops": "P", "link_depth": 0}
        if sitemaps is None:
            yield scrapy.Request(origin + "/robots.txt", callback=self.parse_robots,
                                 errback=self.on_error, priority=PRIO_DISCOVERY,
                                 meta={**meta, "source": "robots"})
            return
        if not self.use_sitemaps or self.max_depth == 0:
            return  # --depth 0: sitemap entries are one hop away, none could be fetched
        if not sitemaps and self.crawler.settings.getbool("CRAWLER_GUESS_SITEMAPS", True):
            sitemaps = [origin + "/sitemap.xml"]
        for sm in sitemaps:
            yield scrapy.Request(sm, callback=self.parse_sitemap, errback=self.on_error,
                                 priority=PRIO_DISCOVERY,
                                 meta={**meta, "hops": "PS", "source": "sitemap"})

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        yield from self._bootstrap_host_after_robots(response)

    def _bootstrap_host_after_robots(self, response: Response) -> Iterator[scrapy.Request]:
        host = urlsplit(response.url).netloc
        self._hosts_bootstrapped.discard(host)
        sitemaps = sitemap_urls_from_robots(response.body) if response.status == 200 else []
        yield from self._bootstrap_host(response.url, sitemaps=sitemaps)

    # -- responses -------------------------------------------------------------------
    def parse(self, response: Response, **kwargs: Any) -> Iterable[Any] | AsyncIterator[Any]:
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        body_head = response.body[:2048]
        if looks_like_sitemap(body_head, ctype, response.url):
            return self.parse_sitemap(response)
        if looks_like_feed(body_head, ctype):
            return self.parse_feed(response)
        if ctype.startswith("text/css"):  # a stylesheet reached as a link: read it as a resource
            return self.parse_resource(response)
        if not isinstance(response, TextResponse) or "html" not in (ctype or "text/html"):
            self.crawler.stats.inc_value("pages/non_html")
            return ()
        self.crawler.stats.inc_value("pages/html")
        want_article = True
        if (response.meta.get("warc") or {}).get("revisit_of") and (
                self.dedup is not None and self.dedup.has_article(response.url)):
            # Same bytes as an earlier capture that already made this URL's article: no
            # new record (links still followed).  A copy under another URL, or a page whose
            # earlier capture never got its article written (a crashed run), is extracted.
            self.crawler.stats.inc_value("dedup/unchanged_pages")
            want_article = False
        depth = response.meta.get("link_depth", 0)
        want_links = self.follow_links and not (self.max_depth is not None and depth + 1 > self.max_depth)
        want_resources = self.resources.enabled and 200 <= response.status < 300
        if self.browser is not None and want_article and 200 <= response.status < 300:
            return self._parse_rendered(response, depth, want_article, want_links, want_resources)
        pool = self._worker_pool()
        if pool is not None:
            return self._parse_in_pool(pool, response, depth, want_article, want_links, want_resources)
        return self._parse_inline(response, depth, want_article, want_links, want_resources)

    async def _parse_rendered(self, response: Response, depth: int, want_article: bool,
                              want_links: bool, want_resources: bool = False) -> AsyncIterator[Any]:
        # The page as the browser built it (scripts run, every request it made archived);
        # as fetched when the browser failed on it.  The WARC pointer stays the response's.
        rendered = await self.browser.render(response)
        if rendered is not None:
            response = rendered
            want_resources = False  # the browser fetched and archived what the page loads
        pool = self._worker_pool()
        if pool is not None:
            async for out in self._parse_in_pool(pool, response, depth, want_article, want_links,
                                                 want_resources):
                yield out
        else:
            for out in self._parse_inline(response, depth, want_article, want_links, want_resources):
                yield out

    def _worker_pool(self) -> Any:
        """The crawl's extraction pool, when pages should be parsed there (see ``links_in_workers``)."""
        if not self.links_in_workers:
            return None
        from crawler.pipelines import extraction_pool_of

        pool = extraction_pool_of(self.crawler)
        return pool if pool is not None and pool.workers > 0 else None

    def _parse_inline(self, response: Response, depth: int, want_article: bool,
                      want_links: bool, want_resources: bool = False) -> Iterator[Any]:
        if want_article:
            yield self._page_item(response)
        if self.use_feeds and depth == 0 and self.max_depth != 0:
            yield from self._feed_requests(response)
        if want_links or want_resources:
            links = self._outlinks(response, want_resources)
            yield from self._resource_requests(response, links)
            if want_links:
                yield from self._link_requests(response, depth, links)

    async def _parse_in_pool(self, pool: Any, response: Response, depth: int, want_article: bool,
                             want_links: bool, want_resources: bool = False) -> AsyncIterator[Any]:
        # One job in an extraction worker: the article (if wanted) and the out-links,
        # from one parse of the page there; the reactor thread parses nothing.  Until the
        # first worker has started (a second or two of imports) links are parsed here, so
        # discovery does not wait for it.
        want_parse = want_links or want_resources
        links_here = want_parse and not pool.warm
        links = self._outlinks(response, want_resources) if links_here else None
        spec = link_spec(response, self.tracking_params, want_resources) if want_parse and not links_here else None
        page = self._page_item(response)
        result = None
        if want_article or spec is not None:
            result = await pool.extract(page, article=want_article, links=spec)
        if want_article:
            page.extracted = result
            yield page
        if self.use_feeds and depth == 0 and self.max_depth != 0:
            for req in self._feed_requests(response):
                yield req
        if want_parse:
            if not links_here:
                links = result.links
                if links is None:
                    # The worker gave none (its job failed: timeout, crash): parse here, as
                    # a crawl without extraction workers does.
                    logger.info("no links from the extraction worker for %s (%s); parsing on the reactor",
                                response.url, result.links_error or result.reason)
                    self.crawler.stats.inc_value("discovery/links_inline_fallback")
                    links = self._outlinks(response, want_resources)
            for req in self._resource_requests(response, links):
                yield req
            if want_links:
                for req in self._link_requests(response, depth, links):
                    yield req

    def _outlinks(self, response: Response, resources: bool = False) -> list[Outlink]:
        try:
            return outlinks(response, self.tracking_params, resources=resources)
        except Exception as exc:  # noqa: BLE001 - a page we cannot parse has no links to follow
            logger.warning("link extraction failed for %s: %s: %s", response.url, type(exc).__name__, exc)
            self.crawler.stats.inc_value("discovery/link_extraction_errors")
            return []

    def _page_item(self, response: Response) -> FetchedPage:
        warc = response.meta.get("warc") or {}
        from crawler.record import WarcPointer

        pointer = None
        if warc:
            pointer = WarcPointer(warc["filename"], warc["offset"], warc["length"],
                                  warc["record_id"], warc.get("payload_digest"))
        headers = {k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
                   for k, v in response.headers.items()}
        hints = page_hints({key: response.meta.get(key) for _, key in METADATA_FIELDS})
        fetched_at = warc.get("date") or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return FetchedPage(
            url=response.url, status=response.status, headers=headers, body=response.body,
            fetched_at=fetched_at, crawl_id=self.crawl_id, warc=pointer,
            encoding=getattr(response, "encoding", None), hints=hints,
        )

    def _feed_requests(self, response: Response) -> Iterator[scrapy.Request]:
        host = urlsplit(response.url).netloc
        feeds = discover_feed_links(response.text, response.url)
        if feeds:
            self._feed_found_hosts.add(host)
        for url in feeds:
            yield self._request(url, response, "F", "feed", PRIO_DISCOVERY, self.parse_feed)
        if not feeds and host not in self._feed_found_hosts and host not in self._feed_probed_hosts:
            self._feed_probed_hosts.add(host)
            for path in FEED_PROBE_PATHS:
                req = self._request(urljoin(response.url, path), response, "F", "feed", PRIO_DISCOVERY,
                                    self.parse_feed)
                if req is not None:
                    req.meta["probe"] = True
                    yield req

    def _resource_requests(self, response: Response, links: list[Outlink]) -> Iterator[scrapy.Request]:
        if links and links[-1].embed:  # embeds come after the links
            yield from self.resources.requests(response, links, PRIO_RESOURCE, self.parse_resource,
                                               self.on_resource_error)

    def parse_resource(self, response: Response) -> Iterator[scrapy.Request]:
        """A page resource arrived (already archived): count it; a stylesheet's own
        resources (``@import``, ``url()``) are requested in turn.  Never an article."""
        self.resources.fetched(response)
        if not (200 <= response.status < 300 and is_stylesheet(response)):
            return
        try:
            text = response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
            embeds = embeds_of_css(text, response.url, self.tracking_params)
        except Exception as exc:  # noqa: BLE001 - a stylesheet we cannot read embeds nothing
            logger.info("could not read stylesheet %s: %s: %s", response.url, type(exc).__name__, exc)
            self.crawler.stats.inc_value("resources/css_errors")
            return
        yield from self.resources.requests(response, embeds, PRIO_RESOURCE, self.parse_resource,
                                           self.on_resource_error)

    def on_resource_error(self, failure: Any) -> None:
        self.resources.failed(failure)

    def _link_requests(self, response: Response, depth: int, links: list[Outlink]) -> Iterator[scrapy.Request]:
        if links and links[-1].embed:
            links = [link for link in links if not link.embed]
        if self.max_links_per_page and len(links) > self.max_links_per_page:
            logger.warning("%s has %d links; following the first %d (CRAWLER_MAX_LINKS_PER_PAGE)",
                           response.url, len(links), self.max_links_per_page)
            self.crawler.stats.inc_value("discovery/link_flood_pages")
            links = links[: self.max_links_per_page]
        admitted = self._admitted
        repeated = 0
        for link in links:
            if link.nofollow and self.obey_nofollow:
                continue
            kind = link.kind
            if kind == "asset" and not link.url.lower().split("?")[0].endswith(ARCHIVED_ASSET_EXTENSIONS):
                continue
            if link.canonical is None:  # not http(s), or a URL that cannot even be split
                reason = "invalid_url" if is_http_url(link.url) else "scheme"
                self.crawler.stats.inc_value(f"discovery/rejected/{reason}")
                continue
            if link.key in admitted:  # see _request; counted once per page
                repeated += 1
                continue
            listing = kind == "listing"
            req = self._request(link.url, response, "L", "listing" if listing else "link",
                                link_priority(depth + 1, listing), self.parse, depth=depth + 1,
                                canonical=(link.canonical, link.key))
            if req is not None:
                yield req
        if repeated:
            self.crawler.stats.inc_value("discovery/repeated_links", repeated)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        if response.status != 200:
            return
        kind, entries = parse_sitemap(response.body, response.url)
        if kind == "invalid":
            self.crawler.stats.inc_value("discovery/sitemap_invalid")
            logger.warning("invalid sitemap %s", response.url)
            return
        self.crawler.stats.inc_value("discovery/sitemaps")
        # listed URLs newest first (FIFO within a priority keeps this order)
        entries = sorted(entries, key=lambda e: (e.is_sitemap, _timestamp(e.news_published or e.lastmod)),
                         reverse=True)
        depth = response.meta.get("link_depth", 0) + 1  # a sitemap entry is one hop
        for e in entries:
            if e.is_sitemap:
                req = self._request(e.url, response, "S", "sitemap", PRIO_DISCOVERY,
                                    self.parse_sitemap)
            else:
                if self.sitemap_since and not in_window(e, self.sitemap_since):
                    self.crawler.stats.inc_value("discovery/sitemap_out_of_window")
                    continue
                req = self._request(e.url, response, "S", "sitemap",
                                    listed_priority(e.news_published or e.lastmod), self.parse, depth=depth)
                if req is not None:
                    if e.news_title:
                        req.meta["news_title"] = e.news_title
                    if e.news_published:
                        req.meta["news_published"] = e.news_published.isoformat()
            if req is not None:
                yield req

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if response.status != 200:
            return
        kind, entries = parse_feed(response.body, response.url)
        if kind == "invalid":
            if not response.meta.get("probe"):
                self.crawler.stats.inc_value("discovery/feed_invalid")
                logger.warning("invalid feed %s", response.url)
            return
        self._feed_found_hosts.add(urlsplit(response.url).netloc)
        self.crawler.stats.inc_value("discovery/feeds")
        depth = response.meta.get("link_depth", 0) + 1  # a feed entry is one hop
        for e in sorted(entries, key=lambda e: _timestamp(e.published), reverse=True):
            if self.sitemap_since and e.published is not None and as_utc(e.published) < self.sitemap_since:
                # --since: entries dated before the window are not fetched (undated ones are)
                self.crawler.stats.inc_value("discovery/feed_out_of_window")
                continue
            req = self._request(e.url, response, "F", "feed", listed_priority(e.published), self.parse,
                                depth=depth)
            if req is not None:
                if e.title:
                    req.meta["feed_title"] = e.title
                yield req

    def on_error(self, failure: Any) -> None:
        request = getattr(failure, "request", None)
        if request is not None and request.meta.get("probe"):
            return
        if type(failure.value).__name__ == "AlreadyArchived":  # crawler.dedup.redirects: not an error
            logger.info("not fetched: %s", failure.getErrorMessage())
            return
        self.crawler.stats.inc_value("fetch/errors")
        url = getattr(request, "url", "?")
        seed = request is not None and request.meta.get("source") == "seed"
        if seed:  # said once at the end: one warning per failed seed, or the crawl's verdict
            CrawlOutcome.of(self.crawler).seed_failed(request.meta.get("seed") or url, failure_reason(failure))
        response = getattr(failure.value, "response", None)
        if response is not None:  # HttpError: a 404 & co. is ordinary, archived, and counted
            self.crawler.stats.inc_value(f"fetch/errors/http_{response.status}")
            logger.info("fetch failed: %s (HTTP %d)", url, response.status)
            return
        name = type(failure.value).__name__
        self.crawler.stats.inc_value(f"fetch/errors/{name}")
        if seed or isinstance(failure.value, IgnoreRequest) and (
                "robots.txt" in str(failure.value) or "--allow-private" in str(failure.value)):
            # robots.txt refusals are expected; the SSRF guard logs its own warning
            logger.info("not fetched: %s: %s", url, failure.getErrorMessage())
            return
        logger.warning("fetch failed: %s: %s: %s", url, name, failure.getErrorMessage() or "no detail")

    # -- helpers -------------------------------------------------------------------
    def note_fetched(self, url: str) -> None:
        """``url`` was fetched and archived outside the frontier (by the browser, as a page
        resource): it is not to be scheduled again this run."""
        if is_http_url(url):
            self._admitted.add(hash64(canonicalize_url(url, self.tracking_params)))

    def _in_scope(self, url: str, depth: int) -> tuple[bool, str]:
        return self.scope.in_scope(url, depth)

    def _request(self, url: str, response: Response, hop: str, source: str, priority: int,
                 callback: Any, depth: int | None = None,
                 canonical: tuple[str, int] | None = None) -> scrapy.Request | None:
        """The request for ``url`` found on ``response``, or None when it is not to be fetched.

        ``canonical``: (canonical URL, its hash64) when already known (out-links come with it)."""
        if canonical is not None:
            url, key = canonical
        else:
            if not is_http_url(url):
                self.crawler.stats.inc_value("discovery/rejected/scheme")
                return None
            url = canonicalize_url(url, self.tracking_params)
            key = hash64(url)
        upgrade = False
        if key in self._admitted:
            # Navigation links repeat on every page: decide each URL once per run, so
            # repeats neither count against the trap guard nor cost index look-ups --
            # unless a sitemap or feed lists a URL queued as a link (see below).
            if priority <= PRIO_SEED or callback != self.parse:
                self.crawler.stats.inc_value("discovery/repeated_links")
                return None
            upgrade = True
        depth = response.meta.get("link_depth", 0) if depth is None else depth
        ok, reason = self.scope.in_scope(url, depth)
        if not ok:
            self.crawler.stats.inc_value(f"discovery/rejected/{reason}")
            return None
        if hop == "L" and self.sitemap_since and url_date_before(url, self.sitemap_since):
            # --since: a link whose path carries a full date (/2026/02/18/) before the window
            self.crawler.stats.inc_value("discovery/link_out_of_window")
            return None
        if not upgrade:
            ok, reason = self.traps.check(url)
            if not ok:
                self.crawler.stats.inc_value(f"discovery/trap/{reason}")
                return None
        meta = {
            "seed": response.meta.get("seed"),
            "via": response.url,
            "hops": (response.meta.get("hops") or "") + hop,
            "source": source,
            "link_depth": depth,
        }
        headers = {}
        if self.dedup is not None and callback == self.parse:
            decision, state = self.dedup.fetch_decision(url)
            if decision == "skip":
                self.crawler.stats.inc_value("incremental/skipped_archived")
                return None
            if decision == "conditional" and state is not None:
                if state.etag:
                    headers["If-None-Match"] = state.etag
                if state.last_modified:
                    headers["If-Modified-Since"] = state.last_modified
                if headers:
                    meta["conditional"] = True
                    self.crawler.stats.inc_value("incremental/conditional_requests")
        req = scrapy.Request(url, callback=callback, errback=self.on_error, priority=priority,
                             meta=meta, headers=headers or None, dont_filter=upgrade)
        if upgrade:
            # Queued as a link, still waiting: the frontier drops that copy and takes this
            # one at the better priority; else (already fetched) it is a repeat.
            scheduler = getattr(getattr(self.crawler.engine, "_slot", None), "scheduler", None)
            if not hasattr(scheduler, "upgrade") or not scheduler.upgrade(req):
                self.crawler.stats.inc_value("discovery/repeated_links")
                return None
            return req
        self._admitted.add(key)
        return req


def page_hints(meta: dict[str, Any]) -> dict[str, Any]:
    """Extraction hints from the discovery facts stored in the WARC metadata record
    (keys of ``request.meta``); empty values are left out.  Offline re-extraction
    rebuilds the same dict from the metadata record."""
    return {k: str(v) for k, v in meta.items() if v not in (None, "")}


def _timestamp(date: datetime | None) -> float:
    """Sort key of a listed URL's date (undated last when sorted newest first)."""
    if date is None:
        return float("-inf")
    return (date if date.tzinfo else date.replace(tzinfo=timezone.utc)).timestamp()

