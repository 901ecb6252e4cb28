"""The replay check (``crawler qa``): does each archived article replay as it looked?

For every archived article of a crawl (HTML pages when the crawl made no article records)
the check opens its replay in pywb (unframed, the ``mp_`` page itself) in headless Chromium
and records:

* **missing resources**: requests of the replayed page that the archive cannot answer --
  pywb answers 4xx/5xx or the request fails -- and requests that would have left the
  archive for the live web (the check's browser refuses them: a replay must not reach the
  live site);
* **pixel difference** between the replay's full-page screenshot and a reference: the
  capture's own screenshot record (``urn:screenshot:<url>``, written by ``crawl --browser``),
  else, when the live URL still answers (right after a crawl), a screenshot of the live page
  taken now, with the same browser settings.

A page passes when it replays (HTTP 200), misses at most ``max_missing`` resources and
differs by at most ``max_diff`` percent of pixels (a page with no reference is judged on
its resources only).  :func:`run_qa` returns the report as a dict; :func:`write_report`
writes ``report.html`` (thumbnails of replay and reference side by side) and
``report.json`` into a folder.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import time
from pathlib import Path
from typing import Any

from crawler.archive.cdxj import parse_line, warc_keys
from crawler.replay.pywb import COLLECTION, ReplayServer, crawl_index_lines, iter_html_captures, list_captures

logger = logging.getLogger(__name__)

SCREENSHOT_URN = "urn:screenshot:"
DEFAULT_MAX_MISSING = 0
DEFAULT_MAX_DIFF = 1.0
DEFAULT_PAGE_TIMEOUT = 60.0
DEFAULT_IDLE_WAIT = 2.0
_REPLAY_PATH = re.compile(r"^(\d{0,14})([a-z]{2}_)?/(.*)$", re.S)


class QAError(RuntimeError):
    """Nothing to check (unknown crawl, no captures); ``exit_code`` says how to exit."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


class UnframedReplayServer(ReplayServer):
    """pywb with ``framed_replay: false``: the rewritten page is the top document (in framed
    mode an ``mp_`` page loaded on its own redirects to the frame wrapper)."""

    def prepare(self) -> Path:
        work = super().prepare()
        config = work / "config.yaml"
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("framed_replay: true", "framed_replay: false"), encoding="utf-8")
        return work


def latest_crawl_id(store: Any) -> str | None:
    ids = sorted({k.split("/")[1] for k in warc_keys(store)})
    return ids[-1] if ids else None


def screenshot_records(store: Any, crawl_id: str) -> dict[str, tuple[str, int, int]]:
    """Page URL -> (WARC key, offset, length) of its latest ``urn:screenshot:`` record."""
    found: dict[str, tuple[str, str, int, int]] = {}
    for key, line in crawl_index_lines(store, crawl_id):
        if "urn:screenshot:" not in line:
            continue
        _, ts, fields = parse_line(line)
        url = fields.get("url", "")
        if url.startswith(SCREENSHOT_URN):
            page = url[len(SCREENSHOT_URN):]
            if page not in found or ts >= found[page][0]:
                found[page] = (ts, key, int(fields["offset"]), int(fields["length"]))
    return {page: (key, off, length) for page, (_, key, off, length) in found.items()}


def read_screenshot(store: Any, where: tuple[str, int, int]) -> bytes:
    from crawler.reader.captures import read_range, warc_record_block

    _, block = warc_record_block(read_range(store, *where))
    return block


def original_url(replay_url: str, prefix: str) -> str:
    """``http://127.0.0.1:P/archive/2026...im_/http://site/x.png`` -> ``http://site/x.png``."""
    m = _REPLAY_PATH.match(replay_url[len(prefix):]) if replay_url.startswith(prefix) else None
    return m.group(3) if m else replay_url


