"""Browser capture: render each HTML page in headless Chromium, archive what it loads.

``crawler crawl --browser`` (setting ``CRAWLER_BROWSER``) makes the spider hand every 2xx
HTML page to :meth:`BrowserRenderer.render` before extraction:

* The page's own document is served to the browser from the response the crawler has just
  fetched and archived (no second fetch).  Every other request the browser makes -- style
  sheets, images, fonts, scripts, XHR/fetch JSON, frames -- is intercepted
  (``page.route``), turned into a Scrapy request and sent through the engine's downloader
  (``engine.download_async``): the downloader middlewares apply (SSRF guard, robots.txt,
  politeness) and the archiving download handler writes it byte for byte, like any other
  fetch (hop ``E``, ``X`` for XHR/fetch, ``via`` the page).  The answer is handed back to
  the browser (``route.fulfill``).  Chromium itself resolves no host name
  (``--host-resolver-rules``): nothing it loads can bypass the capture.
* Each resource is fetched once per crawl: answers are kept in a bounded in-memory cache
  (``CRAWLER_BROWSER_CACHE_MB``) and the next pages get them from there.
* A full-page PNG screenshot is written as a WARC ``resource`` record,
  ``urn:screenshot:<page URL>``, ``WARC-Concurrent-To`` the page's response record (as
  Browsertrix does).
* The rendered DOM replaces the body for extraction and out-links (the WARC pointer stays
  the page's response record), so a page whose text is built by scripts gets its text.

Bounds: a page timeout (``CRAWLER_BROWSER_PAGE_TIMEOUT``), requests per page, a new page
(in the browser's one context) per page, the browser restarted after ``CRAWLER_BROWSER_PAGES_PER_BROWSER``
pages or above ``CRAWLER_BROWSER_MAX_RSS_MB``.  A page the browser fails on (timeout,
crash) is extracted from the HTML as fetched; a page caught in a browser crash is rendered
once more in a new browser.  So a crash costs at most that page's rendering, never the crawl.
"""

from __future__ import annotations

import asyncio
import collections
import io
import logging
import os
import re
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals

from crawler.browser import chromium
from crawler.context import per_crawler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

_ATTR = "_newsarchiver_browser"
#: Response headers not passed to the browser: the body it gets is already decoded and whole.
_HOP_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
#: Request headers the crawler sets itself (its User-Agent, Accept-Encoding, Host, no cookies).
_DROP_REQUEST_HEADERS = {"host", "connection", "accept-encoding", "user-agent", "cookie", "content-length"}
SCREENSHOT_URN = "urn:screenshot:"


class BrowserCrashed(Exception):
    pass


class _Slot:
    """One running Chromium: pages rendered and in flight, whether it is being retired."""

    __slots__ = ("browser", "context", "pages", "inflight", "retiring", "dead")

    def __init__(self, browser: Any, context: Any):
        self.browser = browser
        self.context = context
        self.pages = 0
        self.inflight = 0
        self.retiring = False
        self.dead = False


