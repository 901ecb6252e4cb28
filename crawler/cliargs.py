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
