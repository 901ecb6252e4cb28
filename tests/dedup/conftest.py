"""Fixtures for the dedup tests: a real redis-server on a free 127.0.0.1 port, and a
parametrised ``make_index`` factory so every contract test runs on both backends."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crawler.dedup.index import DedupIndex, RedisDedupIndex, SQLiteDedupIndex


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start a private redis-server (package ``redis-server``) for the test session."""
    exe = shutil.which("redis-server")
    assert exe, "redis-server is required for the dedup tests (apt-get install redis-server)"
    import redis

    workdir = tmp_path_factory.mktemp("redis")
    for _attempt in range(3):
        port = _free_port()
        proc = subprocess.Popen(
            [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir), "--daemonize", "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        if proc.poll() is None:
            break
    else:
        raise RuntimeError("could not start redis-server")
    client.close()
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def index_spec(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An ``open_dedup_index`` spec naming a fresh, empty index of the backend."""
    if backend == "sqlite":
        # small batches so that concurrent writers really interleave
        return f"sqlite://{tmp_path / 'state' / 'dedup.sqlite3'}?batch_size=7&commit_interval=0.01"
    url = request.getfixturevalue("redis_url")
    return f"{url}?namespace=test-{uuid.uuid4().hex}"


@pytest.fixture
def make_index(index_spec: str, tmp_path: Path) -> Iterator[Callable[[], DedupIndex]]:
    """Factory opening the (same) index; calling it again reopens it.  All closed after."""
    from crawler.dedup.index import open_dedup_index

    opened: list[DedupIndex] = []

    def make() -> DedupIndex:
        idx = open_dedup_index(index_spec, tmp_path / "state")
        assert isinstance(idx, (SQLiteDedupIndex, RedisDedupIndex))
        opened.append(idx)
        return idx

    yield make
    for idx in opened:
        if isinstance(idx, RedisDedupIndex):
            idx.clear()
        idx.close()


@pytest.fixture
def index(make_index: Callable[[], DedupIndex]) -> DedupIndex:
    return make_index()
