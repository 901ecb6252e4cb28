"""``crawler reprocess`` and ``crawler recrawl-offline``.

Wire into :mod:`crawler.cli` with :func:`register` (adds the two sub-commands to the
``add_subparsers()`` object) and :data:`HANDLERS` (command name -> handler).  Until
then they run as ``python -m crawler.replay.cli reprocess|recrawl-offline ...``.
"""

from __future__ import annotations

from crawler.cliargs import parse_setting
from crawler.clierror import cli_error

import argparse
import json
import sys
from typing import Any

REPROCESS_EPILOG = """examples:
  crawler reprocess                                   # every crawl in ./archive
  crawler reprocess --store /data/archive --crawl 20261126T151500Z-3fa9c1
  crawler reprocess --since 2026-11-01 --workers 8
  crawler reprocess --since 2d --json                 # machine-readable summary

Reads only the WARC files (no network), re-runs extraction with the installed
extractor and writes the records as a new run: articles/.../part-<run id>-N.jsonl.gz
and manifests/<run id>.json ("kind": "reprocess").  Records keep the crawl id, id and
WARC pointer of their capture; the previous version is left in place.  The summary
compares the new records with the latest previous version of the same captures.

exit codes: 0 done, 1 nothing to reprocess / error, 2 bad usage (unknown crawl id),
3 no store / store not writable
"""

RECRAWL_EPILOG = """examples:
  crawler recrawl-offline --archive ./archive https://news.example.com/ --store /tmp/offline
  crawler recrawl-offline --archive /data/archive --crawl 20261126T151500Z-3fa9c1 \\
      https://news.example.com/ --store /tmp/offline --at 20261126
  crawler recrawl-offline --archive ./archive http://127.0.0.1:8000/ --store /tmp/o -s CRAWLER_MAX_DEPTH=2

Runs the news spider with every HTTP(S) response read from the archive's WARCs
(never the network): for spider development and regression tests.  URLs not in the
archive get a 404 (stat offline/missing).  No WARC is written; JSON Lines and the
manifest go to --store, which must differ from --archive.

exit codes: 0 finished, 1 crawl failed, 2 bad usage, 3 store not writable
"""




def register(subparsers: Any) -> None:
    """Add ``reprocess`` and ``recrawl-offline`` to an ``add_subparsers()`` object."""
    fmt = argparse.RawDescriptionHelpFormatter
    rp = subparsers.add_parser(
        "reprocess", help="re-extract archived pages into a new version of the JSON (offline)",
        description="Re-run article extraction on archived WARCs and store the records as a new run.",
        epilog=REPROCESS_EPILOG, formatter_class=fmt)
    rp.add_argument("--store", metavar="URI", default="./archive", help="store to read and write (default ./archive)")
    rp.add_argument("--crawl", metavar="ID", help="only this crawl (default: every crawl, oldest first)")
    rp.add_argument("--since", metavar="DATE", help="only captures at/after DATE (YYYY-MM-DD, ISO time, 2d, 12h)")
    rp.add_argument("--workers", type=int, metavar="N", help="extraction processes (default: CPU cores; 0 = inline)")
    rp.add_argument("--run-id", metavar="ID", help="id of the new run (default: a fresh crawl-style id)")
    rp.add_argument("--near-duplicates", choices=("mark", "suppress", "off"), default="mark",
                    help="near-duplicate handling, as DEDUP_NEAR_DUPLICATES (default mark)")
    rp.add_argument("--json", action="store_true", help="print the run manifest as JSON")
    rp.set_defaults(handler=cmd_reprocess)

    rc = subparsers.add_parser(
        "recrawl-offline", help="re-run the spider against the archive instead of the network",
        description="Crawl SEED URLs with every response answered from an archive store's WARCs.",
        epilog=RECRAWL_EPILOG, formatter_class=fmt)
    rc.add_argument("seeds", nargs="+", metavar="SEED_URL", help="start URLs (as crawled)")
    rc.add_argument("--archive", metavar="URI", required=True, help="store holding the WARCs and CDXJ indexes")
    rc.add_argument("--store", metavar="OUT_URI", required=True, help="where the JSON Lines and manifest go")
    rc.add_argument("--crawl", metavar="ID", help="answer from this crawl's WARCs only")
    rc.add_argument("--at", metavar="TIMESTAMP", help="latest capture at or before this time (YYYYMMDD[hhmmss] or ISO)")
    rc.add_argument("-s", "--set", action="append", type=parse_setting, default=[], metavar="NAME=VALUE",
                    help="override a Scrapy/crawler setting (JSON values accepted)")
    rc.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    rc.set_defaults(handler=cmd_recrawl_offline)


