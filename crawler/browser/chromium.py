"""Headless Chromium through Playwright: launch, settle a page, take its screenshot.

The capture (:mod:`crawler.browser.render`) and the replay check
(:mod:`crawler.replay.qa`) use the same viewport, the same settling steps and the same
screenshot, so a capture's screenshot and its replay's are comparable pixel for pixel.

Chromium is the system's (Debian ``chromium``, ``/usr/bin/chromium``), never a browser
downloaded by ``playwright install``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

#: Where Debian's package installs it; ``CRAWLER_BROWSER_EXECUTABLE`` overrides.
DEFAULT_EXECUTABLE = "/usr/bin/chromium"
LAUNCH_ARGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-extensions", "--dns-prefetch-disable",
    "--hide-scrollbars", "--font-render-hinting=none", "--force-color-profile=srgb",
)
VIEWPORT = {"width": 1280, "height": 800}
#: Full-page screenshots are cut at this height (px): a 50,000 px page would make a huge PNG.
DEFAULT_SCREENSHOT_MAX_HEIGHT = 10_000
#: Seconds without a request in flight after which a scrolled page counts as settled.
QUIET = 0.25


class BrowserUnavailable(RuntimeError):
    """Playwright is not installed, or the Chromium executable is missing."""


def find_executable(path: str | None = None) -> str:
    candidates = [path] if path else [DEFAULT_EXECUTABLE, shutil.which("chromium") or ""]
    for cand in candidates:
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return cand
    raise BrowserUnavailable(
        f"Chromium not found at {path or DEFAULT_EXECUTABLE}: install the Debian package "
        "'chromium' (apt-get install chromium) or set CRAWLER_BROWSER_EXECUTABLE")


def import_playwright() -> Any:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        raise BrowserUnavailable(
            "browser mode needs Playwright: pip install 'newsarchiver[browser]' "
            "(Chromium itself comes from the system package, never 'playwright install')") from None
    return async_playwright


def check_available(executable: str | None = None) -> str:
    """Raise :class:`BrowserUnavailable` (one clear line) unless browser mode can run."""
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        import_playwright()
    return find_executable(executable)


#: In loopback-only mode (``$NEWSARCHIVER_LOOPBACK_ONLY``): no host name resolves but these.
LOOPBACK_RESOLVER_RULES = ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, "
                           "EXCLUDE 127.0.0.1, EXCLUDE 127.0.0.2")


async def launch(playwright: Any, executable: str, extra_args: tuple[str, ...] = ()) -> Any:
    loopback_only = os.environ.get("NEWSARCHIVER_LOOPBACK_ONLY", "").strip().lower() in ("1", "true", "yes", "on")
    if loopback_only and not any(a.startswith("--host-resolver-rules") for a in extra_args):
        extra_args = (*extra_args, LOOPBACK_RESOLVER_RULES)
    return await playwright.chromium.launch(
        executable_path=executable, headless=True, args=[*LAUNCH_ARGS, *extra_args],
        handle_sigint=False, handle_sigterm=False, handle_sighup=False)


_SCROLL_JS = """async (maxHeight) => {
  const step = Math.max(200, window.innerHeight - 100);
  let y = 0;
  const bottom = () => Math.min(maxHeight, document.documentElement.scrollHeight);
  while (y < bottom()) {
    y += step;
    window.scrollTo(0, y);
    await new Promise(r => setTimeout(r, 50));
  }
  window.scrollTo(0, 0);
  return document.documentElement.scrollHeight;
}"""


class NetworkTracker:
    """Requests of a page in flight, to tell when its network has gone quiet (``QUIET`` s with
    none in flight) -- Playwright's ``networkidle`` needs 500 ms and fires once per load.
    Attach it before ``goto``."""

    def __init__(self, page: Any):
        self.inflight = 0
        self.last = asyncio.get_running_loop().time()
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, _: Any) -> None:
        self.inflight += 1
        self.last = asyncio.get_running_loop().time()

    def _ended(self, _: Any) -> None:
        self.inflight = max(0, self.inflight - 1)
        self.last = asyncio.get_running_loop().time()

    async def quiet(self, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if self.inflight == 0 and loop.time() - self.last >= QUIET:
                return True
            await asyncio.sleep(0.05)
        return False


async def settle(page: Any, tracker: NetworkTracker, idle_wait: float,
                 max_height: int = DEFAULT_SCREENSHOT_MAX_HEIGHT) -> None:
    """After ``load``: wait for the network to go quiet (at most ``idle_wait`` s), scroll the
    page down and back (lazy images and infinite content start loading), wait again."""
    await tracker.quiet(idle_wait)
    try:
        await asyncio.wait_for(page.evaluate(_SCROLL_JS, max_height), timeout=max(idle_wait, 1.0) * 2)
    except asyncio.TimeoutError:
        pass
    await tracker.quiet(idle_wait)


async def screenshot(page: Any, max_height: int = DEFAULT_SCREENSHOT_MAX_HEIGHT) -> bytes:
    """Full-page PNG, cut at ``max_height`` px; animations stopped, caret hidden."""
    height = await page.evaluate(
        "() => Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)")
    kwargs: dict[str, Any] = {"full_page": True, "type": "png", "animations": "disabled", "caret": "hide"}
    if height and height > max_height:
        kwargs["clip"] = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": max_height}
    return await page.screenshot(**kwargs)


def tree_rss(root_pid: int, name_part: str = "chrom") -> int:
    """Resident memory (bytes) of the descendants of ``root_pid`` whose command name
    contains ``name_part`` (the browser's processes), read from /proc; 0 elsewhere."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode("latin-1")
        except OSError:
            continue
        lpar, rpar = stat.find("("), stat.rfind(")")
        pid = int(entry)
        names[pid] = stat[lpar + 1:rpar]
        ppid = int(stat[rpar + 2:].split()[1])
        children.setdefault(ppid, []).append(pid)
    total, stack = 0, list(children.get(root_pid, ()))
    page = os.sysconf("SC_PAGE_SIZE")
    while stack:
        pid = stack.pop()
        stack += children.get(pid, ())
        if name_part in names.get(pid, ""):
            try:
                with open(f"/proc/{pid}/statm") as fh:
                    total += int(fh.read().split()[1]) * page
            except (OSError, ValueError, IndexError):
                pass
    return total
