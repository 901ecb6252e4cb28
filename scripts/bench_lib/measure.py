"""Run one command and measure it: wall time, CPU (user+sys of the process and every
descendant it reaped, from ``wait4``), peak RSS of the whole process tree (sum over
descendants, sampled from /proc every 0.1 s) and of its largest single process."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass, field

from crawler.demo.procstats import tree_rss


@dataclass
class Measured:
    cmd: list[str]
    returncode: int
    wall: float
    cpu: float  # user + sys seconds, process tree
    peak_tree_rss: int
    peak_process_rss: int
    max_procs: int
    stdout: str = ""
    stderr: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def cpu_percent(self) -> float:
        return 100.0 * self.cpu / self.wall if self.wall else 0.0


def run_measured(cmd: list[str], *, cwd: str | None = None, env: dict | None = None,
                 timeout: float = 3600, interval: float = 0.1) -> Measured:
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = [0, 0, 0]
    done = threading.Event()
    out: dict[str, bytes] = {}

    def sample() -> None:
        while not done.is_set():
            total, largest, n = tree_rss(proc.pid)
            peak[0], peak[1], peak[2] = max(peak[0], total), max(peak[1], largest), max(peak[2], n)
            done.wait(interval)

    def drain(name: str, stream) -> None:
        out[name] = stream.read()

    threads = [threading.Thread(target=sample, daemon=True),
               threading.Thread(target=drain, args=("out", proc.stdout), daemon=True),
               threading.Thread(target=drain, args=("err", proc.stderr), daemon=True)]
    for t in threads:
        t.start()
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    try:
        _, status, ru = os.wait4(proc.pid, 0)
    finally:
        killer.cancel()
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    for t in threads:
        t.join(timeout=10)
    return Measured(cmd, proc.returncode, wall, ru.ru_utime + ru.ru_stime, peak[0], peak[1], peak[2],
                    out.get("out", b"").decode("utf-8", "replace"), out.get("err", b"").decode("utf-8", "replace"))
