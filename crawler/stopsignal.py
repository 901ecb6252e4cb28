"""SIGTERM stops a foreground server command as Ctrl-C does: ``crawler dashboard`` and
``crawler demo --serve`` catch one KeyboardInterrupt for both, then clean up."""

from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Any, Iterator


@contextmanager
def sigterm_as_ctrl_c() -> Iterator[None]:
    """Inside the block SIGTERM raises KeyboardInterrupt (in the main thread, as SIGINT
    does); the previous SIGTERM handler is back when the block is left."""
    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
