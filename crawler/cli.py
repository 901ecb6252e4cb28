"""The ``crawler`` command line."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import Any

from crawler.cliargs import (BROWSER_HELP, CliParser, add_metrics_args, non_negative_int, parse_setting,
                             port_number, run_overrides, since_window)
from crawler.clierror import cli_error
from crawler import __version__
from crawler.exitcodes import EXIT_FAILED, EXIT_NOT_FOUND, EXIT_OK, EXIT_STORE, EXIT_USAGE
from crawler.schedule import cli as schedule_cli
from crawler import extractcli, readcli
from crawler import uploadcli
from crawler.distributed import cli as distributed_cli  # distributed crawls (scrapy-redis)
from crawler.replay import cli as replay_cli
from crawler.replay import qacli
from crawler.search import cli as search_cli
from crawler.dashboard import cli as dashboard_cli
from crawler.verify import cli as verify_cli

EPILOG = """examples:
  crawler crawl https://news.example.com/ --max-pages 500
  crawler crawl --seeds-file seeds.txt --store /data/news-archive --depth 3
  crawler demo                       # crawl the bundled demo site into ./archive
  crawler run demo                   # run the crawl job settings/jobs/demo.toml once
  crawler schedule                   # run every scheduled job in settings/jobs/ when due
  crawler schema > article.schema.json
  crawler articles --since RUN_ID --format csv --out new.csv
  crawler stats --plot stats.svg     # tables, and charts of articles per site/day and yield per run
  crawler search "harbour flooding"   # full-text search, ranked, with snippets
  crawler dashboard                  # web dashboard of ./archive on 127.0.0.1:8000
  crawler replay                     # browse the archive in pywb on 127.0.0.1:8080
  crawler qa                         # replay check: missing resources, pixel difference
  crawler export wacz --crawl ID --out crawl.wacz
  crawler reprocess --crawl ID       # re-extract articles from the WARCs, no network
  crawler verify --store s3://bucket/prefix   # fixity audit: sizes, SHA-256, digests, indexes
  crawler worker --redis redis://host:6379/0 --store s3://bucket/prefix   # join a distributed crawl
"""

CRAWL_EPILOG = """examples:
  crawler crawl https://news.example.com/
  crawler crawl https://a.example/ https://b.example/ --store file:///data/archive --max-pages 1000
  crawler crawl --seeds-file seeds.txt --depth 2 --since 2d -s DOWNLOAD_DELAY=1
  crawler crawl https://news.example.com/ --max-pages 200 --wacz news.wacz

