"""Ctrl-C: the crawl stops dispatching at once; only the requests really in flight (at
most the host's concurrency) reach the server afterwards."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time

from crawler.demo.server import SiteServer
from crawler.demo.site import build_site
from tests.conftest import ROOT

PER_HOST = 2


def test_sigint_fetches_only_what_is_in_flight(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with SiteServer({}) as srv:
        srv.routes.update({k: dataclasses.replace(r, delay=0.1) for k, r in build_site(srv.base_url).items()})
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "crawl", srv.base_url + "/", "--store", str(tmp_path / "s"),
             "--allow-private", "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={PER_HOST}"],
            cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while len(srv.log) < 12 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert proc.poll() is None, "the crawl ended before it could be stopped"
            at_signal = len(srv.log)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
        after = len(srv.log) - at_signal
    assert proc.returncode == 1, err[-3000:]
    assert after <= PER_HOST, f"{after} requests reached the server after Ctrl-C"
