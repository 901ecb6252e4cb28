"""Shared test helpers: run real crawls (in a subprocess: Twisted's reactor cannot
restart) against sites served on 127.0.0.1 by :class:`crawler.demo.server.SiteServer`."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CrawlRun:
    returncode: int
    stdout: str
    stderr: str
    store: Path

    @property
    def manifest(self) -> dict[str, Any]:
        manifests = sorted((self.store / "manifests").glob("*.json"))
        assert manifests, f"no manifest written\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"
        return json.loads(manifests[-1].read_text())

    def warc_files(self) -> list[Path]:
        return sorted(self.store.glob("warc/*/*.warc.gz"))

    def articles(self) -> list[dict[str, Any]]:
        records = []
        for part in sorted(self.store.glob("articles/date=*/site=*/*.jsonl.gz")):
            with gzip.open(part, "rt", encoding="utf-8") as fh:
                records += [json.loads(line) for line in fh if line.strip()]
        return records


def run_cli(*args: str, timeout: float = 180, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=full_env)


@pytest.fixture
def crawl(tmp_path):
    """``crawl(seed, ..., settings={...}, args=[...])`` -> CrawlRun (store under tmp_path)."""
    counter = {"n": 0}

    def _crawl(*seeds: str, settings: dict[str, Any] | None = None, args: list[str] | None = None,
               store: Path | None = None, timeout: float = 180) -> CrawlRun:
        counter["n"] += 1
        store = store or tmp_path / f"store{counter['n']}"
        cli = ["crawl", *seeds, "--store", str(store), "--allow-private", *(args or [])]
        for k, v in (settings or {}).items():
            cli += ["-s", f"{k}={json.dumps(v)}"]
        proc = run_cli(*cli, timeout=timeout)
        return CrawlRun(proc.returncode, proc.stdout, proc.stderr, store)

    return _crawl
