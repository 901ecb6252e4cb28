"""Fixtures for distributed crawls: a private redis-server per test, a timed local site,
and workers started as subprocesses (each in its own session, so a test can SIGKILL a
worker together with its extraction processes)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.distributed.localsite import RedisServer, TimedSiteServer, build_news_site

ROOT = Path(__file__).resolve().parents[2]

#: Settings shared by the distributed tests: fast failure detection and termination.
FAST = {
    "AUTOTHROTTLE_ENABLED": False,
    "EXTRACT_WORKERS": 1,
    "CRAWLER_WORKER_TIMEOUT": 3,
    "CRAWLER_WORKER_HEARTBEAT": 0.5,
    "CRAWLER_WORKER_IDLE_GRACE": 1.0,
    "CRAWLER_WORKER_MAX_INFLIGHT": 2,
}


@pytest.fixture
def redis_url():
    with RedisServer() as url:
        yield url


@pytest.fixture
def site():
    with TimedSiteServer({}, delay=0.05) as srv:
        srv.routes.update(build_news_site(srv.base_url, articles=48))
        yield srv


@dataclass
class Worker:
    proc: subprocess.Popen
    name: str

    def wait(self, timeout: float = 120) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err

    def kill(self) -> None:
        """SIGKILL the worker and its extraction processes (its own process group)."""
        os.killpg(self.proc.pid, signal.SIGKILL)


def _cli_settings(settings: dict[str, Any]) -> list[str]:
    out = []
    for k, v in settings.items():
        out += ["-s", f"{k}={json.dumps(v)}"]
    return out


def start_cli(*args: str, settings: dict[str, Any] | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "crawler", *args, *_cli_settings({**FAST, **(settings or {})})],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)


@pytest.fixture
def workers():
    """``workers.crawl(seed, ...)`` / ``workers.worker(...)``; every process is reaped at the end."""
    started: list[Worker] = []

    class _Workers:
        def crawl(self, seed: str, redis: str, store: Path, name: str, settings=None) -> Worker:
            w = Worker(start_cli("crawl", seed, "--redis", redis, "--store", str(store), "--name", name,
                                 "--allow-private", settings=settings), name)
            started.append(w)
            return w

        def worker(self, redis: str, store: Path, name: str, settings=None) -> Worker:
            w = Worker(start_cli("worker", "--redis", redis, "--store", str(store), "--name", name,
                                 "--allow-private", settings=settings), name)
            started.append(w)
            return w

    yield _Workers()
    for w in started:
        if w.proc.poll() is None:
            try:
                os.killpg(w.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            w.proc.wait()
