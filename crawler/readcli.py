"""CLI commands that read the archive: ``articles``, ``stats``, ``show``, ``runs``.

Wire into ``crawler/cli.py`` with ``readcli.register(sub)`` in ``build_parser`` and
dispatch ``args.handler(args)`` for these commands (each parser sets ``handler``).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sys
from typing import Any, Callable, Iterable, Iterator, TextIO

from crawler.clierror import cli_error
from crawler.exitcodes import EXIT_NOT_FOUND, EXIT_STORE, EXIT_USAGE
from crawler.humansize import human_size
from crawler.storage.base import StoreError
from crawler.storecheck import UnknownCrawl, check_crawl_id, open_existing_store

ARTICLES_EPILOG = """examples:
  crawler articles > all.jsonl
  crawler articles --store /data/news-archive --from 2026-11-01 --to 2026-11-30 --site example.com
  crawler articles --since 20261126T151500Z-3fa9c1 --unique --out new.jsonl
  crawler articles --since 2026-11-26T00:00:00Z --language en --language de
  crawler articles --format csv --out articles.csv
  crawler articles --format parquet --out articles.parquet     # needs pyarrow

--since takes a crawl id (records of runs that finished after that run) or an ISO
timestamp (runs finished after it): keep the last crawl id of `crawler runs` to
consume new articles incrementally.  Dates are UTC fetch days, both ends inclusive.
Each record id comes once, in its latest version: after `crawler reprocess` the
re-extracted version (with --since, a reprocess run counts as a new run, so its
records come again: upsert by id); --all-versions gives every stored version.
"""

STATS_EPILOG = """examples:
  crawler stats
  crawler stats --plot articles.svg        # or .png (needs the [plot] extra)
  crawler stats --store /data/news-archive --json | jq .articles.per_site
"""

SHOW_EPILOG = """examples:
  crawler show https://news.example.com/2026/11/26/story.html > response.http
  crawler show news.example.com/2026/11/26/story.html --headers
  crawler show https://news.example.com/ --store /data/news-archive --decoded | less

