"""The ``crawler`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from crawler import __version__

EPILOG = """examples:
  crawler crawl https://news.example.com/ --max-pages 500
  crawler crawl --seeds-file seeds.txt --store /data/news-archive --depth 3
  crawler demo                       # crawl the bundled demo site into ./archive
  crawler schema > article.schema.json
"""

CRAWL_EPILOG = """examples:
  crawler crawl https://news.example.com/
  crawler crawl https://a.example/ https://b.example/ --store file:///data/archive --max-pages 1000
  crawler crawl --seeds-file seeds.txt --depth 2 --since 2d -s DOWNLOAD_DELAY=1

exit codes: 0 finished, 1 crawl failed, 2 bad usage / no valid seed, 3 store not writable
"""


def _setting(value: str) -> tuple[str, Any]:
    if "=" not in value:
        raise argparse.ArgumentTypeError("expected NAME=VALUE")
    name, raw = value.split("=", 1)
    try:
        parsed: Any = json.loads(raw)
    except ValueError:
        parsed = raw
    return name.strip(), parsed


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crawler", description="News archival crawler: WARC capture + clean article JSON.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    crawl = sub.add_parser("crawl", help="crawl seed URLs into the store",
                           description="Crawl news sites into WARC files and cleaned JSON Lines.",
                           epilog=CRAWL_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    crawl.add_argument("seeds", nargs="*", metavar="SEED_URL", help="start URLs (home or section pages)")
    crawl.add_argument("--seeds-file", metavar="F", help="file with one seed URL per line (# comments)")
    crawl.add_argument("--store", metavar="URI", default="./archive",
                       help="local folder or file:// URI (default ./archive)")
    crawl.add_argument("--max-pages", type=int, metavar="N", help="stop after N fetched pages")
    crawl.add_argument("--depth", type=int, metavar="N", help="max link hops from a seed (sitemaps/feeds count as 1)")
    crawl.add_argument("--allow-private", action="store_true",
                       help="allow private, loopback and link-local addresses (refused by default)")
    crawl.add_argument("--since", metavar="WHEN", help="sitemap window: '2d', '12h' or an ISO date")
    crawl.add_argument("--no-robots", action="store_true", help="do not obey robots.txt (use with care)")
    crawl.add_argument("--crawl-id", metavar="ID", help="use this crawl id instead of a generated one")
    crawl.add_argument("-s", "--set", action="append", type=_setting, default=[], metavar="NAME=VALUE",
                       help="override a Scrapy/crawler setting (JSON values accepted)")
    crawl.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")

    demo = sub.add_parser("demo", help="serve the bundled demo news site and crawl it",
                          description="Start the demo news site on 127.0.0.1, crawl it, print a summary.")
    demo.add_argument("--store", metavar="URI", default="./archive")
    demo.add_argument("-v", "--verbose", action="count", default=0)

    sub.add_parser("schema", help="print the JSON Schema of the article record")
    return parser


def crawl_overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {"CRAWLER_STORE": args.store}
    if args.max_pages:
        overrides["CRAWLER_MAX_PAGES"] = args.max_pages
    if args.depth is not None:
        overrides["CRAWLER_MAX_DEPTH"] = args.depth
    if args.allow_private:
        overrides["CRAWLER_ALLOW_PRIVATE"] = True
    if args.since:
        overrides["CRAWLER_SITEMAP_SINCE"] = args.since
    if args.no_robots:
        overrides["ROBOTSTXT_OBEY"] = False
    if args.crawl_id:
        overrides["CRAWLER_CRAWL_ID"] = args.crawl_id
    overrides.update(dict(args.set))
    return overrides


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.runner import CrawlSetupError, StoreError, print_summary, run_crawl, EXIT_STORE

    try:
        result = run_crawl(args.seeds, crawl_overrides(args), seeds_file=args.seeds_file,
                           verbose=args.verbose)
    except CrawlSetupError as exc:
        print(f"crawler: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except StoreError as exc:
        print(f"crawler: error: {exc}", file=sys.stderr)
        return EXIT_STORE
    except FileNotFoundError as exc:
        print(f"crawler: error: {exc}", file=sys.stderr)
        return 2
    if result.manifest:
        print_summary(result.manifest)
    else:
        print(f"crawler: crawl {result.crawl_id} did not finish; no manifest written", file=sys.stderr)
    return result.exit_code


def cmd_schema(args: argparse.Namespace) -> int:
    from crawler.schema import schema_text

    sys.stdout.write(schema_text())
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.demo.run import run_demo

    return run_demo(args.store, verbose=args.verbose)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    handler = {"crawl": cmd_crawl, "schema": cmd_schema, "demo": cmd_demo}[args.command]
    return handler(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
