"""Helpers of the hardening suite: run one crawl against the hostile site while measuring
the crawler's process tree, and check that everything it wrote is sound."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from crawler.demo import procstats
from tests.conftest import ROOT, CrawlRun

#: Settings of every hardening crawl: no politeness delays (one local host), memory
#: sampled often enough that ``memusage/max`` in the manifest means something.
FAST = {
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "MEMUSAGE_CHECK_INTERVAL_SECONDS": 0.5,
    "EXTRACT_WORKERS": 2,
}
#: Memory bounds: any single process of the crawl (the crawler, an extraction worker), and
#: the whole process tree (crawler + EXTRACT_WORKERS workers + multiprocessing helpers).
MAX_RSS = 600 * 1024 * 1024
MAX_TREE_RSS = 1500 * 1024 * 1024

def tree_rss(pid: int) -> tuple[int, int]:
    """(resident bytes of ``pid`` and all its descendants, largest single process)."""
    total, largest, _ = procstats.tree_rss(pid)
    return total, largest


@dataclass
class HardRun(CrawlRun):
    peak_tree_rss: int = 0
    peak_process_rss: int = 0
    elapsed: float = 0.0
    cmd: list[str] = field(default_factory=list)

    @property
    def stats(self) -> dict[str, Any]:
        return self.manifest["stats"]

    def crawl_log(self) -> list[str]:
        logs = sorted((self.store / "logs").glob("*.crawl.log"))
        assert logs, "no crawl log"
        return logs[-1].read_text(encoding="utf-8").splitlines()

    def log_lines_for(self, url: str) -> list[str]:
        """Crawl log lines whose URL field is ``url``."""
        return [line for line in self.crawl_log() if line.split()[3:4] == [url]]

    def records(self) -> list[tuple[dict[str, str], bytes]]:
        out = []
        for path in self.warc_files():
            with open(path, "rb") as fh:
                for rec in ArchiveIterator(fh, no_record_parse=True):
                    out.append((dict(rec.rec_headers.headers), rec.raw_stream.read()))
        return out

    def responses(self, url: str) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for h, b in self.records()
                if h.get("WARC-Type") in ("response", "revisit") and h.get("WARC-Target-URI") == url]

    def articles_by_url(self) -> dict[str, dict[str, Any]]:
        return {a["url"]: a for a in self.articles()}

    def describe(self) -> str:
        return (f"exit {self.returncode}\ncmd: {' '.join(self.cmd)}\n--- stderr (tail) ---\n"
                f"{self.stderr[-6000:]}")


def run_crawl(seed: str, store: Path, settings: dict[str, Any] | None = None,
              args: list[str] | None = None, timeout: float = 150,
              env: dict[str, str] | None = None) -> HardRun:
    """``python -m crawler crawl seed`` in a subprocess, sampling the RSS of its process
    tree every 0.1 s.  The subprocess is killed after ``timeout`` seconds."""
    cli = [sys.executable, "-m", "crawler", "crawl", seed, "--store", str(store), "--allow-private",
           *(args or [])]
    for k, v in {**FAST, **(settings or {})}.items():
        cli += ["-s", f"{k}={json.dumps(v)}"]
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    started = time.monotonic()
    proc = subprocess.Popen(cli, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=full_env)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            total, largest = tree_rss(proc.pid)
            peak[0] = max(peak[0], total)
            peak[1] = max(peak[1], largest)
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        err += f"\n[killed after {timeout}s]"
    finally:
        done.set()
        sampler.join()
    return HardRun(proc.returncode, out, err, store, peak_tree_rss=peak[0], peak_process_rss=peak[1],
                   elapsed=time.monotonic() - started, cmd=cli)


# ----------------------------------------------------------------------------------------
# soundness of everything written

#: ``warcio check`` with one compatibility shim: warcio 1.8 expects the *brotlipy* API
#: (``Decompressor().decompress`` and a writable ``unused_data``), while the ``brotli``
#: package installed with Scrapy has ``Decompressor().process`` and no ``__dict__``, so
#: plain ``warcio check`` crashes (AttributeError) on the first ``Content-Encoding: br``
#: response.  The WARC itself is fine; the shim only lets warcio decode it.
_WARCIO_CHECK = """
import sys
try:
    import brotli
    from warcio.bufferedreaders import BufferedReader

    class _Brotli:
        unused_data = None

        def __init__(self):
            self._d = brotli.Decompressor()

        def decompress(self, data):
            return self._d.process(data)

    BufferedReader.DECOMPRESSORS["br"] = _Brotli
except ImportError:
    pass
from warcio.cli import main
main(sys.argv[1:])
"""
def warcio_check(run: HardRun) -> list[str]:
    """``warcio check -v`` on every WARC; returns the failure lines (none expected: the
    default ``WARC_CHUNKED_PAYLOAD_DIGEST=stored`` digests chunked payloads as warcio does)."""
    warcs = [str(p) for p in run.warc_files()]
    assert warcs, "no WARC written"
    proc = subprocess.run([sys.executable, "-c", _WARCIO_CHECK, "check", "-v", *warcs],
                          capture_output=True, text=True)
    bad, current = [], None
    for line in proc.stdout.splitlines():
        m = re.search(r"(<urn:uuid:[^>]+>)", line)
        if m:
            current = m.group(1)
        if "failed" in line or "error" in line.lower():
            bad.append(f"{current}: {line.strip()}")
    if proc.returncode != 0 and not bad:
        bad.append(f"warcio check exit {proc.returncode}: {proc.stderr[-2000:]}")
    return bad


def check_outputs(run: HardRun) -> None:
    """Exit 0, a finished manifest whose files exist with their size and SHA-256, WARCs that
    pass ``warcio check``, JSON Lines parts that parse
    and records that validate against the published schema."""
    from crawler.schema import validate_record

    assert run.returncode == 0, run.describe()
    manifest = run.manifest
    assert manifest["status"] == "finished", manifest["status"]
    for f in manifest["files"]:
        path = run.store / f["key"]
        assert path.is_file(), f["key"]
        assert path.stat().st_size == f["size"], f["key"]
        if "sha256" in f:
            assert hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"].removeprefix("sha256:"), f["key"]
    assert not warcio_check(run), warcio_check(run)
    for part in sorted(run.store.glob("articles/date=*/site=*/*.jsonl.gz")):
        with gzip.open(part, "rt", encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                assert line.strip(), f"{part}:{n} empty line"
                validate_record(json.loads(line))
    assert not list(run.store.glob(".spool/*/*.open")), "spool files left behind"


def check_memory(run: HardRun) -> None:
    """``memusage/max`` (Scrapy's MemoryUsage: ru_maxrss of the crawler process) in the
    manifest, and the peaks sampled from /proc while the crawl ran."""
    peak = run.stats.get("memusage/max", 0)
    assert 0 < peak < MAX_RSS, f"memusage/max {peak / 2**20:.0f} MiB"
    assert run.peak_process_rss < MAX_RSS, f"largest process peak {run.peak_process_rss / 2**20:.0f} MiB"
    assert run.peak_tree_rss < MAX_TREE_RSS, f"process tree peak {run.peak_tree_rss / 2**20:.0f} MiB"


def check_good_articles(run: HardRun, base: str) -> None:
    from crawler.demo.hostile import GOOD_PATHS

    arts = run.articles_by_url()
    for path in GOOD_PATHS:
        assert base + path in arts, f"good article {path} not extracted; have {sorted(arts)}\n{run.describe()}"
        assert run.responses(base + path), f"good article {path} not archived"
