"""``crawler qa``: the replay check (see :mod:`crawler.replay.qa`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from crawler.clierror import cli_error
from crawler.exitcodes import EXIT_FAILED, EXIT_OK, EXIT_STORE, EXIT_USAGE

EPILOG = """examples:
  crawler qa                                   # the latest crawl in ./archive
  crawler qa --store /data/archive --crawl 20261126T151500Z-3fa9c1 --out qa-report
  crawler qa --json --max-diff 2 --max-missing 1 > qa.json
  crawler qa --no-live                         # never compare with the live site
  crawler qa --all-pages                       # every archived HTML page, not only articles

Opens every archived article of the crawl in pywb with headless Chromium (needs the
[browser] extra and the chromium package) and reports, per page and in total, the
resources the replayed page requested that the archive lacks and the share of pixels
that differ from the capture's screenshot (crawl --browser) or, without one, from the
live page when it still answers.  Writes OUT/report.html (thumbnails of both) and
OUT/report.json.

exit codes: 0 every page passes, 1 a page fails (or nothing to check), 2 bad usage or
unknown crawl, 3 store unreadable
"""


def register(sub: Any) -> None:
    qa = sub.add_parser("qa", help="check that archived pages replay as they looked (pywb + Chromium)",
                        description="Replay check: missing resources and pixel difference per archived page.",
                        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    qa.add_argument("--store", metavar="URI", default="./archive")
    qa.add_argument("--crawl", metavar="ID", help="the crawl to check (default: the latest)")
    qa.add_argument("--out", metavar="DIR", help="report folder (default: qa-<crawl id>)")
    qa.add_argument("--max-missing", type=int, default=0, metavar="N",
                    help="a page fails with more missing resources than this (default 0)")
    qa.add_argument("--max-diff", type=float, default=1.0, metavar="PCT",
                    help="a page fails when more than PCT %% of its pixels differ (default 1.0)")
    qa.add_argument("--no-live", action="store_true",
                    help="without a capture screenshot, do not compare with the live page")
    qa.add_argument("--all-pages", action="store_true",
                    help="check every archived HTML page, not only the articles")
    qa.add_argument("--limit", type=int, default=0, metavar="N", help="check only the first N pages")
    qa.add_argument("--page-timeout", type=float, default=60.0, metavar="S", help="seconds per page load")
    qa.add_argument("--json", action="store_true", help="print the report as JSON")
    qa.set_defaults(handler=cmd_qa)


def cmd_qa(args: argparse.Namespace) -> int:
    from crawler.browser.chromium import BrowserUnavailable
    from crawler.replay.pywb import ReplayError
    from crawler.replay.qa import QAError, run_qa, write_report
    from crawler.storage import StoreError, open_store
    from crawler.tools import ToolsVenvError

    if args.max_missing < 0 or args.max_diff < 0 or args.limit < 0:
        print("crawler: error: --max-missing, --max-diff and --limit must not be negative", file=sys.stderr)
        return EXIT_USAGE
    try:
        store = open_store(args.store)
        if next(iter(store.list("")), None) is None:
            return cli_error(f"{store.uri}: the store does not exist or is empty", EXIT_STORE)
        report = run_qa(store, args.crawl, live=not args.no_live, max_missing=args.max_missing,
                        max_diff=args.max_diff, limit=args.limit, page_timeout=args.page_timeout,
                        all_pages=args.all_pages)
    except QAError as exc:
        return cli_error(exc, exc.exit_code)
    except BrowserUnavailable as exc:
        return cli_error(exc, EXIT_USAGE)
    except StoreError as exc:
        return cli_error(exc, EXIT_STORE)
    except (ReplayError, ToolsVenvError) as exc:
        return cli_error(exc, EXIT_FAILED)
    out = Path(args.out or f"qa-{report['summary']['crawl_id']}")
    data = write_report(report, out)
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        _print(data, out)
    return EXIT_OK if data["summary"]["failed"] == 0 else EXIT_FAILED


def _print(data: dict[str, Any], out: Path) -> None:
    for page in data["pages"]:
        diff = "   –   " if page.get("diff") is None else f"{page['diff']:6.2f}%"
        ref = page.get("reference") or "none"
        print(f"{'PASS' if page['passed'] else 'FAIL'}  diff {diff} ({ref:7})  missing {len(page.get('missing', [])):3}"
              f"  {page['url']}")
        if page.get("error"):
            print(f"      {page['error']}")
        for m in page.get("missing", []):
            print(f"      missing: {m['url']}  ({m['why']})")
    s = data["summary"]
    mean = "-" if s["mean_diff"] is None else f"{s['mean_diff']:.2f}%"
    worst = "-" if s["max_diff"] is None else f"{s['max_diff']:.2f}%"
    print(f"{s['passed']}/{s['pages']} pages pass; missing resources: {s['missing_resources']} "
          f"({s['missing_resource_urls']} distinct URLs, on {s['pages_with_missing']} pages); "
          f"pixel difference mean {mean}, worst {worst}; references: {s['reference']['capture']} capture, "
          f"{s['reference']['live']} live, {s['no_reference']} none")
    print(f"report: {out / 'report.html'}")