Prints the archived HTTP response (status line, headers, body exactly as received)
of the latest capture of URL.  The URL is canonicalised as the crawl does it
(http:// added, utm_* and other tracking parameters dropped).  A compressed or
binary body is not written to a terminal (redirect it, or use --decoded).
Exit status 1 when the URL was never captured, 3 when there is no store.
"""

RUNS_EPILOG = """examples:
  crawler runs
  crawler runs --store /data/news-archive --json
"""

#: Columns of the CSV and Parquet exports (the record's fields, ``warc`` flattened).
COLUMNS = [
    "id", "url", "canonical_url", "site", "title", "author", "authors", "published", "modified",
    "language", "sitename", "description", "tags", "categories", "image", "text", "word_count",
    "fetched_at", "http_status", "crawl_id", "warc_filename", "warc_offset", "warc_length",
    "warc_record_id", "warc_payload_digest", "extractor_version", "schema_version",
    "text_digest", "duplicate_of",
]
LIST_COLUMNS = {"authors", "tags", "categories"}
INT_COLUMNS = {"word_count", "http_status", "warc_offset", "warc_length"}
WARC_FIELDS = ("filename", "offset", "length", "record_id", "payload_digest")
PARQUET_BATCH = 2000


def _formatter(epilog: str) -> dict[str, Any]:
    return {"epilog": epilog, "formatter_class": argparse.RawDescriptionHelpFormatter}


def register(subparsers: Any) -> None:
    """Add the reading commands to the ``crawler`` sub-command parser."""
    p = subparsers.add_parser("articles", help="export article records (JSON Lines, CSV, Parquet)",
                              description="Stream article records of the store, filtered.",
                              **_formatter(ARTICLES_EPILOG))
    _store_arg(p)
    p.add_argument("--since", metavar="RUN_ID|TS",
                   help="only records of runs that finished after this crawl id / ISO timestamp")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first fetch day (YYYY-MM-DD, UTC)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last fetch day (inclusive)")
    p.add_argument("--site", action="append", metavar="HOST", help="only this site (repeatable)")
    p.add_argument("--language", action="append", metavar="xx", help="only this language (repeatable)")
    p.add_argument("--unique", action="store_true", help="drop near-duplicates (duplicate_of set)")
    p.add_argument("--crawl-id", metavar="ID",
                   help="only the records of this run's captures (latest versions); "
                        "a reprocess run's id: the records it wrote")
    p.add_argument("--all-versions", action="store_true",
                   help="every stored version of a record (default: the latest; "
                        "`crawler reprocess` writes new versions of existing records)")
    p.add_argument("--format", choices=("jsonl", "csv", "parquet"), default="jsonl",
                   help="output format (default jsonl)")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout (required for parquet)")
    p.set_defaults(handler=cmd_articles)

    p = subparsers.add_parser("stats", help="articles per site/day, languages, duplicates, sizes",
                              description="Statistics of the store (reads every article record).",
                              **_formatter(STATS_EPILOG))
    _store_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument("--plot", metavar="FILE", help="also draw articles per site per day and the yield per run "
                   "into FILE.svg or FILE.png (PNG needs the [plot] extra: CairoSVG)")
    p.set_defaults(handler=cmd_stats)

    p = subparsers.add_parser("show", help="print the archived HTTP response of a URL",
                              description="Print the archived HTTP response of the latest capture of URL.",
                              **_formatter(SHOW_EPILOG))
    p.add_argument("url", metavar="URL", help="as crawled, or as you would type it (scheme optional, "
                                             "utm_* parameters ignored)")
    _store_arg(p)
    p.add_argument("--headers", action="store_true", help="only the status line and headers")
    p.add_argument("--decoded", action="store_true",
                   help="only the body, de-chunked and decompressed (with --headers: head and body)")
    p.set_defaults(handler=cmd_show)

    p = subparsers.add_parser("runs", help="list crawl runs with status and stats",
                              description="List the runs recorded in the store (from the manifests).",
                              **_formatter(RUNS_EPILOG))
    _store_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=cmd_runs)


def _store_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", metavar="URI", default="./archive",
                   help="local folder or file:// URI (default ./archive)")


def _guard(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from crawler.reader import ReaderError

        try:
            return fn(args)
        except (ReaderError, UnknownCrawl) as exc:
            return cli_error(str(exc), EXIT_USAGE)
        except StoreError as exc:
            return cli_error(str(exc), EXIT_STORE)
        except BrokenPipeError:  # `crawler articles | head`: stop quietly
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            return 0
    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


# --------------------------------------------------------------------------- articles
def flat_row(rec: dict[str, Any]) -> dict[str, Any]:
    """A record as one CSV/Parquet row: ``warc`` flattened, other fields as is."""
    row = {c: rec.get(c) for c in COLUMNS if not c.startswith("warc_")}
    warc = rec.get("warc") or {}
    for f in WARC_FIELDS:
        row[f"warc_{f}"] = warc.get(f)
    return row


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    n = 0
    for rec in records:
        out.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
        n += 1
    return n


def write_csv(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    w = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
    w.writeheader()
    n = 0
    for rec in records:
        row = flat_row(rec)
        for c in LIST_COLUMNS:
            row[c] = "; ".join(row[c] or [])
        w.writerow(row)
        n += 1
    return n


def parquet_schema() -> Any:
    import pyarrow as pa

    types = {c: pa.string() for c in COLUMNS}
    for c in LIST_COLUMNS:
        types[c] = pa.list_(pa.string())
    for c in INT_COLUMNS:
        types[c] = pa.int64()
    return pa.schema([(c, types[c]) for c in COLUMNS])


def write_parquet(records: Iterable[dict[str, Any]], path: str, batch_size: int | None = None) -> int:
    """Write in row groups of ``batch_size`` records: memory bounded by one batch."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    batch_size = batch_size or PARQUET_BATCH
    schema = parquet_schema()
    n = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in _batches(records, batch_size):
            cols: dict[str, list[Any]] = {c: [] for c in COLUMNS}
            for rec in batch:
                row = flat_row(rec)
                for c in COLUMNS:
                    cols[c].append(row[c])
            writer.write_table(pa.Table.from_pydict(cols, schema=schema), row_group_size=len(batch))
            n += len(batch)
    return n


def _batches(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for rec in records:
        batch.append(rec)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@_guard
def cmd_articles(args: argparse.Namespace) -> int:
    from crawler.reader import read_articles

    if args.format == "parquet":
        try:
            import pyarrow  # noqa: F401
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            return cli_error("--format parquet needs pyarrow: pip install 'newsarchiver[parquet]' "
                             "(or pip install pyarrow)", EXIT_USAGE)
        if not args.out:
            return cli_error("--format parquet needs --out FILE", EXIT_USAGE)
    st = open_existing_store(args.store)
    check_crawl_id(st, args.crawl_id, "--crawl-id")
    records = read_articles(
        st, since=args.since, date_from=args.date_from, date_to=args.date_to,
        sites=args.site, languages=args.language, unique_only=args.unique, crawl_id=args.crawl_id,
        versions="all" if args.all_versions else "latest",
    )
    if args.format == "parquet":
        n = write_parquet(records, args.out)  # type: ignore[arg-type]
    else:
        writer = write_csv if args.format == "csv" else write_jsonl
        if args.out:
            with open(args.out, "w", encoding="utf-8", newline="") as fh:
                n = writer(records, fh)  # type: ignore[arg-type]
        else:
            out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="",
                                   write_through=False) if hasattr(sys.stdout, "buffer") else sys.stdout
            n = writer(records, out)  # type: ignore[arg-type]
            out.flush()
            if out is not sys.stdout:
                out.detach()
    if args.out:
        print(f"{n} records written to {args.out}", file=sys.stderr)
    if n == 0:
        print(f"crawler: no article record matched in {st.uri}", file=sys.stderr)
        return EXIT_NOT_FOUND
    return 0


# --------------------------------------------------------------------------- stats
def _console() -> Any:
    from rich.console import Console

    console = Console()
    if not console.is_terminal:  # piped: do not wrap crawl ids at 80 columns
        console = Console(width=160)
    return console


@_guard
def cmd_stats(args: argparse.Namespace) -> int:
    from crawler.reader import list_runs, store_stats

    if args.plot and not args.plot.lower().endswith((".svg", ".png")):
        return cli_error(f"--plot: {args.plot}: the file name must end in .svg or .png", EXIT_USAGE)
    st = open_existing_store(args.store)
    stats = store_stats(st)
    empty = not stats["articles"]["total"] and not stats["runs"]["total"]
    if empty:
        print(f"crawler: the store {st.uri} holds no runs and no articles", file=sys.stderr)
    if args.plot:
        from crawler.charts import stats_svg, write_plot

        try:
            write_plot(stats_svg(stats, list_runs(st)), args.plot)
        except ValueError as exc:
            return cli_error(str(exc), EXIT_USAGE)
        except OSError as exc:
            return cli_error(f"--plot: cannot write {args.plot}: {exc.strerror or exc}", EXIT_USAGE)
        print(f"plot written to {args.plot}", file=sys.stderr)
    if args.json:
        print(json.dumps(stats, indent=2, sort_keys=False))
        return EXIT_NOT_FOUND if empty else 0
    if empty:
        return EXIT_NOT_FOUND
    from rich.table import Table

    console = _console()
    a = stats["articles"]
    console.print(f"store [bold]{stats['store']}[/bold]", highlight=False)
    t = Table(show_header=False)
    t.add_column("", style="bold")
    t.add_column("", justify="right")
    t.add_row("articles", str(a["total"]))
    t.add_row("unique", str(a["unique"]))
    t.add_row("duplicates", str(a["duplicates"]))
    if a.get("older_versions"):
        t.add_row("older versions", str(a["older_versions"]))
    t.add_row("sites", str(a["sites"]))
    t.add_row("days", str(a["days"]))
    t.add_row("languages", ", ".join(f"{k} {v}" for k, v in a["languages"].items()) or "-")
    r = stats["runs"]
    t.add_row("runs", f"{r['total']} (" + ", ".join(f"{k} {v}" for k, v in r["by_status"].items()) + ")")
    t.add_row("latest run", r["latest"] or "-")
    for prefix, s in stats["storage"].items():
        t.add_row(f"{prefix}/", f"{s['files']} files, {human_size(s['bytes'])}")
    console.print(t)

    days = sorted(a["per_day"])
    if a["per_site_day"]:
        shown_days = days[-14:]
        st = Table(title="articles per site and day" + (" (last 14 days)" if len(days) > 14 else ""))
        st.add_column("site")
        for d in shown_days:
            st.add_column(d[5:], justify="right")
        st.add_column("total", justify="right", style="bold")
        for site, per_day in a["per_site_day"].items():
            st.add_row(site, *[str(per_day.get(d, "")) for d in shown_days], str(a["per_site"][site]))
        console.print(st)
    return 0


# --------------------------------------------------------------------------- show
def capture_url(url: str) -> str:
    """The URL as the crawl would have requested it: ``http://`` added when no scheme
    is given, tracking parameters (``utm_*`` ...) dropped, canonical form."""
    from crawler.discovery.urls import canonicalize_url, normalize_seed

    try:
        return canonicalize_url(normalize_seed(url))
    except ValueError:
        return url


def decoded_body(block: bytes) -> bytes:
    """The body of a captured HTTP response, de-chunked and content-decoded (gzip,
    deflate, br, zstd) exactly as the crawl's middlewares decoded it."""
    from crawler.replay.reprocess import decode_response, parse_http_response, raw_response

    parsed = parse_http_response(block)
    return decode_response(raw_response("http://capture/", block, parsed=parsed)).body


def _tty_hint(head: bytes, body: bytes) -> str | None:
    """Why ``body`` should not be written to a terminal (compressed or binary), or None."""
    m = re.search(rb"(?im)^content-encoding:[ \t]*([^\r\n]+)", head)
    coding = m.group(1).strip().decode("latin-1") if m else ""
    if coding and coding.lower() != "identity":
        return f"{coding}-encoded body ({len(body)} bytes)"
    if b"\x00" in body[:8192]:
        return f"binary body ({len(body)} bytes)"
    return None


@_guard
def cmd_show(args: argparse.Namespace) -> int:
    from crawler.reader import show_capture

    st = open_existing_store(args.store)
    url = capture_url(args.url)
    try:
        data = show_capture(st, url)
    except LookupError as exc:
        if url == args.url.strip():
            return cli_error(str(exc), EXIT_NOT_FOUND)
        try:  # the URL as given, in case it was captured in another form
            data = show_capture(st, args.url.strip())
        except LookupError:
            return cli_error(f"no capture of {args.url} (looked up as {url}) in {st.uri}", EXIT_NOT_FOUND)
    end = data.find(b"\r\n\r\n")
    head, body = (data[:end + 4], data[end + 4:]) if end >= 0 else (data, b"")
    if args.decoded:
        try:
            body = decoded_body(data)
        except Exception as exc:  # noqa: BLE001 - unparsable capture: say so, show the head
            return cli_error(f"cannot decode the archived body: {exc}", EXIT_NOT_FOUND)
    if args.headers and args.decoded:
        out_bytes = head + body
    elif args.headers:
        out_bytes = head
    elif args.decoded:
        out_bytes = body
    else:
        out_bytes = data
    hint = None
    if sys.stdout.isatty() and (args.decoded or not args.headers):
        hint = (f"binary body ({len(body)} bytes)" if b"\x00" in body[:8192] else None) if args.decoded \
            else _tty_hint(head, body)
    if hint:  # never a raw gzip body on a terminal
        out_bytes = out_bytes[:len(out_bytes) - len(body)]
        print(f"[{hint} not written to the terminal: use --decoded, or redirect to a file]",
              file=sys.stderr)
    out = getattr(sys.stdout, "buffer", None)
    if out is None:
        sys.stdout.write(out_bytes.decode("latin-1"))
    else:
        out.write(out_bytes)
        out.flush()
    return 0


# --------------------------------------------------------------------------- runs
def run_kind(run: dict[str, Any]) -> str:
    """``crawl``, ``reprocess``, ``offline``... (the manifest's ``kind``); a run the job
    history knows but that wrote no manifest (skipped, failed early) was a crawl."""
    kind = run.get("kind")
    if kind:
        return str(kind)
    stats = run.get("stats") or {}
    if any(str(k).startswith("offline/") for k in stats):
        return "offline"
    return "crawl"


@_guard
def cmd_runs(args: argparse.Namespace) -> int:
    from crawler.reader import list_runs

    st = open_existing_store(args.store)
    runs = list_runs(st)
    if not runs:
        print(f"crawler: no runs in the store {st.uri}", file=sys.stderr)
    if args.json:
        print(json.dumps(runs, indent=2))
        return 0 if runs else EXIT_NOT_FOUND
    from rich.table import Table

    console = _console()
    if not runs:
        return EXIT_NOT_FOUND
    t = Table(title="runs")
    for col, just in (("crawl id", "left"), ("job", "left"), ("kind", "left"), ("status", "left"),
                      ("started", "left"),
                      ("elapsed", "right"), ("pages", "right"), ("articles", "right"),
                      ("files", "right"), ("WARC", "right")):
        t.add_column(col, justify=just, no_wrap=col in ("crawl id", "started"))  # type: ignore[arg-type]
    for r in runs:
        stats = r.get("stats") or {}
        pages = stats.get("response_received_count", stats.get("warc/records/response"))
        elapsed = r.get("elapsed_seconds")
        status = r.get("status") or "-"
        style = "green" if status == "finished" else "red"
        t.add_row(
            r["crawl_id"] or "-", r.get("job") or "-", run_kind(r), f"[{style}]{status}[/{style}]", (r.get("started_at") or "-")[:19],
            f"{elapsed:.0f}s" if isinstance(elapsed, (int, float)) else "-",
            "-" if pages is None else str(pages),
            "-" if r["records"] is None else str(r["records"]),
            "-" if r["article_files"] is None else str(r["article_files"]),
            human_size(r["warc_bytes"]),
        )
    console.print(t)
    return 0


# --------------------------------------------------------------------------- standalone
def build_parser() -> argparse.ArgumentParser:
    """A parser with only the reading commands (``python -m crawler.readcli``)."""
    parser = argparse.ArgumentParser(prog="crawler", description="Read a newsarchiver store.")
    register(parser.add_subparsers(dest="command", metavar="COMMAND"))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return EXIT_USAGE
    return args.handler(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
