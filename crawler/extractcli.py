"""``crawler extract URL|FILE|-``: the cleaned article record of one page, as JSON (what
``trafilatura -u URL --json`` or news-please's ``from_url`` give, with this crawler's
cleaning layer and record schema).

* ``FILE`` / ``-`` (stdin): HTML already on disk; ``--url`` tells the page's address
  (links, canonical URL, site), ``--fetched-at`` its date (default now).
* ``URL``: fetched by the crawler itself -- robots.txt, the SSRF guard (``--allow-private``),
  the User-Agent, decompression and the byte-exact capture are those of a crawl of that
  one page (no links, sitemaps or feeds followed).  Nothing is archived unless ``--store``
  is given: the capture then goes to the store (WARC, index, JSON record, manifest) like
  any crawl's, and the record printed is the stored one.

Exit codes: 0 record printed, 1 the page is not an article (listing, too short, not
HTML: the reason on stderr) or could not be fetched, 2 bad usage, 3 store error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from crawler.clierror import cli_error
from crawler.exitcodes import EXIT_FAILED, EXIT_NOT_FOUND, EXIT_OK, EXIT_STORE, EXIT_USAGE

EPILOG = """examples:
  crawler extract https://news.example.com/2026/11/26/story.html
  crawler extract story.html --url https://news.example.com/2026/11/26/story.html
  curl -s https://news.example.com/story.html | crawler extract - --url https://news.example.com/story.html
  crawler extract https://news.example.com/story.html --store ./archive    # also archive the page

Prints one JSON object (the article record of `crawler schema`).  Fetching a URL
archives nothing unless --store is given.

exit codes: 0 record printed, 1 not an article / not fetched, 2 bad usage, 3 store error
"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "extract", help="print the cleaned article record of one page (URL, file or stdin) as JSON",
        description="Extract the article of one page -- a URL (fetched like a crawl of that one page), "
                    "an HTML file or '-' for stdin -- and print its record as JSON.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", metavar="URL|FILE|-", help="page URL, HTML file, or - for standard input")
    p.add_argument("--url", metavar="URL", help="address of the page given as FILE or - (default: file:// path)")
    p.add_argument("--fetched-at", metavar="ISO", help="capture time of a FILE / - page (default now)")
    p.add_argument("--store", metavar="URI", help="archive the fetched URL into this store (default: archive nothing)")
    p.add_argument("--allow-private", action="store_true",
                   help="allow private, loopback and link-local addresses (refused by default)")
    p.add_argument("--compact", action="store_true", help="one line of JSON instead of indented")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    p.set_defaults(handler=cmd_extract)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _print(record: dict[str, Any], compact: bool) -> None:
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":")) if compact else \
        json.dumps(record, ensure_ascii=False, indent=2)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _looks_like_url(text: str) -> bool:
    """``https://...``, ``news.example.com/story`` or a mistyped ``http//...`` -- unless a
    file of that name exists."""
    if "://" in text:
        return True
    if os.path.exists(text):
        return False
    return bool(re.match(r"^https?:?/", text, re.IGNORECASE)) or (
        "/" in text.split("?", 1)[0] and "." in text.split("/", 1)[0])


def extract_html(body: bytes, url: str, fetched_at: str | None = None, *, status: int = 200,
                 headers: dict[str, str] | None = None, crawl_id: str = "", warc: Any = None) -> Any:
    """ExtractResult of one page's HTML (the extraction the crawl's workers run)."""
    from crawler.extract.extractor import extract_page
    from crawler.record import FetchedPage

    page = FetchedPage(url=url, status=status, headers=headers or {"content-type": "text/html"},
                       body=body, fetched_at=fetched_at or _now(), crawl_id=crawl_id, warc=warc)
    return extract_page(page)


def _result(result: Any, compact: bool) -> int:
    if result.article is None:
        what = {"listing": "a listing page, not an article", "too_short": "too short for an article",
                "not_html": "not an HTML page", "error": "extraction failed"}.get(result.kind, result.kind)
        print(f"crawler: not an article: {what} ({result.reason})", file=sys.stderr)
        return EXIT_NOT_FOUND
    _print(result.article.to_dict(), compact)
    return EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    src = args.source
    if src == "-" or not _looks_like_url(src):
        if args.store:
            return cli_error("--store archives a fetched URL; a FILE or - is not fetched", EXIT_USAGE)
        try:
            body = sys.stdin.buffer.read() if src == "-" else Path(src).read_bytes()
        except OSError as exc:
            return cli_error(f"{src}: {exc.strerror or exc}", EXIT_USAGE)
        url = args.url or ("stdin:" if src == "-" else Path(src).resolve().as_uri())
        if args.url:
            from crawler.discovery.urls import normalize_seed

            try:
                url = normalize_seed(args.url)
            except ValueError as exc:
                return cli_error(f"--url {args.url!r}: {exc}", EXIT_USAGE)
        return _result(extract_html(body, url, args.fetched_at), args.compact)
    return _extract_url(args)


