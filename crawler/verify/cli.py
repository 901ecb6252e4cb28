"""``crawler verify --store URI [--crawl-id ID] [--json]``: the fixity audit on the command line.

Exit codes (:mod:`crawler.exitcodes`, reading commands): 0 all clean, 1 problems found,
2 bad usage (including an unknown crawl id), 3 the store does not exist or cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from crawler.clierror import cli_error
from crawler.exitcodes import EXIT_FAILED, EXIT_OK, EXIT_STORE, EXIT_USAGE

EPILOG = """examples:
  crawler verify                                   # audit ./archive
  crawler verify --store s3://news-archive/crawls --json > audit.json
  crawler verify --store /data/archive --crawl-id 20261126T151500Z-3fa9c1

Checks that every file the run manifests list is there with its size and SHA-256, every
WARC reads cleanly with valid block and payload digests, every CDXJ line lands on its
record, every JSON record's warc pointer names its response, every revisit's original is
in the store; lists orphans (files no manifest lists).  Each object is read once.

exit codes: 0 all clean, 1 problems found (each names its file), 2 bad usage or unknown
crawl id, 3 store missing or unreadable
"""


def register(sub: Any) -> None:
    p = sub.add_parser("verify", help="fixity audit of a store: sizes, SHA-256, WARC digests, indexes, pointers",
                       description="Audit a local or S3 store against its run manifests.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", metavar="URI", default="./archive",
                   help="local folder, file:// URI or s3://bucket/prefix (default ./archive)")
    p.add_argument("--crawl-id", metavar="ID", help="audit only this run's files (and what they point at)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("-v", "--verbose", action="store_true", help="print each file as it is read (stderr)")
    p.set_defaults(handler=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    from crawler.crawlid import CrawlIdError, check_crawl_id
    from crawler.verify.audit import StoreMissing, UnknownCrawl, verify_store

    if args.crawl_id is not None:
        try:
            check_crawl_id(args.crawl_id, "--crawl-id")
        except CrawlIdError as exc:
            return cli_error(exc, EXIT_USAGE)
    progress = (lambda key: print(f"reading {key}", file=sys.stderr)) if args.verbose else None
    try:
        report = verify_store(args.store, args.crawl_id, progress=progress)
    except StoreMissing as exc:
        return cli_error(exc, EXIT_STORE)
    except UnknownCrawl as exc:
        return cli_error(exc, EXIT_USAGE)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        report.print_table()
    if not report.clean:
        files = report.files_with_problems
        print(f"crawler: verify: {report.problem_count} problem(s) in {len(files)} file(s)", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


HANDLERS: dict[str, Any] = {}

__all__ = ["register", "cmd_verify"]
