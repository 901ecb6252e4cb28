"""``crawler replay`` cleans up (issue 17, point 4): SIGTERM, SIGINT or SIGHUP stop its pywb
child -- the whole process group, as ``wayback`` runs in a session of its own -- and remove
its temporary folder; a port already in use is one clear error line and exit code 2."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.replay.helpers import crawl_demo

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("replay-cleanup") / "archive"
    crawl_demo(path)
    return path


def replay(store: Path, port: int = 0) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "crawler", "replay", "--store", str(store), "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def session_of(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[3])  # session id


def processes_in_session(sid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if session_of(int(d.name)) == sid:
                    out.append(int(d.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


def children_of(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def wait_ready(proc: subprocess.Popen, timeout: float = 180) -> list[str]:
    lines = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            return lines
    proc.kill()
    pytest.fail(f"crawler replay did not start: {''.join(lines)}\n{proc.stderr.read()[-3000:]}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signal_stops_pywb_and_removes_its_folder(store, sig):
    proc = replay(store)
    try:
        lines = wait_ready(proc)
        port = int(next(line for line in lines if line.startswith("Open ")).split(":")[2].split("/")[0])
        (wayback,) = children_of(proc.pid)
        sid = session_of(wayback)
        assert sid == wayback != session_of(proc.pid)  # its own session: a signal to us does not reach it
        workdir = Path(os.readlink(f"/proc/{wayback}/cwd"))
        assert workdir.name.startswith("newsarchiver-replay-") and workdir.is_dir()
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not processes_in_session(sid)
    assert not workdir.exists()
    with socket.socket() as s:  # the port is free again
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


def test_port_in_use_is_one_line_and_exit_2(store):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = replay(store, port)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert err.strip().count("\n") == 0, err
    assert f"port {port} on 127.0.0.1 is already in use" in err and "Traceback" not in err
    assert "pywb is serving" not in out