def _final_url(store: Any, warc_keys: list[str], url: str) -> str:
    """``url`` after the redirects the crawl followed (from the crawl's own WARC records)."""
    from warcio.archiveiterator import ArchiveIterator

    heads: dict[str, tuple[int, str | None]] = {}
    for key in warc_keys:
        with store.open_read(key) as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type not in ("response", "revisit") or rec.http_headers is None:
                    continue
                target = rec.rec_headers.get_header("WARC-Target-URI")
                code = int(rec.http_headers.get_statuscode() or 0)
                heads[target] = (code, rec.http_headers.get_header("Location"))
    for _ in range(12):
        code, location = heads.get(url, (0, None))
        if not (300 <= code < 400 and location):
            return url
        url = urljoin(url, location)
    return url


def _extract_url(args: argparse.Namespace) -> int:
    from crawler.discovery.urls import canonicalize_url, normalize_seed
    from crawler.runner import CrawlSetupError, run_crawl
    from crawler.storage import StoreError, open_store

    try:
        url = canonicalize_url(normalize_seed(args.source))
    except ValueError as exc:
        return cli_error(f"{args.source!r}: {exc}", EXIT_USAGE)
    tmp = None if args.store else tempfile.mkdtemp(prefix="crawler-extract-")
    store_uri = args.store or tmp
    overrides: dict[str, Any] = {
        "CRAWLER_STORE": store_uri, "CRAWLER_MAX_DEPTH": 0, "CRAWLER_FOLLOW_LINKS": False,
        "CRAWLER_SITEMAPS": False, "CRAWLER_GUESS_SITEMAPS": False, "CRAWLER_FEEDS": False,
        "CRAWLER_PROGRESS": False, "CRAWLER_ALLOW_PRIVATE": bool(args.allow_private),
    }
    if tmp:  # nothing kept: no extraction pool, no dedup state, the WARC goes with the folder
        overrides.update({"ITEM_PIPELINES": {}, "DEDUP_ENABLED": False})
    try:
        result = run_crawl([url], overrides, verbose=args.verbose)
        if not result.manifest:
            return cli_error(f"{url}: the fetch did not finish", EXIT_FAILED)
        store = open_store(store_uri)
        warcs = [f["key"] for f in result.manifest.get("files", []) if f.get("kind") == "warc"]
        final = _final_url(store, warcs, url)
        if args.store:  # the record the crawl stored, when it made one
            from crawler.reader import read_articles

            for rec in read_articles(store, crawl_id=result.crawl_id):
                if rec.get("url") == final:
                    _print(rec, args.compact)
                    return EXIT_OK
        return _extract_capture(store, final, result.crawl_id if args.store else "", args)
    except CrawlSetupError as exc:
        return cli_error(str(exc), exc.exit_code)
    except StoreError as exc:
        return cli_error(str(exc), EXIT_STORE)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def _extract_capture(store: Any, url: str, crawl_id: str, args: argparse.Namespace) -> int:
    from crawler.reader import find_capture, show_capture
    from crawler.record import WarcPointer
    from crawler.replay.reprocess import decode_response, parse_http_response, raw_response

    try:
        block = show_capture(store, url)
    except LookupError:
        return cli_error(f"{url} was not fetched (refused by robots.txt or the SSRF guard, or the "
                         "connection failed: see the warnings above)", EXIT_FAILED)
    response = decode_response(raw_response(url, block, parsed=parse_http_response(block)))
    if response.status != 200:
        return cli_error(f"{url}: HTTP {response.status}", EXIT_FAILED)
    cap = find_capture(store, url)
    ts = cap.timestamp if cap else ""
    fetched_at = (f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]}T{ts[8:10]}:{ts[10:12]}:{ts[12:14]}Z"
                  if len(ts) >= 14 else _now())
    warc = None
    if crawl_id and cap is not None and cap.record_id:
        warc = WarcPointer(cap.warc_key.rsplit("/", 1)[-1], cap.offset, cap.length, cap.record_id)
    headers = {k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
               for k, v in response.headers.items()}
    return _result(extract_html(response.body, url, fetched_at, status=response.status, headers=headers,
                                crawl_id=crawl_id, warc=warc), args.compact)


__all__ = ["register", "cmd_extract", "extract_html"]
