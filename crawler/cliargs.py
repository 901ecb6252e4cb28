"""Argument types shared by the command-line modules."""

from __future__ import annotations

import argparse
import json
from typing import Any


def parse_setting(value: str) -> tuple[str, Any]:
    """``-s NAME=VALUE``: the value is parsed as JSON when it can be, else kept as text."""
    if "=" not in value:
        raise argparse.ArgumentTypeError("expected NAME=VALUE")
    name, raw = value.split("=", 1)
    try:
        parsed: Any = json.loads(raw)
    except ValueError:
        parsed = raw
    return name.strip(), parsed


def add_metrics_args(p: argparse.ArgumentParser) -> None:
    """``--metrics-port`` / ``--metrics-host`` of the long-running commands."""
    p.add_argument("--metrics-port", type=int, metavar="PORT",
                   help="serve Prometheus metrics on this port while running (default: off)")
    p.add_argument("--metrics-host", metavar="ADDR",
                   help="address the metrics endpoint binds (default 127.0.0.1)")


def metrics_overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if getattr(args, "metrics_port", None):
        out["CRAWLER_METRICS_PORT"] = args.metrics_port
    if getattr(args, "metrics_host", None):
        out["CRAWLER_METRICS_HOST"] = args.metrics_host
    return out


def run_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given by the options that ``crawler crawl`` and ``crawler worker``
    share (``--store``, ``--max-pages``, ``--depth``, ``--allow-private``, ``--since``,
    ``--no-robots``, ``--crawl-id``, ``--browser``); options a command does not have are skipped."""
    out: dict[str, Any] = {"CRAWLER_STORE": args.store}
    if getattr(args, "max_pages", None):
        out["CRAWLER_MAX_PAGES"] = args.max_pages
    if getattr(args, "depth", None) is not None:
        out["CRAWLER_MAX_DEPTH"] = args.depth
    if getattr(args, "allow_private", False):
        out["CRAWLER_ALLOW_PRIVATE"] = True
    if getattr(args, "since", None):
        out["CRAWLER_SITEMAP_SINCE"] = args.since
    if getattr(args, "no_robots", False):
        out["ROBOTSTXT_OBEY"] = False
    if getattr(args, "crawl_id", None):
        out["CRAWLER_CRAWL_ID"] = args.crawl_id
    if getattr(args, "browser", False):
        out["CRAWLER_BROWSER"] = True
    out.update(metrics_overrides(args))
    return out


BROWSER_HELP = ("render each HTML page in headless Chromium and archive every request it makes, "
                "plus a screenshot (needs the [browser] extra and the chromium package)")
