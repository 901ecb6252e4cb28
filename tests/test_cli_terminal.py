"""The crawl on a real terminal (a pty): only the progress line, warnings and the summary
reach it; a double Ctrl-C leaves the cursor visible."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import sys
import time
from pathlib import Path

from crawler.demo.server import Route, SiteServer

ROOT = Path(__file__).resolve().parent.parent
HIDE, SHOW = b"\x1b[?25l", b"\x1b[?25h"


def _site(n: int, delay: float) -> dict[str, Route]:
    def page(i: int) -> bytes:
        links = "".join(f'<a href="/p{j}">p{j}</a> ' for j in range(i + 1, min(i + 4, n)))
        return f"<html><head><title>p{i}</title></head><body><p>{'word ' * 80}</p>{links}</body></html>".encode()

    routes = {f"/p{i}": Route(body=page(i), delay=delay) for i in range(n)}
    routes["/robots.txt"] = Route(status=404, body=b"")
    return routes


def _run_in_pty(args: list[str], *, until: bytes | None = None, interrupts: int = 0,
                timeout: float = 120) -> tuple[int, bytes]:
    """Run ``python -m crawler ARGS`` on a pty; once ``until`` was output, send Ctrl-C
    ``interrupts`` times (as a terminal does: SIGINT to the foreground process)."""
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.chdir(ROOT)
        os.environ["COLUMNS"] = "120"
        os.execv(sys.executable, [sys.executable, "-m", "crawler", *args])
    out = bytearray()
    deadline = time.monotonic() + timeout
    sent = 0
    while time.monotonic() < deadline:
        if until is not None and sent < interrupts and until in out:
            os.kill(pid, signal.SIGINT)
            sent += 1
            time.sleep(0.3)
            continue
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the pty
                break
            if not data:
                break
            out += data
    else:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), bytes(out)


def test_terminal_gets_progress_warnings_and_summary_only(tmp_path):
    with SiteServer(_site(12, 0.05)) as srv:
        code, out = _run_in_pty(["crawl", srv.base_url + "/p0", "--store", str(tmp_path), "--allow-private",
                                 "-s", "CRAWLER_GUESS_SITEMAPS=false", "-s", "CRAWLER_FEEDS=false",
                                 "-s", "DOWNLOAD_DELAU=1"])
    text = out.decode("utf-8", "replace")
    assert code == 0, text
    assert "did you mean 'DOWNLOAD_DELAY'" in text  # warnings are shown
    assert "crawling  pages" in text  # the live line
    assert "articles written" in text and "pages fetched" in text  # the summary
    assert " INFO: " not in text and "[scrapy" not in text, text  # no Scrapy log lines
    assert out.count(HIDE) >= 1 and out.rfind(SHOW) > out.rfind(HIDE)


def test_double_ctrl_c_restores_the_cursor(tmp_path):
    with SiteServer(_site(400, 0.2)) as srv:
        code, out = _run_in_pty(["crawl", srv.base_url + "/p0", "--store", str(tmp_path), "--allow-private",
                                 "-s", "CRAWLER_GUESS_SITEMAPS=false", "-s", "CRAWLER_FEEDS=false"],
                                until=b"crawling  pages", interrupts=2)
    assert HIDE in out, out
    assert out.rfind(SHOW) > out.rfind(HIDE), out[-2000:]
    assert code != 0  # stopped before the end
    assert b"Traceback" not in out, out.decode("utf-8", "replace")[-3000:]


def test_verbose_shows_scrapy_info_log(tmp_path):
    with SiteServer(_site(3, 0.0)) as srv:
        code, out = _run_in_pty(["crawl", srv.base_url + "/p0", "--store", str(tmp_path), "--allow-private",
                                 "-s", "CRAWLER_GUESS_SITEMAPS=false", "-s", "CRAWLER_FEEDS=false", "-v"])
    assert code == 0
    assert re.search(rb"\[scrapy[.\w]*\] INFO: ", out), out[-2000:]
