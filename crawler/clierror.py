"""A command's one line for bad input or a failure: ``crawler: error: MESSAGE`` on
stderr, then the exit code (from crawler/exitcodes.py) the command returns."""

from __future__ import annotations

import sys


def cli_error(message: object, code: int) -> int:
    """Print ``crawler: error: message`` to stderr and return ``code``, so that a command
    ends with ``return cli_error(exc, EXIT_STORE)``."""
    print(f"crawler: error: {message}", file=sys.stderr)
    return code