class _ResponseCache:
    """URL -> (status, headers, body) of resources already fetched this crawl, LRU, bounded in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self._items: collections.OrderedDict[str, tuple[int, dict[str, str], bytes]] = collections.OrderedDict()

    def get(self, url: str) -> tuple[int, dict[str, str], bytes] | None:
        item = self._items.get(url)
        if item is not None:
            self._items.move_to_end(url)
        return item

    def put(self, url: str, status: int, headers: dict[str, str], body: bytes) -> None:
        if len(body) > self.max_bytes // 8 or url in self._items:
            return
        self._items[url] = (status, headers, body)
        self.size += len(body)
        while self.size > self.max_bytes and self._items:
            _, (_, _, old) = self._items.popitem(last=False)
            self.size -= len(old)


class _PageState:
    __slots__ = ("response", "served_main", "requests", "hops")

    def __init__(self, response: Response):
        self.response = response
        self.served_main = False
        self.requests = 0
        self.hops = response.meta.get("hops") or ""


class BrowserRenderer:
    def __init__(self, crawler: Crawler):
        s = crawler.settings
        self.crawler = crawler
        self.executable = chromium.find_executable(s.get("CRAWLER_BROWSER_EXECUTABLE") or None)
        self._async_playwright = chromium.import_playwright()
        self.page_timeout = s.getfloat("CRAWLER_BROWSER_PAGE_TIMEOUT", 30.0)
        self.idle_wait = s.getfloat("CRAWLER_BROWSER_IDLE_WAIT", 2.0)
        self.pages_per_browser = s.getint("CRAWLER_BROWSER_PAGES_PER_BROWSER", 100)
        self.max_rss = s.getint("CRAWLER_BROWSER_MAX_RSS_MB", 1024) * 1024 * 1024
        self.max_requests = s.getint("CRAWLER_BROWSER_MAX_REQUESTS_PER_PAGE", 300)
        self.take_screenshot = s.getbool("CRAWLER_BROWSER_SCREENSHOT", True)
        self.max_height = s.getint("CRAWLER_BROWSER_SCREENSHOT_MAX_HEIGHT", chromium.DEFAULT_SCREENSHOT_MAX_HEIGHT)
        self.user_agent = s.get("USER_AGENT")
        self.deny = [re.compile(p) for p in s.getlist("CRAWLER_DENY")]
        self.cache = _ResponseCache(s.getint("CRAWLER_BROWSER_CACHE_MB", 64) * 1024 * 1024)
        self._sem = asyncio.Semaphore(max(1, s.getint("CRAWLER_BROWSER_CONCURRENCY", 2)))
        self._launch_lock = asyncio.Lock()
        self._pw_manager: Any = None
        self._pw: Any = None
        self._slot: _Slot | None = None
        self._closing = False
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserRenderer:
        return per_crawler(crawler, _ATTR, cls)

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    # -- rendering -------------------------------------------------------------------
    async def render(self, response: Response) -> Response | None:
        """The response with the rendered DOM as its body, or None when the browser failed
        on the page (then it is extracted as fetched)."""
        async with self._sem:
            for attempt in (1, 2):
                if self._closing:
                    return None
                try:
                    result = await self._render_once(response)
                    self.stats.inc_value("browser/pages")
                    return result
                except BrowserCrashed as exc:
                    self.stats.inc_value("browser/crashes")
                    logger.warning("browser crashed while rendering %s (%s)%s", response.url, exc,
                                   "; rendering it again in a new browser" if attempt == 1 else
                                   "; extracting the page as fetched")
                except asyncio.TimeoutError:
                    self.stats.inc_value("browser/timeouts")
                    logger.warning("browser: %s did not settle within %gs; extracting the page as fetched",
                                   response.url, self.page_timeout)
                    break
                except chromium.BrowserUnavailable:
                    raise
                except Exception as exc:  # noqa: BLE001 - one page must never stop the crawl
                    logger.warning("browser failed on %s: %s: %s; extracting the page as fetched",
                                   response.url, type(exc).__name__, str(exc).splitlines()[0][:300])
                    break
            self.stats.inc_value("browser/pages/failed")
            return None

    async def _render_once(self, response: Response) -> Response:
        slot = await self._browser_slot()
        slot.inflight += 1
        page = None
        try:
            try:
                page = await slot.context.new_page()
                state = _PageState(response)

                async def handler(route: Any) -> None:
                    await self._route(route, state)

                await page.route("**/*", handler)
                html, png = await asyncio.wait_for(self._load(page, response.url), self.page_timeout)
            except Exception as exc:
                if slot.dead or not slot.browser.is_connected():
                    slot.dead = True
                    raise BrowserCrashed(str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__) from None
                raise
        finally:
            slot.inflight -= 1
            slot.pages += 1
            if page is not None and not slot.dead:
                try:
                    await asyncio.wait_for(page.close(), 10)
                except Exception:  # noqa: BLE001 - a browser that cannot close a page is retired
                    slot.retiring = True
            await self._maybe_retire(slot)
        if png is not None:
            self._write_screenshot(response, png)
        headers = response.headers.copy()
        headers[b"Content-Type"] = b"text/html; charset=utf-8"
        return response.replace(body=html.encode("utf-8"), encoding="utf-8", headers=headers)

    async def _load(self, page: Any, url: str) -> tuple[str, bytes | None]:
        tracker = chromium.NetworkTracker(page)
        await page.goto(url, wait_until="load", timeout=self.page_timeout * 1000)
        await chromium.settle(page, tracker, self.idle_wait, self.max_height)
        html = await page.content()
        png = await chromium.screenshot(page, self.max_height) if self.take_screenshot else None
        return html, png

    async def _route(self, route: Any, state: _PageState) -> None:
        request = route.request
        url = request.url
        try:
            if not state.served_main and request.is_navigation_request() and request.frame.parent_frame is None:
                # the page itself (whatever the browser's spelling of its URL): the response
                # the crawler has just fetched and archived
                state.served_main = True
                resp = state.response
                await route.fulfill(status=resp.status, headers=_fulfil_headers(resp.headers), body=resp.body)
                return
            await self._route_resource(route, request, state)
        except Exception as exc:  # noqa: BLE001 - the page may be gone already
            logger.debug("browser route %s: %s", url, exc)
            try:
                await route.abort("failed")  # never leave the browser waiting for an answer
            except Exception:  # noqa: BLE001 - already answered, or the page is gone
                pass

    async def _route_resource(self, route: Any, request: Any, state: _PageState) -> None:
        url = request.url
        if not url.startswith(("http://", "https://")):
            await route.abort("blockedbyclient")
            return
        if request.is_navigation_request() and request.frame.parent_frame is None:
            # the page navigating away (a script redirect): the crawl's links decide that
            self.stats.inc_value("browser/requests/navigation_blocked")
            await route.abort("aborted")
            return
        state.requests += 1
        if state.requests > self.max_requests or any(rx.search(url) for rx in self.deny):
            self.stats.inc_value("browser/requests/blocked")
            await route.abort("blockedbyclient")
            return
        method = request.method
        if method == "GET":
            cached = self.cache.get(url)
            if cached is not None:
                self.stats.inc_value("browser/requests/cached")
                status, headers, body = cached
                await route.fulfill(status=status, headers=headers, body=body)
                return
        kind = request.resource_type
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP_REQUEST_HEADERS}
        meta = {
            "seed": state.response.meta.get("seed"),
            "via": state.response.url,
            "hops": state.hops + ("X" if kind in ("xhr", "fetch") else "E"),
            "source": "browser",
            "browser": True,
            "dont_redirect": True,
            "dont_retry": True,
            "handle_httpstatus_all": True,
        }
        sreq = scrapy.Request(url, method=method, headers=headers, body=request.post_data_buffer,
                              meta=meta, dont_filter=True, priority=100)
        self.stats.inc_value("browser/requests")
        try:
            resp = await self.crawler.engine.download_async(sreq)
        except Exception as exc:  # noqa: BLE001 - robots.txt, SSRF guard, DNS, timeout...
            self.stats.inc_value("browser/requests/failed")
            logger.info("browser request not fetched: %s: %s", url, type(exc).__name__)
            await route.abort("blockedbyclient" if "IgnoreRequest" in type(exc).__name__ or
                              "Blocked" in type(exc).__name__ else "failed")
            return
        out_headers = _fulfil_headers(resp.headers)
        if method == "GET" and kind != "document":
            # archived now: the crawl's own resource/link requests for it would fetch it twice
            note = getattr(self.crawler.spider, "note_fetched", None)
            if note is not None:
                note(url)
            if resp.status == 200:
                self.cache.put(url, resp.status, out_headers, resp.body)
        await route.fulfill(status=resp.status, headers=out_headers, body=resp.body)

    def _write_screenshot(self, response: Response, png: bytes) -> None:
        from crawler.archive.archiver import Archiver

        archiver = Archiver.from_crawler(self.crawler)
        warc = response.meta.get("warc") or {}
        if not archiver.enabled or archiver.closed:
            return
        headers = {"WARC-Concurrent-To": warc["record_id"]} if warc.get("record_id") else {}
        archiver.writer.write_record("resource", SCREENSHOT_URN + response.url, io.BytesIO(png),
                                     content_type="image/png", headers=headers)
        self.stats.inc_value("browser/screenshots")
        self.stats.inc_value("browser/screenshot_bytes", len(png))

    # -- browser lifecycle ---------------------------------------------------------------
    async def _browser_slot(self) -> _Slot:
        async with self._launch_lock:
            slot = self._slot
            if slot is not None and not slot.dead and not slot.retiring and slot.browser.is_connected():
                return slot
            if self._pw is None:
                self._pw_manager = self._async_playwright()
                self._pw = await self._pw_manager.start()
            browser = await chromium.launch(self._pw, self.executable,
                                            ("--host-resolver-rules=MAP * ~NOTFOUND",))
            # one context per browser (the crawl sends no cookies anyway), a new page per render
            context = await browser.new_context(viewport=chromium.VIEWPORT, user_agent=self.user_agent,
                                                service_workers="block", accept_downloads=False)
            new = _Slot(browser, context)

            def disconnected(*_: Any) -> None:
                new.dead = True

            browser.on("disconnected", disconnected)
            self._slot = new
            self.stats.inc_value("browser/launches")
            return new

    async def _maybe_retire(self, slot: _Slot) -> None:
        if not slot.retiring and not slot.dead:
            if slot.pages >= self.pages_per_browser:
                slot.retiring = True
                self.stats.inc_value("browser/recycled/pages")
            elif self.max_rss and slot.pages % 10 == 0 and chromium.tree_rss(os.getpid()) > self.max_rss:
                slot.retiring = True
                self.stats.inc_value("browser/recycled/memory")
        if (slot.retiring or slot.dead) and slot.inflight == 0:
            if self._slot is slot:
                self._slot = None
            await _close_browser(slot.browser)

    async def close(self) -> None:
        self._closing = True
        slot, self._slot = self._slot, None
        if slot is not None:
            await _close_browser(slot.browser)
        if self._pw_manager is not None:
            try:
                await asyncio.wait_for(self._pw_manager.__aexit__(None, None, None), 15)
            except Exception:  # noqa: BLE001 - at close: never block it
                pass
            self._pw_manager = self._pw = None

    async def _spider_closed(self) -> None:
        await self.close()


async def _close_browser(browser: Any) -> None:
    try:
        await asyncio.wait_for(browser.close(), 15)
    except Exception:  # noqa: BLE001 - already dead, or hung: the driver kills it at exit
        pass


def _fulfil_headers(headers: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, values in headers.items():
        name = key.decode("latin-1")
        if name.lower() in _HOP_HEADERS:
            continue
        out[name] = ("\n" if name.lower() == "set-cookie" else ", ").join(
            v.decode("latin-1") for v in values)
    return out
