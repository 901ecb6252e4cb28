"""``crawler worker``, ``crawler enqueue`` and the ``--redis`` options of ``crawler crawl``.

Wired into :mod:`crawler.cli` by :func:`register` and :data:`HANDLERS`.
"""

from __future__ import annotations

from crawler.cliargs import BROWSER_HELP, add_metrics_args, parse_setting
from crawler.clierror import cli_error

import argparse
import json
import sys
from typing import Any

WORKER_EPILOG = """examples:
  crawler worker --redis redis://10.0.0.5:6379/0 --store s3://news-archive/crawls
  crawler worker --redis redis://127.0.0.1:6379/0 --store ./archive --name w1 --allow-private

Joins the job's crawl (creating its crawl id if none is running), takes requests from
the shared frontier until it is empty and every worker is idle, then exits.  The last
worker to finish writes manifests/<crawl_id>.json with every worker's files and stats.

exit codes: 0 finished, 1 crawl failed, 2 bad usage, 3 store not writable
"""

ENQUEUE_EPILOG = """examples:
  crawler enqueue --redis redis://10.0.0.5:6379/0 https://news.example.com/
  crawler enqueue --redis redis://10.0.0.5:6379/0 --job nightly --seeds-file seeds.txt
"""

REDIS_HELP = "Redis URL of the shared frontier, dupefilter and dedup index (redis://HOST:PORT/DB)"


def _add_common(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--redis", metavar="URL", required=required, help=REDIS_HELP)
    p.add_argument("--job", metavar="NAME",
                   help="job name: namespace of the Redis keys (default: news)")


def register(sub: Any) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    crawl = sub.choices.get("crawl")
    if crawl is not None:
        group = crawl.add_argument_group("distributed (scrapy-redis)")
        group.add_argument("--redis", metavar="URL",
                           help=REDIS_HELP + ": enqueue the seeds there, then work as a worker")
        group.add_argument("--job", metavar="NAME", help="job name in Redis (default: news)")
        group.add_argument("--name", metavar="NAME", help="this worker's name (default HOST-PID)")

    worker = sub.add_parser("worker", help="work on a distributed crawl (shared Redis frontier)",
                            description="Run one worker of a distributed crawl.",
                            epilog=WORKER_EPILOG, formatter_class=fmt)
    _add_common(worker)
    worker.add_argument("--store", metavar="URI", default="./archive",
                        help="store shared by the workers: s3://bucket/prefix, or a folder (default ./archive)")
    worker.add_argument("--name", metavar="NAME", help="worker name, unique among live workers (default HOST-PID)")
    worker.add_argument("--max-pages", type=int, metavar="N",
                        help="the crawl's budget of fetches, shared by every worker (exact); "
                             "-s CRAWLER_WORKER_MAX_PAGES=N stops this worker alone after N responses")
    worker.add_argument("--depth", type=int, metavar="N", help="max link hops from a seed")
    worker.add_argument("--allow-private", action="store_true",
                        help="allow private, loopback and link-local addresses")
    worker.add_argument("--no-robots", action="store_true", help="do not obey robots.txt")
    worker.add_argument("--no-resources", action="store_true",
                        help="do not fetch page resources (stylesheets, images, scripts, fonts, icons)")
    worker.add_argument("--crawl-id", metavar="ID", help="expected crawl id (error if another runs)")
    worker.add_argument("--browser", action="store_true", help=BROWSER_HELP)
    worker.add_argument("-s", "--set", action="append", type=parse_setting, default=[], metavar="NAME=VALUE",
                        help="override a Scrapy/crawler setting (JSON values accepted)")
    worker.add_argument("-v", "--verbose", action="count", default=0)
    add_metrics_args(worker)

    enq = sub.add_parser("enqueue", help="add seed URLs to a distributed crawl",
                         description="Push seeds (JSON start-URL items) to the job's Redis start-URL list.",
                         epilog=ENQUEUE_EPILOG, formatter_class=fmt)
    _add_common(enq)
    enq.add_argument("seeds", nargs="*", metavar="SEED_URL")
    enq.add_argument("--seeds-file", metavar="F", help="file with one seed URL per line")
    enq.add_argument("--crawl-id", metavar="ID", help="crawl id to use if no crawl is running")
    worker.set_defaults(handler=cmd_worker)
    enq.set_defaults(handler=cmd_enqueue)


def crawl_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given by ``--redis``/``--job``/``--name`` (empty without ``--redis``)."""
    out: dict[str, Any] = {}
    if getattr(args, "redis", None):
        out["CRAWLER_REDIS_URL"] = args.redis
    if getattr(args, "job", None):
        out["CRAWLER_REDIS_JOB"] = args.job
    if getattr(args, "name", None):
        out["CRAWLER_WORKER_NAME"] = args.name
    return out


def cmd_worker(args: argparse.Namespace) -> int:
    from crawler.distributed.run import run_worker
    from crawler.runner import EXIT_STORE, print_summary
    from crawler.storage import StoreError

    from crawler.cliargs import run_overrides

    overrides = {**run_overrides(args), **crawl_overrides(args), **dict(args.set)}
    try:
        result = run_worker(overrides, verbose=args.verbose)
    except StoreError as exc:
        return cli_error(exc, EXIT_STORE)
    except ValueError as exc:
        return cli_error(exc, 2)
    except _redis_errors() as exc:
        return cli_error(f"Redis: {exc}", 1)
    _print_result(result, print_summary)
    return result.exit_code


def _print_result(result: Any, print_summary: Any) -> None:
    if not result.manifest:
        print(f"crawler: worker of crawl {result.crawl_id} did not finish", file=sys.stderr)
        return
    if "workers" in result.manifest:
        extra = [("workers", ", ".join(f"{w['worker']} ({w['status']}, {w['pages_fetched']} pages)"
                                       for w in result.manifest["workers"]))]
        print_summary(result.manifest, extra=extra)
    else:
        print_summary(result.manifest, extra=[("scope", "this worker only (another worker "
                                                        "writes the merged manifest)")])


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.RedisError,)


def cmd_enqueue(args: argparse.Namespace) -> int:
    from crawler.distributed.coordinator import DEFAULT_JOB
    from crawler.distributed.run import enqueue, normalize_seeds
    from crawler.runner import CrawlSetupError, checked_seeds

    try:  # the seeds checks of `crawler crawl` (typos such as http//host, file:line of a bad line)
        seeds, _ = normalize_seeds(checked_seeds(list(args.seeds), args.seeds_file))
    except CrawlSetupError as exc:
        return cli_error(exc, exc.exit_code)
    try:
        crawl_id, n = enqueue(args.redis, seeds, args.job or DEFAULT_JOB, args.crawl_id)
    except ValueError as exc:
        return cli_error(exc, 2)
    except _redis_errors() as exc:
        return cli_error(f"Redis: {exc}", 1)
    print(json.dumps({"crawl_id": crawl_id, "job": args.job or DEFAULT_JOB, "enqueued": n}))
    return 0


HANDLERS = {"worker": cmd_worker, "enqueue": cmd_enqueue}

__all__ = ["register", "HANDLERS", "crawl_overrides", "cmd_worker", "cmd_enqueue"]
