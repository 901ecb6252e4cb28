"""``crawler search``: full-text search of the archived articles."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from crawler.clierror import cli_error
from crawler.exitcodes import EXIT_NOT_FOUND, EXIT_OK, EXIT_STORE, EXIT_USAGE

EPILOG = """examples:
  crawler search "climate summit"
  crawler search '"central bank" rates' --site news.example.com --since 7d
  crawler search 'election OR vote -poll' --language en --json | jq '.hits[].url'
  crawler search --reindex --store s3://news-archive/crawls       # rebuild the index

Words must all match; "a phrase" in order; word* a prefix; OR between terms; -word excludes.
--since: 7d / 12h / 30m ago, or an ISO date / timestamp (UTC fetch time).
Before searching, the articles stored since the last search are indexed (the index is
state/search.sqlite3; for an object store a local copy, uploaded after each update).

exit codes: 0 results printed, 1 nothing matched, 2 bad usage, 3 store error
"""


def register(sub: Any) -> None:
    p = sub.add_parser("search", help="full-text search of the archived articles",
                       description="Ranked full-text search (BM25) with snippets, links to the JSON and the replay.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("query", nargs="?", metavar="QUERY", help="words, \"phrases\", prefix*, OR, -exclusions")
    p.add_argument("--store", metavar="URI", default="./archive", help="local folder or s3://bucket/prefix")
    p.add_argument("--site", action="append", metavar="HOST", help="only this site (repeatable)")
    p.add_argument("--since", metavar="WHEN", help="fetched since: 7d, 12h, an ISO date or timestamp")
    p.add_argument("--language", action="append", metavar="xx", help="only this language (repeatable)")
    p.add_argument("--limit", type=int, default=10, metavar="N", help="results to show (default 10)")
    p.add_argument("--offset", type=int, default=0, metavar="N", help="skip the first N results")
    p.add_argument("--reindex", action="store_true", help="rebuild the index from all the JSON Lines")
    p.add_argument("--no-update", action="store_true", help="search the index as it is (do not index new parts)")
    p.add_argument("--json", action="store_true", help="print JSON (query, total, hits)")
    p.add_argument("--replay-base", metavar="URL", default="http://127.0.0.1:8080",
                   help="where `crawler replay` serves pywb, for the replay links (default http://127.0.0.1:8080)")
    p.set_defaults(handler=cmd_search)


def cmd_search(args: argparse.Namespace) -> int:
    from crawler.reader import ReaderError
    from crawler.search.index import SearchError, open_index, update_and_publish
    from crawler.storage.base import LocalStore, StoreError, open_store

    if not args.query and not args.reindex:
        return cli_error("give a QUERY (or --reindex to rebuild the index)", EXIT_USAGE)
    if args.limit < 1 or args.offset < 0:
        return cli_error("--limit must be at least 1 and --offset not negative", EXIT_USAGE)
    try:
        store = open_store(args.store)
        if isinstance(store, LocalStore) and not store.root.is_dir():
            return cli_error(f"no store at {args.store}", EXIT_STORE)
        index = open_index(store, reindex=args.reindex)
        try:
            if not args.no_update or args.reindex:
                index, result = update_and_publish(store, index)
                if result.records or result.parts:
                    total = index.stats()["articles"]
                    print(f"indexed {result.records} article(s) from {result.parts} new part(s) in "
                          f"{result.seconds:.1f} s ({result.rate:.0f} articles/s); the index holds {total}",
                          file=sys.stderr)
            if not args.query:
                return EXIT_OK
            hits, total = index.search(args.query, sites=args.site, since=args.since, languages=args.language,
                                       limit=args.limit, offset=args.offset)
        finally:
            index.close()
    except (SearchError, ReaderError) as exc:
        return cli_error(str(exc), EXIT_USAGE)
    except (StoreError, OSError) as exc:
        return cli_error(str(exc), EXIT_STORE)
    base = args.replay_base.rstrip("/")
    if args.json:
        out = {"query": args.query, "total": total, "offset": args.offset,
               "hits": [{**h.to_dict(), "replay": f"{base}/{h.replay_path()}"} for h in hits]}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _print_hits(hits, total, args, store, base)
    if not hits:
        print(f"no article matches {args.query!r}", file=sys.stderr)
        return EXIT_NOT_FOUND
    return EXIT_OK


def _print_hits(hits: list[Any], total: int, args: argparse.Namespace, store: Any, base: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    for n, h in enumerate(hits, start=args.offset + 1):
        console.print(f"[bold]{n}. {escape(h.title or h.url)}[/bold]  "
                      f"[dim]{h.site} · {h.day} · {h.language or '?'}[/dim]")
        console.print(f"   {escape(h.url)}")
        snippet = escape(h.snippet_text("\x02", "\x03")).replace("\x02", "[bold yellow]").replace(
            "\x03", "[/bold yellow]")
        console.print(f"   {snippet}")
        local = store.local_path(h.part)
        where = f"{local}" if local is not None else f"{store.uri}/{h.part}"
        console.print(f"   [dim]json: {escape(where)} (line {h.line + 1}) · "
                      f"replay: {escape(base + '/' + h.replay_path())}[/dim]")
    shown = f"{args.offset + 1}-{args.offset + len(hits)}" if hits else "0"
    console.print(f"[dim]{shown} of {total} match(es)[/dim]")
