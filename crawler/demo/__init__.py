"""Bundled demo/test news website: a byte-exact HTTP/1.1 test server and invented content.

Public API (imported lazily so ``python -m crawler.demo.server`` runs cleanly)::

    from crawler.demo import SiteServer, Route, RequestLog, build_site, demo_expectations
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Route", "RequestLog", "SiteServer", "serve_demo", "build_site", "demo_expectations"]

_WHERE = {"Route": "server", "RequestLog": "server", "SiteServer": "server", "serve_demo": "server",
          "build_site": "site", "demo_expectations": "site"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