class _Checker:
    def __init__(self, browser: Any, replay_base: str, *, page_timeout: float, idle_wait: float):
        self.browser = browser
        self.base = replay_base
        self.prefix = f"{replay_base}/{COLLECTION}/"
        self.page_timeout = page_timeout
        self.idle_wait = idle_wait

    async def replay(self, url: str, timestamp: str) -> dict[str, Any]:
        from crawler.browser import chromium

        replay_url = f"{self.prefix}{timestamp}mp_/{url}"
        missing: dict[str, str] = {}
        ctx = await self.browser.new_context(viewport=chromium.VIEWPORT, service_workers="block")
        try:
            page = await ctx.new_page()

            async def route(route: Any) -> None:
                target = route.request.url
                if target.startswith(self.base + "/") or not target.startswith(("http://", "https://")):
                    await route.continue_()
                else:  # would reach the live web: the archive lacks it
                    missing.setdefault(target, "left the archive (live web)")
                    await route.abort("blockedbyclient")

            def on_response(resp: Any) -> None:
                if resp.status >= 400 and resp.url.startswith(self.prefix) and resp.url != replay_url:
                    missing.setdefault(original_url(resp.url, self.prefix), f"HTTP {resp.status} from pywb")

            def on_failed(req: Any) -> None:
                if req.url.startswith(self.prefix) and req.url != replay_url:
                    missing.setdefault(original_url(req.url, self.prefix), f"failed: {req.failure}")

            page.on("response", on_response)
            page.on("requestfailed", on_failed)
            await page.route("**/*", route)
            tracker = chromium.NetworkTracker(page)
            resp = await page.goto(replay_url, wait_until="load", timeout=self.page_timeout * 1000)
            status = resp.status if resp is not None else 0
            await chromium.settle(page, tracker, self.idle_wait)
            png = await chromium.screenshot(page)
        finally:
            await ctx.close()
        missing.pop(url, None)
        return {"replay_url": replay_url, "status": status, "png": png,
                "missing": [{"url": u, "why": why} for u, why in sorted(missing.items())]}

    async def live(self, url: str) -> bytes | None:
        from crawler.browser import chromium

        ctx = await self.browser.new_context(viewport=chromium.VIEWPORT, service_workers="block")
        try:
            page = await ctx.new_page()
            tracker = chromium.NetworkTracker(page)
            resp = await page.goto(url, wait_until="load", timeout=self.page_timeout * 1000)
            if resp is None or resp.status >= 400:
                return None
            await chromium.settle(page, tracker, self.idle_wait)
            return await chromium.screenshot(page)
        except Exception as exc:  # noqa: BLE001 - the live site may be gone: no reference then
            logger.info("live page %s unavailable: %s", url, str(exc).splitlines()[0][:200])
            return None
        finally:
            await ctx.close()


async def _check_all(captures: list[dict[str, Any]], shots: dict[str, tuple[str, int, int]], store: Any,
                     replay_base: str, *, live: bool, max_missing: int, max_diff: float,
                     page_timeout: float, idle_wait: float) -> list[dict[str, Any]]:
    from crawler.browser import chromium
    from crawler.replay.pixeldiff import pixel_difference

    async_playwright = chromium.import_playwright()
    pages: list[dict[str, Any]] = []
    async with async_playwright() as pw:
        browser = await chromium.launch(pw, chromium.find_executable())
        checker = _Checker(browser, replay_base, page_timeout=page_timeout, idle_wait=idle_wait)
        try:
            for cap in captures:
                url = cap["url"]
                entry: dict[str, Any] = {"url": url, "timestamp": cap["timestamp"], "title": cap.get("title")}
                try:
                    rep = await checker.replay(url, cap["timestamp"])
                except Exception as exc:  # noqa: BLE001 - one page's failure is that page's result
                    entry.update(status=0, error=f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}",
                                 missing=[], diff=None, reference=None, passed=False)
                    pages.append(entry)
                    continue
                ref, reference = None, None
                if url in shots:
                    ref, reference = read_screenshot(store, shots[url]), "capture"
                elif live:
                    ref = await checker.live(url)
                    reference = "live" if ref is not None else None
                diff = pixel_difference(rep["png"], ref) if ref is not None else None
                passed = (rep["status"] == 200 and len(rep["missing"]) <= max_missing
                          and (diff is None or diff <= max_diff))
                entry.update(status=rep["status"], replay_url=rep["replay_url"], missing=rep["missing"],
                             diff=None if diff is None else round(diff, 3), reference=reference,
                             passed=passed, _replay_png=rep["png"], _reference_png=ref)
                pages.append(entry)
        finally:
            await browser.close()
    return pages


def run_qa(store: Any, crawl_id: str | None = None, *, live: bool = True, max_missing: int = DEFAULT_MAX_MISSING,
           max_diff: float = DEFAULT_MAX_DIFF, limit: int = 0, page_timeout: float = DEFAULT_PAGE_TIMEOUT,
           idle_wait: float = DEFAULT_IDLE_WAIT, all_pages: bool = False) -> dict[str, Any]:
    """Check a crawl's replay; the report (pages carry their PNGs under ``_replay_png`` /
    ``_reference_png`` for :func:`write_report`).  ``all_pages``: every archived HTML page
    (HTTP 200), not only the articles -- pages whose text never arrived are not articles."""
    from crawler.browser import chromium

    chromium.check_available()
    if crawl_id is None:
        crawl_id = latest_crawl_id(store)
        if crawl_id is None:
            raise QAError(f"no WARC files in {store.uri}", 1)
    elif not warc_keys(store, crawl_id):
        raise QAError(f"no crawl {crawl_id} with WARC files in {store.uri}", 2)
    captures = _all_html_pages(store, crawl_id) if all_pages else list_captures(store, crawl_id)
    if limit:
        captures = captures[:limit]
    if not captures:
        raise QAError(f"crawl {crawl_id} archived no HTML page to check", 1)
    shots = screenshot_records(store, crawl_id)
    started = time.monotonic()
    with UnframedReplayServer(store, crawl_id) as rs:
        pages = asyncio.run(_check_all(captures, shots, store, rs.base_url, live=live, max_missing=max_missing,
                                       max_diff=max_diff, page_timeout=page_timeout, idle_wait=idle_wait))
    diffs = [p["diff"] for p in pages if p.get("diff") is not None]
    missing_urls = sorted({m["url"] for p in pages for m in p.get("missing", [])})
    summary = {
        "crawl_id": crawl_id,
        "store": store.uri,
        "pages": len(pages),
        "passed": sum(1 for p in pages if p["passed"]),
        "failed": sum(1 for p in pages if not p["passed"]),
        "missing_resources": sum(len(p.get("missing", [])) for p in pages),
        "missing_resource_urls": len(missing_urls),
        "pages_with_missing": sum(1 for p in pages if p.get("missing")),
        "reference": {kind: sum(1 for p in pages if p.get("reference") == kind) for kind in ("capture", "live")},
        "no_reference": sum(1 for p in pages if p.get("reference") is None),
        "mean_diff": round(sum(diffs) / len(diffs), 3) if diffs else None,
        "max_diff": round(max(diffs), 3) if diffs else None,
        "thresholds": {"max_missing": max_missing, "max_diff": max_diff},
        "elapsed_seconds": round(time.monotonic() - started, 1),
    }
    return {"summary": summary, "pages": pages}