def _print_reprocess(manifest: dict[str, Any], file: Any = None) -> None:
    out = file or sys.stdout
    s = manifest.get("stats", {})
    print(f"reprocess run {manifest['crawl_id']} (extractor {manifest.get('extractor_version')})", file=out)
    print(f"  source crawls:     {', '.join(manifest.get('source_crawl_ids') or []) or '-'}", file=out)
    print(f"  pages extracted:   {s.get('pages', 0)}", file=out)
    print(f"  records written:   {s.get('records_written', 0)}", file=out)
    extract = s.get("extract") or {}
    if extract:
        print("  extraction:        " + ", ".join(f"{k} {v}" for k, v in extract.items()), file=out)
    print(f"  near duplicates:   {s.get('near_duplicates', 0)}", file=out)
    if "unchanged" in s:
        if s.get("previous_version"):
            missing = s.get("missing")
            print(f"  vs previous:       {s['unchanged']} unchanged, {s['changed']} changed, "
                  f"{s['new']} new" + (f", {missing} no longer produced" if missing is not None else ""),
                  file=out)
        else:
            print("  vs previous:       no previous version", file=out)
    for f in manifest.get("files", []):
        print(f"  {f['key']}  ({f.get('records', '?')} records)", file=out)


def cmd_reprocess(args: argparse.Namespace) -> int:
    from crawler.crawlid import CrawlIdError
    from crawler.replay.reprocess import ReprocessError, reprocess
    from crawler.storage import StoreError
    from crawler.storecheck import bad_store_or_crawl

    code = bad_store_or_crawl(args.store, args.crawl)
    if code is not None:
        return code
    try:
        manifest = reprocess(args.store, crawl_id=args.crawl, since=args.since, workers=args.workers,
                             out_crawl_id=args.run_id, near_duplicates=args.near_duplicates)
    except StoreError as exc:
        return cli_error(exc, 3)
    except CrawlIdError as exc:  # --run-id invalid or already used
        return cli_error(exc, 2)
    except (ReprocessError, ValueError) as exc:
        return cli_error(exc, 1)
    if args.json:
        print(json.dumps(manifest, indent=2, sort_keys=True))
    else:
        _print_reprocess(manifest)
    return 0


def cmd_recrawl_offline(args: argparse.Namespace) -> int:
    from crawler.replay.offline import run_offline_crawl
    from crawler.runner import report_crawl
    from crawler.storecheck import bad_store_or_crawl

    code = bad_store_or_crawl(args.archive, args.crawl, store_option="--archive")
    if code is not None:
        return code

    def extra(manifest: dict) -> list[tuple[str, str]]:
        stats = manifest.get("stats", {})
        return [("answered from the archive", str(stats.get("offline/hits", 0))),
                ("not in the archive (404)", str(stats.get("offline/missing", 0)))]

    return report_crawl(lambda: run_offline_crawl(args.archive, args.seeds, args.store, dict(args.set),
                                                  crawl_id=args.crawl, timestamp=args.at,
                                                  verbose=args.verbose),
                        extra, what="offline crawl")


HANDLERS = {"reprocess": cmd_reprocess, "recrawl-offline": cmd_recrawl_offline}
__all__ = ["register", "HANDLERS", "cmd_reprocess", "cmd_recrawl_offline", "main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crawler", description="Offline reprocessing of the archive.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return HANDLERS[args.command](args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

