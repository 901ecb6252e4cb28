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
    p.add_argument("--metrics-port", type=port_number, metavar="PORT",
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
    ``--no-robots``, ``--crawl-id``, ``--browser``, ``--no-resources``); options a command does not have are skipped."""
    out: dict[str, Any] = {"CRAWLER_STORE": args.store}
    if getattr(args, "max_pages", None):  # 0 = unlimited
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
    if getattr(args, "no_resources", False):
        out["CRAWLER_RESOURCES"] = False
    if getattr(args, "browser", False):
        out["CRAWLER_BROWSER"] = True
    out.update(metrics_overrides(args))
    return out


class CliParser(argparse.ArgumentParser):
    """argparse, with usage errors on one line: ``crawler crawl: error: ... (see 'crawler
    crawl --help')`` and exit code 2 (sub-command parsers inherit the class).  Options
    are never abbreviated: ``--max-page`` is an error, not ``--max-pages``."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> Any:  # type: ignore[override]
        import difflib
        import re

        from crawler.exitcodes import EXIT_USAGE

        m = re.match(r"argument ([^:]+): invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if m and not m.group(1).startswith("-"):  # an unknown command: the nearest one, not them all
            choices = re.findall(r"'([^']+)'", m.group(3))
            near = difflib.get_close_matches(m.group(2), choices, n=1)
            message = f"unknown command '{m.group(2)}'" + (f" (did you mean '{near[0]}'?)" if near else "")
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def non_negative_int(value: str) -> int:
    """``--max-pages N`` / ``--depth N``: a whole number >= 0."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {n}")
    return n


def port_number(value: str) -> int:
    """``--port N``: 0 (any free port) to 65535."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {value!r}") from None
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {n}")
    return n


def since_window(value: str) -> str:
    """``--since``: ``2d``, ``12h`` or an ISO date / timestamp (checked here, not mid-crawl)."""
    from crawler.settingcheck import SettingError, check_value

    try:
        check_value("CRAWLER_SITEMAP_SINCE", value)
    except SettingError:
        raise argparse.ArgumentTypeError(
            f"expected '2d', '12h' or an ISO date like 2026-11-01, got {value!r}") from None
    return value


BROWSER_HELP = ("render each HTML page in headless Chromium and archive every request it makes, "
                "plus a screenshot (needs the [browser] extra and the chromium package)")