def _all_html_pages(store: Any, crawl_id: str) -> list[dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for cap in iter_html_captures(store, crawl_id):
        if cap["url"] not in latest or cap["timestamp"] > latest[cap["url"]]["timestamp"]:
            latest[cap["url"]] = {"url": cap["url"], "timestamp": cap["timestamp"], "title": None}
    return [latest[u] for u in sorted(latest)]


def public(report: dict[str, Any]) -> dict[str, Any]:
    """The report without the PNG bytes (JSON-able)."""
    return {"summary": report["summary"],
            "pages": [{k: v for k, v in p.items() if not k.startswith("_")} for p in report["pages"]]}


def write_report(report: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """``report.html`` + ``report.json`` + thumbnails in ``out_dir``; returns the JSON-able
    report (with the thumbnails' paths, relative to ``out_dir``)."""
    from crawler.replay.pixeldiff import thumbnail

    out_dir.mkdir(parents=True, exist_ok=True)
    img = out_dir / "img"
    img.mkdir(exist_ok=True)
    data = public(report)
    rows = []
    for n, (page, full) in enumerate(zip(data["pages"], report["pages"])):
        cells = []
        for kind in ("replay", "reference"):
            png = full.get(f"_{kind}_png")
            if png:
                name = f"{n:04d}-{kind}.png"
                (img / name).write_bytes(thumbnail(png))
                page[f"{kind}_thumbnail"] = f"img/{name}"
                cells.append(f'<td><img src="img/{name}" alt="{kind}"></td>')
            else:
                cells.append(f"<td class=none>{'no reference' if kind == 'reference' else 'no replay'}</td>")
        missing = "".join(f"<li><code>{html.escape(m['url'])}</code> — {html.escape(m['why'])}</li>"
                          for m in page.get("missing", []))
        diff = "–" if page.get("diff") is None else f"{page['diff']:.2f} %"
        verdict = "PASS" if page["passed"] else "FAIL"
        rows.append(
            f'<tr class="{verdict.lower()}"><td><b>{verdict}</b><br><a href="{html.escape(page["url"])}">'
            f'{html.escape(page.get("title") or page["url"])}</a>'
            f'{"<br><small>" + html.escape(page["url"]) + "</small>" if page.get("title") else ""}'
            f'<br>replay HTTP {page.get("status")} · pixel difference {diff} '
            f'({html.escape(page.get("reference") or "no reference")}) · {len(page.get("missing", []))} missing'
            f'{"<br>" + html.escape(page["error"]) if page.get("error") else ""}'
            f'<ul>{missing}</ul></td>{"".join(cells)}</tr>')
    s = data["summary"]
    mean = "–" if s["mean_diff"] is None else f"{s['mean_diff']:.2f} %"
    worst = "–" if s["max_diff"] is None else f"{s['max_diff']:.2f} %"
    doc = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Replay check {html.escape(s['crawl_id'])}</title>
<style>body{{font-family:sans-serif;margin:2em}} td{{vertical-align:top;padding:8px;border-top:1px solid #ccc}}
tr.fail td:first-child{{border-left:6px solid #c0392b}} tr.pass td:first-child{{border-left:6px solid #27ae60}}
img{{width:320px;border:1px solid #999}} .none{{color:#888;width:320px}} code{{font-size:90%}}</style></head>
<body><h1>Replay check of crawl {html.escape(s['crawl_id'])}</h1>
<p>{s['passed']} of {s['pages']} pages pass (at most {s['thresholds']['max_missing']} missing resources and
{s['thresholds']['max_diff']} % of pixels different). Missing resources: {s['missing_resources']} on
{s['pages_with_missing']} pages ({s['missing_resource_urls']} distinct URLs). Pixel difference: mean {mean},
worst {worst}; reference screenshots: {s['reference']['capture']} from the capture, {s['reference']['live']}
live, {s['no_reference']} none.</p>
<table><tr><th>page</th><th>replay</th><th>reference</th></tr>
{chr(10).join(rows)}
</table></body></html>
"""
    (out_dir / "report.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    (out_dir / "report.html").write_text(doc, encoding="utf-8")
    return data
