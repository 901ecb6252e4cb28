"""A real S3 endpoint over HTTP for the storage tests: moto's ThreadedMotoServer on
127.0.0.1 (random port), plus a small fault-injecting HTTP proxy in front of it."""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

import pytest

ACCESS_KEY = "AKIATESTSTORAGE00001"
SECRET_KEY = "s3cr3t-Do-Not-Leak-6c1f0e2b9a"
REGION = "us-east-1"

_ENV = {
    "AWS_ACCESS_KEY_ID": ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}
_UNSET = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
          "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


@pytest.fixture(scope="session")
def aws_env(tmp_path_factory):
    saved = {k: os.environ.get(k) for k in (*_ENV, *_UNSET)}
    os.environ.update(_ENV)
    for k in _UNSET:
        os.environ.pop(k, None)
    empty = tmp_path_factory.mktemp("aws")
    os.environ["AWS_CONFIG_FILE"] = str(empty / "config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(empty / "credentials")
    yield dict(_ENV)
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def moto_endpoint(aws_env):
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def client_for(endpoint: str, **kw: Any):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                        config=Config(s3={"addressing_style": "path"}), **kw)


@pytest.fixture
def s3(moto_endpoint):
    return client_for(moto_endpoint)


@pytest.fixture
def bucket(s3):
    name = f"test-{secrets.token_hex(6)}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def make_store(bucket, moto_endpoint, tmp_path):
    """``make_store(endpoint=..., **options)`` -> S3Store on ``s3://<bucket>/arch`` with
    fast retries and a spool under tmp_path."""
    from crawler.storage.s3 import S3Store

    def _make(endpoint: str | None = None, uri: str | None = None, **options: Any) -> S3Store:
        opts = dict(endpoint_url=endpoint or moto_endpoint, region_name=REGION,
                    addressing_style="path", spool_root=tmp_path / "spool", attempts=3,
                    backoff=0.05, max_backoff=0.2, retry_deadline=5, botocore_retries=2,
                    connect_timeout=2, read_timeout=10)
        opts.update(options)
        return S3Store(uri or f"s3://{bucket}/arch", **opts)

    return _make


def write_file(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        left = size
        while left > 0:
            n = min(left, 4 * 1024 * 1024)
            fh.write(os.urandom(n))
            left -= n
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
        "upgrade", "expect"}


class FaultProxy:
    """An HTTP proxy on 127.0.0.1 in front of the S3 endpoint.

    ``fail(predicate, n, status)`` answers the next ``n`` matching requests with an S3
    error; ``stop()`` closes the listening socket and every open connection (the
    endpoint is "down": connection refused); ``start()`` listens again on the same port.
    """

    def __init__(self, upstream: str):
        u = upstream.split("://", 1)[1]
        self.up_host, up_port = u.split(":")
        self.up_port = int(up_port)
        self.port = free_port()
        self.rules: list[list[Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.failed: list[tuple[str, str]] = []
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(self, predicate: Callable[[str, str], bool], n: int, status: int = 500,
             code: str = "InternalError") -> None:
        with self._lock:
            self.rules.append([predicate, n, status, code])

    def _match(self, method: str, path: str) -> tuple[int, str] | None:
        with self._lock:
            self.requests.append((method, path))
            for rule in self.rules:
                if rule[1] > 0 and rule[0](method, path):
                    rule[1] -= 1
                    self.failed.append((method, path))
                    return rule[2], rule[3]
        return None

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with proxy._lock:
                    proxy._conns.add(self.connection)

            def finish(self):
                with proxy._lock:
                    proxy._conns.discard(self.connection)
                super().finish()

            def log_message(self, *args):
                pass

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    out = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return out
                        out += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _forward(self):
                body = self._body()
                fault = proxy._match(self.command, self.path)
                if fault:
                    status, code = fault
                    xml = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code>"
                           f"<Message>injected</Message></Error>").encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(xml)))
                    self.end_headers()
                    self.wfile.write(xml)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                if body or self.command in ("PUT", "POST"):
                    headers["Content-Length"] = str(len(body))
                conn = http.client.HTTPConnection(proxy.up_host, proxy.up_port, timeout=30)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    self.send_response(resp.status, resp.reason)
                    for k, v in resp.getheaders():
                        if k.lower() in _HOP or (k.lower() == "content-length"
                                                 and self.command != "HEAD"):
                            continue
                        self.send_header(k, v)
                    if self.command != "HEAD":
                        self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                finally:
                    conn.close()

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is None:
            return
        self.server.shutdown()
        self.server.server_close()
        self.server = None
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture
def proxy(moto_endpoint):
    p = FaultProxy(moto_endpoint).start()
    yield p
    p.stop()


def is_upload_part(method: str, path: str) -> bool:
    return method == "PUT" and "partNumber=" in path and "uploadId=" in path
