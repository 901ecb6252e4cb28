"""The hardening suite crawls the hostile site (:mod:`crawler.demo.hostile`) once per test
module.  Each module declares ``CRAWL = CrawlSpec(...)``; the crawls of every *selected*
module are started together, in parallel (separate subprocesses, one hostile server each),
the first time one of them is needed -- most of their time is spent waiting for stalls,
timeouts and extraction workers, so running them side by side keeps the whole folder
within a few minutes."""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

from crawler.demo.hostile import HostileServer, build_hostile_site
from crawler.demo.server import RequestLog
from tests.hardening._support import HardRun, run_crawl


@dataclass(frozen=True)
class CrawlSpec:
    """One crawl of the hostile site: which route groups, which settings/CLI args."""

    name: str
    groups: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    args: tuple[str, ...] = ()
    site_options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    #: ``env(server) -> extra environment`` of the crawl subprocess (and the settings may
    #: use ``{port}``, replaced by the server's port).
    env: Callable[[HostileServer], dict[str, str]] | None = field(default=None, hash=False, compare=False)
    timeout: float = 240


@dataclass
class HostileCrawl:
    spec: CrawlSpec
    base: str
    run: HardRun
    log: list[RequestLog]

    def url(self, path: str) -> str:
        return self.base + path

    def served(self, path: str) -> int:
        """How often the server answered ``path`` (request target as received)."""
        return sum(1 for e in self.log if e.path == path)


def _format(value: Any, port: int) -> Any:
    if isinstance(value, str):
        return value.replace("{port}", str(port))
    return value


def _run_one(spec: CrawlSpec, root: Path) -> HostileCrawl:
    store = root / spec.name
    with HostileServer() as srv:
        base = srv.base_url
        srv.routes.update(build_hostile_site(srv.base_url, spec.groups, **spec.site_options))
        settings = {k: _format(v, srv.port) for k, v in spec.settings.items()}
        env = spec.env(srv) if spec.env else None
        run = run_crawl(srv.base_url + "/", store, settings, [_format(a, srv.port) for a in spec.args],
                        timeout=spec.timeout, env=env)
        log = list(srv.log)
    return HostileCrawl(spec, base, run, log)


_SPECS: dict[str, CrawlSpec] = {}


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        spec = getattr(item.module, "CRAWL", None)
        if isinstance(spec, CrawlSpec):
            _SPECS[spec.name] = spec


@pytest.fixture(scope="session")
def hostile_crawls():
    """name -> HostileCrawl for every selected module, crawled in parallel on first use."""
    root = Path(tempfile.mkdtemp(prefix="hardening-"))
    results: dict[str, HostileCrawl] = {}
    specs = list(_SPECS.values())
    with ThreadPoolExecutor(max(1, len(specs))) as pool:
        futures = {s.name: pool.submit(_run_one, s, root) for s in specs}
        for name, fut in futures.items():
            results[name] = fut.result()
    yield results
    if not os.environ.get("HARDENING_KEEP"):
        shutil.rmtree(root, ignore_errors=True)
    else:
        print(f"\nhardening stores kept in {root}")


@pytest.fixture(scope="module")
def hostile(request, hostile_crawls) -> HostileCrawl:
    """The crawl declared by the requesting module's ``CRAWL``."""
    spec: CrawlSpec = request.module.CRAWL
    return hostile_crawls[spec.name]
