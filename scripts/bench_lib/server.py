"""Serve a rendered site folder on 127.0.0.1: nginx when installed (``apt-get install
nginx-light``), else a threaded Python HTTP/1.1 server.  ``capacity()`` measures how many
requests/s the server answers with keep-alive clients, to show it is not the bottleneck."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

NGINX_CONF = """
worker_processes 1;
daemon off;
master_process on;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
user root;
events {{ worker_connections 1024; }}
http {{
    access_log {work}/access.log;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    client_body_temp_path {work}/tmp_body;
    proxy_temp_path {work}/tmp_proxy;
    fastcgi_temp_path {work}/tmp_fcgi;
    uwsgi_temp_path {work}/tmp_uwsgi;
    scgi_temp_path {work}/tmp_scgi;
    types {{ text/html html; text/css css; application/xml xml; text/plain txt; }}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
        location / {{ try_files $uri $uri/ =404; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Quiet(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # noqa: D401 - silence
        pass


class StaticServer:
    """``with StaticServer(root, port) as srv: srv.url`` -- nginx or the Python fallback."""

    def __init__(self, root: Path, port: int, work: Path, prefer: str = "nginx"):
        self.root, self.port, self.work = Path(root), port, Path(work)
        self.kind = "nginx" if prefer == "nginx" and shutil.which("nginx") else "python-threaded"
        self._proc: subprocess.Popen | None = None
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "StaticServer":
        self.work.mkdir(parents=True, exist_ok=True)
        if self.kind == "nginx":
            conf = self.work / "nginx.conf"
            conf.write_text(NGINX_CONF.format(work=self.work, port=self.port, root=self.root))
            self._proc = subprocess.Popen([shutil.which("nginx"), "-c", str(conf), "-p", str(self.work)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        else:
            handler = partial(_Quiet, directory=str(self.root))
            self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
            self._httpd.daemon_threads = True
            threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                if self._proc is not None and self._proc.poll() is not None:
                    raise RuntimeError("nginx failed: " + self._proc.stderr.read().decode())
                time.sleep(0.05)
        raise RuntimeError("static server did not start")

    def __exit__(self, *exc) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    # -- access log (nginx only) ---------------------------------------------------------
    def rotate_log(self) -> Path | None:
        """Start a new access log; returns the finished one (None for the fallback server)."""
        if self.kind != "nginx":
            return None
        log = self.work / "access.log"
        done = self.work / f"access-{time.monotonic_ns()}.log"
        if log.exists():
            log.rename(done)
        pid = int((self.work / "nginx.pid").read_text())
        os.kill(pid, __import__("signal").SIGUSR1)  # reopen logs
        time.sleep(0.2)
        return done if done.exists() else None


def capacity(url: str, paths: list[str], seconds: float = 3.0, clients: int = 4) -> float:
    """Requests/s answered to ``clients`` keep-alive client threads for ``seconds``."""
    host, port = url.split("//", 1)[1].split(":")
    stop = time.monotonic() + seconds
    counts = [0] * clients

    def client(k: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        i = k
        while time.monotonic() < stop:
            conn.request("GET", paths[i % len(paths)])
            conn.getresponse().read()
            counts[k] += 1
            i += clients
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - t0)
