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

#: how ``pytest -n N`` (pytest-xdist) splits the suite between workers
pytest_plugins = ["tests.xdist_scopes"]

# Tests stop crawls, servers and the replay with SIGINT (Ctrl-C).  A shell that starts
# pytest as a background job (``cmd &``, nohup, some CI runners) passes SIGINT *ignored*,
# an ignored signal stays ignored across exec, and Python then installs no
# KeyboardInterrupt handler: every child would ignore the tests' Ctrl-C.  Handle it
# here, so the children start with the default disposition, as from a terminal.
import signal as _signal  # noqa: E402

if _signal.getsignal(_signal.SIGINT) is _signal.SIG_IGN:
    _signal.signal(_signal.SIGINT, _signal.default_int_handler)


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


@pytest.fixture(scope="session", autouse=True)
def loopback_only():
    """Safety net: every crawl (and Chromium) a test starts refuses any host that is not
    localhost or 127.x, by name, before DNS (crawler.discovery.netguard)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSARCHIVER_LOOPBACK_ONLY", "1")
        yield


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


def assert_verified(store: Any, crawl_id: str | None = None) -> Any:
    """``crawler verify`` of ``store`` (a path, URI or Store) must be clean; returns the report.

    Every test that builds a store can end with this: it checks sizes and SHA-256 against
    the manifests, WARC digests, CDXJ offsets, JSON warc pointers, revisits and orphans."""
    from crawler.verify import verify_store

    report = verify_store(store if not isinstance(store, Path) else str(store), crawl_id)
    assert report.clean, "crawler verify found problems:\n" + "\n".join(
        [f"  {p.check}: {p.file}: {p.detail}" for p in report.problems]
        + [f"  orphan: {k}" for k in report.orphans])
    return report


@pytest.fixture
def verified():
    """The :func:`assert_verified` helper as a fixture."""
    return assert_verified


#: a store a test damaged on purpose (or left mid-crash) carries this marker, with the
#: reason: the session's audit of every store skips it (dot files are not part of a store's
#: listing)
NO_VERIFY_MARK = ".noverify"


def mark_store_unverifiable(store: Path, reason: str) -> None:
    """Exclude ``store`` from the end-of-session audit: only for a store the test damages on
    purpose (the audit's own negative tests, crash simulations); say why."""
    store.mkdir(parents=True, exist_ok=True)
    (store / NO_VERIFY_MARK).write_text(reason + "\n")


def _test_stores(base: Path) -> tuple[list[Path], list[Path]]:
    """(stores to audit, stores marked unverifiable) under ``base``: every folder with a
    ``manifests/*.json``."""
    out, marked = [], []
    for manifests in base.rglob("manifests"):
        store = manifests.parent
        if store.name == "pending" and (store.parent / "pending.jsonl").exists():
            continue  # an S3 store's local spool of pending uploads (same layout), not a store
        if not (manifests.is_dir() and any(manifests.glob("*.json"))):
            continue
        if (store / NO_VERIFY_MARK).exists() or any((p / NO_VERIFY_MARK).exists() for p in store.parents):
            marked.append(store)
        else:
            out.append(store)
    return sorted(out), sorted(marked)


def pytest_sessionfinish(session, exitstatus):
    """``crawler verify`` on every local store the session's tests built (under pytest's
    base temp folder): a store it rejects fails the run (exit status 1), each named with its
    first problems; ``NEWSARCHIVER_VERIFY_TEST_STORES=0`` turns the audit off."""
    if os.environ.get("NEWSARCHIVER_VERIFY_TEST_STORES", "1") == "0" or session.config.option.collectonly:
        return
    if hasattr(session.config, "workerinput"):
        return  # a pytest-xdist worker: the controller audits all workers' stores (below its base temp)
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None or session.testscollected == 0:
        return
    try:
        base = factory.getbasetemp()
    except Exception:  # noqa: BLE001 - no temp folder was made
        return
    from crawler.verify import verify_store

    failed = []
    stores, marked = _test_stores(base)
    for store in stores:
        try:
            report = verify_store(str(store))
        except Exception as exc:  # noqa: BLE001 - report, do not crash the session
            failed.append(f"{store}: {type(exc).__name__}: {exc}")
            continue
        if not report.clean:
            details = [f"    {p.check}: {p.file}: {p.detail}" for p in report.problems[:5]]
            details += [f"    orphan: {k}" for k in report.orphans[:5]]
            failed.append(f"{store}:\n" + "\n".join(details))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_sep("-", f"crawler verify on {len(stores)} store(s) built by the tests: "
                                f"{len(failed)} with problems ({len(marked)} damaged on purpose, "
                                f"marked {NO_VERIFY_MARK}, not audited)", red=bool(failed))
        for line in failed:
            reporter.write_line(line)
    if failed and session.exitstatus == 0:
        session.exitstatus = 1