exit codes: 0 finished, 1 crawl failed or stopped, 2 bad usage / invalid seed or setting / --crawl-id
invalid or already used, 3 store error, 4 busy, 5 nothing archived (every seed failed, site down),
6 files pending upload (every code: README, "Exit codes")
"""




def build_parser() -> argparse.ArgumentParser:
    parser = CliParser(
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
                       help="local folder, file:// URI or s3://bucket/prefix (default ./archive)")
    crawl.add_argument("--max-pages", type=non_negative_int, metavar="N",
                       help="exact budget of N fetches (robots.txt, redirects, retries included; 0 = unlimited)")
    crawl.add_argument("--depth", type=non_negative_int, metavar="N",
                       help="max link hops from a seed (sitemaps/feeds count as 1)")
    crawl.add_argument("--allow-private", action="store_true",
                       help="allow private, loopback and link-local addresses (refused by default)")
    crawl.add_argument("--since", metavar="WHEN", type=since_window,
                       help="skip sitemap and feed entries, and links with a date in their path, dated before WHEN: '2d', '12h' or an ISO date")
    crawl.add_argument("--no-robots", action="store_true", help="do not obey robots.txt (use with care)")
    crawl.add_argument("--no-resources", action="store_true",
                       help="do not fetch page resources (stylesheets, images, scripts, fonts, icons)")
    crawl.add_argument("--crawl-id", metavar="ID",
                       help="use this crawl id instead of a generated one ([A-Za-z0-9._-], new to the store)")
    crawl.add_argument("--wacz", nargs="?", const="", metavar="FILE",
                       help="when the crawl ends, package it as a WACZ file (default ./<crawl id>.wacz)")
    crawl.add_argument("--browser", action="store_true", help=BROWSER_HELP)
    crawl.add_argument("-s", "--set", action="append", type=parse_setting, default=[], metavar="NAME=VALUE",
                       help="override a Scrapy/crawler setting (JSON values accepted)")
    crawl.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    add_metrics_args(crawl)

    demo = sub.add_parser("demo", help="serve the bundled demo news site and crawl it",
                          description="Start the demo news site (The Millbrook Ledger) on 127.0.0.1, "
                                      "crawl it into the store, stop it and print a summary with the "
                                      "demo's checks.  --serve only serves the site until Ctrl-C.",
                          epilog="examples:\n  crawler demo\n  crawler demo --store /tmp/demo-archive\n"
                                 "  crawler demo --serve --port 8800   # then crawl http://127.0.0.1:8800/",
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("--store", metavar="URI", default="./archive", help="store to crawl into (default ./archive)")
    demo.add_argument("--serve", action="store_true", help="only serve the demo site, print its URL, stop on Ctrl-C")
    demo.add_argument("--port", type=port_number, default=0, metavar="N",
                      help="port for --serve (default 0: any free port)")
    demo.add_argument("-v", "--verbose", action="count", default=0, help="more log output")

    sub.add_parser("schema", help="print the JSON Schema of the article record",
                   description="Print the JSON Schema (draft 2020-12) of the article record "
                               "written to articles/*.jsonl.gz.")

    index = sub.add_parser("index", help="(re)build the CDXJ indexes of archived WARCs",
                           description="Rebuild the pywb-compatible CDXJ index of every WARC in the "
                                       "store (or of one crawl) under indexes/<crawl_id>/.",
                           epilog="examples:\n  crawler index\n  crawler index --store /data/archive --crawl 20261126T151500Z-3fa9c1",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    index.add_argument("--store", metavar="URI", default="./archive")
    index.add_argument("--crawl", metavar="ID", help="only this crawl")

    export = sub.add_parser("export", help="package a crawl (e.g. as WACZ)",
                            description="Package crawls of the store in an exchange format "
                                        "(wacz: WACZ 1.1.1, for ReplayWeb.page and pywb).")
    export_sub = export.add_subparsers(dest="format", metavar="FORMAT", required=True)
    wacz = export_sub.add_parser(
        "wacz", help="WACZ 1.1.1: WARCs, CDXJ index, pages list",
        description="Package one or several crawls of the store as one WACZ 1.1.1 file.",
        epilog="examples:\n  crawler export wacz --crawl 20261126T151500Z-3fa9c1 --out crawl.wacz\n"
               "  crawler export wacz --crawl ID1 --crawl ID2 --out both.wacz\n"
               "  crawler export wacz --from 2026-11-01 --to 2026-11-30 --out november.wacz",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    wacz.add_argument("--crawl", metavar="ID", action="append",
                      help="a crawl to include (repeatable)")
    wacz.add_argument("--from", dest="date_from", metavar="DATE",
                      help="every crawl started on or after this UTC day (YYYY-MM-DD)")
    wacz.add_argument("--to", dest="date_to", metavar="DATE",
                      help="every crawl started on or before this UTC day (inclusive)")
    wacz.add_argument("--out", metavar="FILE", required=True)
    wacz.add_argument("--store", metavar="URI", default="./archive")
    wacz.add_argument("--title", metavar="T")

    replay = sub.add_parser("replay", help="replay the archive in pywb (bound to 127.0.0.1)",
                            description="Serve the store's WARCs in pywb (its own virtual environment) "
                                        "and print the URL to open; --list lists the archived articles.",
                            epilog="examples:\n  crawler replay              # then open the printed URL\n"
                                   "  crawler replay --list       # archived articles with their replay links\n"
                                   "  crawler replay --store /data/archive --port 8090",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    replay.add_argument("--store", metavar="URI", default="./archive")
    replay.add_argument("--port", type=port_number, default=8080, help="0 = any free port (default 8080)")
    replay.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    replay.add_argument("--crawl", metavar="ID", help="only this crawl")
    replay.add_argument("--list", action="store_true", help="list archived articles and their replay links")
    schedule_cli.register(sub)
    uploadcli.register(sub)
    readcli.register(sub)
    distributed_cli.register(sub)  # crawler worker / enqueue, crawl --redis
    replay_cli.register(sub)  # crawler reprocess / recrawl-offline
    extractcli.register(sub)  # crawler extract URL|FILE|-
    qacli.register(sub)  # crawler qa (replay check)
    search_cli.register(sub)  # crawler search
    dashboard_cli.register(sub)  # crawler dashboard
    verify_cli.register(sub)  # crawler verify
    return parser


def crawl_overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides = run_overrides(args)
    overrides.update(distributed_cli.crawl_overrides(args))  # --redis/--job/--name
    overrides.update(dict(args.set))
    return overrides


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.runner import report_crawl, run_crawl

    failed: list[str] = []
    written: list[str] = []

    def wacz_row(manifest: dict[str, Any]) -> list[tuple[str, str]]:
        """``--wacz [FILE]``: package the crawl as WACZ once it has ended (a row of the summary)."""
        if args.wacz is None:
            return []
        from pathlib import Path

        from crawler.archive.wacz import WaczError, export_wacz
        from crawler.storage import StoreError, open_store

        crawl_id = manifest.get("crawl_id") or ""
        out = Path(args.wacz or f"{crawl_id}.wacz")
        try:
            export_wacz(open_store(args.store), crawl_id, out)
        except (WaczError, StoreError, OSError) as exc:
            failed.append(str(exc))
            return cli_error(f"--wacz: {exc}", [("WACZ", "not written (see the error above)")])
        written.append(f"WACZ written to {out}")
        return [("WACZ", f"{out.stat().st_size / 1024:.1f} KB")]

    code = report_crawl(lambda: run_crawl(args.seeds, crawl_overrides(args), seeds_file=args.seeds_file,
                                          verbose=args.verbose), wacz_row)
    for line in written:
        print(line)
    return EXIT_FAILED if failed and code == EXIT_OK else code


def cmd_schema(args: argparse.Namespace) -> int:
    from crawler.schema import schema_text

    sys.stdout.write(schema_text())
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.demo.run import run_demo, serve_forever

    if args.serve:
        return serve_forever(args.port)
    return run_demo(args.store, verbose=args.verbose)


def cmd_index(args: argparse.Namespace) -> int:
    from crawler.archive.cdxj import rebuild_indexes
    from crawler.storage import StoreError
    from crawler.storecheck import UnknownCrawl, check_crawl_id, open_existing_store

    try:
        store = open_existing_store(args.store)
        check_crawl_id(store, args.crawl)
        written = rebuild_indexes(store, args.crawl)
    except UnknownCrawl as exc:
        return cli_error(exc, EXIT_USAGE)
    except StoreError as exc:
        return cli_error(exc, EXIT_STORE)
    for key in written:
        print(key)
    print(f"{len(written)} index file(s) written", file=sys.stderr)
    if not written:
        print(f"crawler: no WARC file to index in {store.uri}", file=sys.stderr)
        return EXIT_NOT_FOUND
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from crawler.archive.wacz import WaczError, export_wacz
    from crawler.storage import StoreError
    from crawler.storecheck import check_crawl_id, crawls_between, open_existing_store

    if not args.crawl and not (args.date_from or args.date_to):
        print("crawler export wacz: error: give --crawl ID (repeatable) or --from/--to "
              "(see 'crawler export wacz --help')", file=sys.stderr)
        return EXIT_USAGE
    try:
        store = open_existing_store(args.store)
        crawls = []
        for cid in args.crawl or []:
            check_crawl_id(store, cid)
            crawls.append(cid)
        if args.date_from or args.date_to:
            crawls += crawls_between(store, args.date_from, args.date_to)
            if not crawls:
                print(f"crawler: no crawl started between {args.date_from or 'the first'} and "
                      f"{args.date_to or 'the last'} in {store.uri}", file=sys.stderr)
                return EXIT_NOT_FOUND
    except ValueError as exc:  # UnknownCrawl, a bad date
        return cli_error(exc, EXIT_USAGE)
    except StoreError as exc:
        return cli_error(exc, EXIT_STORE)
    try:
        out = export_wacz(store, crawls, Path(args.out), title=args.title)
    except StoreError as exc:
        return cli_error(exc, EXIT_STORE)
    except (WaczError, OSError) as exc:
        return cli_error(exc, EXIT_FAILED)
    print(out)
    return EXIT_OK


def cmd_replay(args: argparse.Namespace) -> int:
    from crawler.replay.pywb import ReplayError, run_replay
    from crawler.storage import StoreError
    from crawler.storecheck import bad_store_or_crawl
    from crawler.tools import ToolsVenvError

    code = bad_store_or_crawl(args.store, args.crawl)
    if code is not None:
        return code
    try:
        return run_replay(args.store, args.port, host=args.host, list_only=args.list, crawl_id=args.crawl)
    except (ReplayError, ToolsVenvError, StoreError) as exc:
        return cli_error(exc, 1)


def _dispatch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if getattr(args, "handler", None):
        return args.handler(args)
    handler = {"crawl": cmd_crawl, "schema": cmd_schema, "demo": cmd_demo, "index": cmd_index,
               "export": cmd_export, "replay": cmd_replay, **schedule_cli.HANDLERS}[args.command]
    return handler(args)


def main(argv: list[str] | None = None) -> int:
    """``crawler ...``: no Python traceback reaches the user unless ``-v`` is given: an
    unexpected exception becomes one line and exit code 1 (with ``-v``, the traceback)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    verbose = getattr(args, "verbose", 0) or any(a in ("-v", "-vv", "--verbose") for a in argv)
    try:
        return _dispatch(args, parser)
    except KeyboardInterrupt:
        print("crawler: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `crawler ... | head`: stop quietly
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last guard: one line, not a traceback
        if verbose:
            traceback.print_exc()
        from crawler.runner import mask_secrets

        detail = mask_secrets(str(exc).splitlines()[0] if str(exc) else "")
        print(f"crawler: error: {type(exc).__name__}" + (f": {detail}" if detail else "")
              + ("" if verbose else " (run with -v for the traceback)"), file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
