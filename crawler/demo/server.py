"""A tiny, byte-exact HTTP/1.1 test server for the demo news site.

Stdlib only (``socketserver`` + ``threading``).  Responses are assembled by hand so
that every byte written on the socket is known and recorded: tests compare the HTTP
block captured in a WARC file against :attr:`RequestLog.raw_response`, and the
request record against :attr:`RequestLog.raw_request`.

Usage::

    with SiteServer({}) as srv:
        srv.routes.update(build_site(srv.base_url))
        ...  # crawl srv.base_url
        srv.fetched_paths()

Routing
-------
``routes`` maps a request target (path plus query, exactly as sent by the client,
e.g. ``"/search?q=x"``) to a :class:`Route`.  Lookup order:

1. exact match on the full target;
2. prefix routes: keys ending in ``"*"`` (``"/calendar/*"``) match any target that
   starts with the key minus the star; the longest prefix wins.  Such routes are
   usually *dynamic* (``Route(dynamic=fn)``): ``fn(target)`` returns the
   :class:`Route` to serve, or ``None`` for a 404;
3. if nothing matched in 1-2, ``ignore_unknown_query`` is true (default) and the
   target has a query string, the path without the query is looked up again
   (steps 1-2) -- like a real site that ignores ``utm_*`` parameters.  (A dynamic
   route that matched but returned ``None`` is a 404, no fallback);
4. otherwise the :attr:`SiteServer.not_found` route (404).

``srv.routes`` may be mutated (or replaced) while the server runs.

Response layout (fixed order)::

    HTTP/1.1 <status> <reason>
    Date: ...
    Server: demo-news/1.0
    Location: ...                 (redirects)
    Content-Type: ...             (omitted for 304)
    Content-Encoding: gzip|br     (Route.encoding)
    Vary: Accept-Encoding         (Route.encoding)
    ETag: ...                     (Route.etag)
    Last-Modified: ...            (Route.last_modified)
    Content-Length: N | Transfer-Encoding: chunked   (omitted for 304)
    <Route.headers, verbatim, in order>
    Connection: keep-alive|close

A default header whose name (case-insensitively) also appears in ``Route.headers``
is left out, so a route can override e.g. ``Server`` or ``Content-Type``.
Compression is applied regardless of the request's ``Accept-Encoding``.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import select
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

__all__ = ["Route", "RequestLog", "SiteServer", "SERVER_NAME", "serve_demo", "main"]

SERVER_NAME = "demo-news/1.0"
#: Longest time a ``stall_after`` response hangs before the server closes it.
STALL_MAX_SECONDS = 60.0
#: Idle time after which a kept-alive connection is closed by the server.
KEEPALIVE_IDLE_SECONDS = 30.0
MAX_HEADER_BYTES = 64 * 1024

REASONS = {
    200: "OK", 201: "Created", 204: "No Content", 206: "Partial Content",
    301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
    307: "Temporary Redirect", 308: "Permanent Redirect",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 410: "Gone", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}

# Chunk sizes cycled through when ``Route.chunked`` is set (deliberately uneven).
_CHUNK_SIZES = (1, 13, 256, 7, 1024, 97, 4096, 3)


@dataclass
class Route:
    """How to answer one request target.  See the module docstring."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    #: Extra raw headers, written verbatim (name case and order preserved).
    headers: list[tuple[str, str]] = field(default_factory=list)
    #: ``"gzip"`` or ``"br"``: compress ``body`` on the fly and send Content-Encoding.
    encoding: str | None = None
    #: Send with ``Transfer-Encoding: chunked`` in several uneven chunks.
    chunked: bool = False
    #: Redirect target (Location, written verbatim).  Status 301 unless ``status``
    #: is already a 3xx code.
    redirect_to: str | None = None
    #: Seconds to sleep before responding.
    delay: float = 0.0
    #: Send the headers plus this many (encoded) body bytes, then hang until the
    #: client disconnects, the server stops, or ``STALL_MAX_SECONDS`` pass.
    stall_after: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    #: Send exactly these bytes as the whole response, then close the connection.
    raw: bytes | None = None
    #: Dynamic hook: called with the request target, returns the Route to serve
    #: (or None -> 404).  Typically used with a prefix key such as ``"/calendar/*"``.
    dynamic: Callable[[str], "Route | None"] | None = None

    def encoded_body(self) -> bytes:
        """The entity as sent on the wire (after Content-Encoding)."""
        return _encode(self.body, self.encoding)


@dataclass
class RequestLog:
    """One request/response exchange as seen on the socket."""

    method: str
    path: str  # the request target (path + query) as received
    headers: list[tuple[str, str]]
    raw_request: bytes
    raw_response: bytes = b""
    status: int = 0
    time: float = 0.0
    version: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None


try:  # optional: only needed for Route(encoding="br")
    import brotli as _brotli  # type: ignore
except Exception:  # pragma: no cover - depends on environment
    _brotli = None


def _encode(body: bytes, encoding: str | None) -> bytes:
    if not encoding:
        return body
    enc = encoding.lower()
    if enc == "gzip":
        return gzip.compress(body, compresslevel=6, mtime=0)
    if enc == "br":
        if _brotli is None:
            raise RuntimeError("Route(encoding='br') needs the 'brotli' module")
        return _brotli.compress(body)
    raise ValueError(f"unsupported encoding {encoding!r}")


def http_date(ts: float | None = None) -> str:
    return email.utils.formatdate(ts if ts is not None else time.time(), usegmt=True)


def _chunk(data: bytes) -> list[bytes]:
    """Split ``data`` into chunked-transfer frames (uneven sizes), terminator last."""
    frames: list[bytes] = []
    pos, i = 0, 0
    while pos < len(data):
        size = _CHUNK_SIZES[i % len(_CHUNK_SIZES)]
        piece = data[pos:pos + size]
        frames.append(b"%x\r\n" % len(piece) + piece + b"\r\n")
        pos += len(piece)
        i += 1
    frames.append(b"0\r\n\r\n")
    return frames


def _etag_matches(header: str, etag: str) -> bool:
    def norm(t: str) -> str:
        t = t.strip()
        return t[2:] if t.startswith("W/") else t

    if header.strip() == "*":
        return True
    return any(norm(t) == norm(etag) for t in header.split(","))


def _not_modified_since(ims: str, last_modified: str) -> bool:
    try:
        a = email.utils.parsedate_to_datetime(ims)
        b = email.utils.parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return False
    if a is None or b is None:
        return False
    return b <= a


_NOT_FOUND_BODY = (
    b"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    b"<title>Page not found | The Millbrook Ledger</title></head>\n<body>"
    b"<h1>Page not found</h1><p>Sorry, we could not find that page.</p>"
    b"<p><a href=\"/\">Back to the front page</a></p></body></html>\n"
)


class _Conn:
    """Buffered reader over a socket that keeps the exact bytes consumed."""

    def __init__(self, sock: socket.socket, stop: threading.Event):
        self.sock = sock
        self.buf = b""
        self.stop = stop

    def _fill(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                r, _, _ = select.select([self.sock], [], [], min(0.2, remaining))
            except (OSError, ValueError):
                return False
            if not r:
                continue
            try:
                data = self.sock.recv(65536)
            except OSError:
                return False
            if not data:
                return False
            self.buf += data
            return True
        return False

    def read_head(self) -> bytes | None:
        """Read up to and including the blank line ending the header block."""
        while True:
            idx = self.buf.find(b"\r\n\r\n")
            if idx >= 0:
                head, self.buf = self.buf[: idx + 4], self.buf[idx + 4:]
                return head
            lf = self.buf.find(b"\n\n")  # tolerate bare-LF clients
            if lf >= 0:
                head, self.buf = self.buf[: lf + 2], self.buf[lf + 2:]
                return head
            if len(self.buf) > MAX_HEADER_BYTES:
                return None
            if not self._fill(KEEPALIVE_IDLE_SECONDS):
                return None

    def read_exact(self, n: int) -> bytes | None:
        while len(self.buf) < n:
            if not self._fill(KEEPALIVE_IDLE_SECONDS):
                return None
        data, self.buf = self.buf[:n], self.buf[n:]
        return data


class _Handler(socketserver.BaseRequestHandler):
    server: "_TCPServer"

    def handle(self) -> None:  # one connection
        site: SiteServer = self.server.site
        sock: socket.socket = self.request
        site._register(sock)
        try:
            conn = _Conn(sock, site._stop)
            while not site._stop.is_set():
                if not self._one_request(site, conn):
                    break
        finally:
            site._unregister(sock)
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # -- one exchange --------------------------------------------------------------
    def _one_request(self, site: "SiteServer", conn: _Conn) -> bool:
        head = conn.read_head()
        if head is None:
            return False
        received = time.time()
        lines = head.split(b"\n")
        request_line = lines[0].rstrip(b"\r").decode("latin-1")
        parts = request_line.split(" ")
        headers: list[tuple[str, str]] = []
        for raw_line in lines[1:]:
            line = raw_line.rstrip(b"\r").decode("latin-1")
            if not line:
                continue
            name, sep, value = line.partition(":")
            if sep:
                headers.append((name, value.strip()))
        entry = RequestLog(method=parts[0] if parts else "", path=parts[1] if len(parts) > 1 else "",
                           headers=headers, raw_request=head, time=received,
                           version=parts[2] if len(parts) > 2 else "HTTP/0.9")
        hmap = {k.lower(): v for k, v in headers}
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            site._append_log(entry)
            self._send_simple(site, entry, 400, keep_alive=False)
            return False

        length = hmap.get("content-length")
        if length:
            try:
                n = int(length)
            except ValueError:
                n = -1
            if n < 0:
                site._append_log(entry)
                self._send_simple(site, entry, 400, keep_alive=False)
                return False
            body = conn.read_exact(n)
            if body is None:
                return False
            entry.raw_request = head + body

        site._append_log(entry)
        method = entry.method.upper()
        target = entry.path
        if target.startswith(("http://", "https://")):  # absolute-form
            rest = target.split("://", 1)[1]
            target = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        conn_hdr = hmap.get("connection", "").lower()
        if entry.version == "HTTP/1.0":
            keep_alive = "keep-alive" in conn_hdr
        else:
            keep_alive = "close" not in conn_hdr

        route = site._resolve(target)
        if route.delay:
            if site._stop.wait(route.delay):
                return False
        if route.raw is not None:
            entry.status = _status_of_raw(route.raw)
            entry.raw_response = route.raw
            self._sendall(route.raw)
            return False

        return self._respond(site, entry, method, hmap, route, keep_alive)

    def _respond(self, site, entry, method, hmap, route: Route, keep_alive: bool) -> bool:
        status = route.status
        extra_names = {k.lower() for k, _ in route.headers}
        hdrs: list[tuple[str, str]] = []

        def add(name: str, value: str) -> None:
            if name.lower() not in extra_names:
                hdrs.append((name, value))

        payload = route.body
        if route.redirect_to is not None and not (300 <= status < 400):
            status = 301

        not_modified = False
        if method in ("GET", "HEAD") and status == 200:
            inm = hmap.get("if-none-match")
            ims = hmap.get("if-modified-since")
            if route.etag and inm is not None:
                not_modified = _etag_matches(inm, route.etag)
            elif route.last_modified and ims is not None:
                not_modified = _not_modified_since(ims, route.last_modified)
        if not_modified:
            status = 304

        add("Date", site.date or http_date())
        add("Server", SERVER_NAME)
        if route.redirect_to is not None:
            add("Location", route.redirect_to)
        wire = b""
        if status != 304 and status not in (204,) and not (100 <= status < 200):
            if route.redirect_to is not None and not payload:
                payload = (f'<!DOCTYPE html>\n<html><head><title>Moved</title></head><body>'
                           f'<p>This page has moved to <a href="{route.redirect_to}">'
                           f'{route.redirect_to}</a>.</p></body></html>\n').encode()
            add("Content-Type", route.content_type)
            if route.encoding:
                add("Content-Encoding", route.encoding)
                add("Vary", "Accept-Encoding")
            wire = _encode(payload, route.encoding)
        if route.etag:
            add("ETag", route.etag)
        if route.last_modified:
            add("Last-Modified", route.last_modified)
        has_body = status != 304 and status != 204 and not (100 <= status < 200)
        if has_body:
            if route.chunked:
                add("Transfer-Encoding", "chunked")
            else:
                add("Content-Length", str(len(wire)))
        hdrs.extend(route.headers)
        for k, v in route.headers:
            if k.lower() == "connection" and "close" in v.lower():
                keep_alive = False
        stalling = route.stall_after is not None and has_body and method != "HEAD"
        if stalling:
            keep_alive = False
        if "connection" not in extra_names:
            hdrs.append(("Connection", "keep-alive" if keep_alive else "close"))

        reason = REASONS.get(status, "Unknown")
        head = f"HTTP/1.1 {status} {reason}\r\n".encode("latin-1")
        head += b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in hdrs) + b"\r\n"
        entry.status = status

        send_body = has_body and method != "HEAD"
        if stalling:
            frames = _chunk(wire) if route.chunked else [wire]
            partial = b"".join(frames)[: route.stall_after]
            out = head + partial
            entry.raw_response = out
            if not self._sendall(out):
                return False
            self._stall(site)
            return False
        if not send_body:
            entry.raw_response = head
            return self._sendall(head) and keep_alive
        if route.chunked:
            frames = _chunk(wire)
            entry.raw_response = head + b"".join(frames)
            if not self._sendall(head):
                return False
            for frame in frames:  # several writes -> several TCP segments
                if not self._sendall(frame):
                    return False
            return keep_alive
        entry.raw_response = head + wire
        return self._sendall(head + wire) and keep_alive

    def _stall(self, site: "SiteServer") -> None:
        sock: socket.socket = self.request
        deadline = time.monotonic() + STALL_MAX_SECONDS
        while not site._stop.is_set() and time.monotonic() < deadline:
            try:
                r, _, _ = select.select([sock], [], [], 0.1)
                if r and not sock.recv(4096):
                    return  # client went away
            except OSError:
                return

    def _send_simple(self, site, entry: RequestLog, status: int, keep_alive: bool) -> None:
        body = f"<html><body><h1>{status} {REASONS.get(status, '')}</h1></body></html>\n".encode()
        head = (f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}\r\nDate: {site.date or http_date()}\r\n"
                f"Server: {SERVER_NAME}\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\n"
                f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n").encode("latin-1")
        entry.status = status
        entry.raw_response = head + body
        self._sendall(head + body)

    def _sendall(self, data: bytes) -> bool:
        try:
            self.request.sendall(data)
            return True
        except OSError:
            return False


def _status_of_raw(raw: bytes) -> int:
    try:
        return int(raw.split(b"\r\n", 1)[0].split(b" ")[1])
    except (IndexError, ValueError):
        return 0


class _TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    site: "SiteServer"


class SiteServer:
    """Threaded HTTP/1.1 server for tests and the demo.  Use as a context manager."""

    def __init__(self, routes: dict[str, Route] | None = None, host: str = "127.0.0.1",
                 port: int = 0, *, ignore_unknown_query: bool = True, date: str | None = None):
        if not (host in ("localhost", "::1") or host.startswith("127.")):
            raise ValueError("the demo server only binds to loopback")
        self.routes: dict[str, Route] = routes if routes is not None else {}
        self.host = "127.0.0.1" if host == "localhost" else host
        self._requested_port = port
        self.ignore_unknown_query = ignore_unknown_query
        #: Fixed Date header value (None -> current time).
        self.date = date
        self.not_found = Route(status=404, body=_NOT_FOUND_BODY)
        self.log: list[RequestLog] = []
        self._log_lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        self._stop = threading.Event()
        self._server: _TCPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> "SiteServer":
        if self._server is not None:
            return self
        self._stop.clear()
        srv = _TCPServer((self.host, self._requested_port), _Handler, bind_and_activate=True)
        srv.site = self
        self._server = srv
        self._thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"SiteServer:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        with self._conns_lock:
            conns = list(self._conns)
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> "SiteServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    # -- log ---------------------------------------------------------------------------
    def _append_log(self, entry: RequestLog) -> None:
        with self._log_lock:
            self.log.append(entry)

    def requests_for(self, path: str) -> list[RequestLog]:
        """All logged exchanges whose request target equals ``path``."""
        with self._log_lock:
            return [e for e in self.log if e.path == path]

    def fetched_paths(self) -> list[str]:
        """Request targets in arrival order (duplicates kept)."""
        with self._log_lock:
            return [e.path for e in self.log]

    def clear_log(self) -> None:
        with self._log_lock:
            self.log.clear()

    # -- connections -------------------------------------------------------------------
    def _register(self, sock: socket.socket) -> None:
        with self._conns_lock:
            self._conns.add(sock)

    def _unregister(self, sock: socket.socket) -> None:
        with self._conns_lock:
            self._conns.discard(sock)

    # -- routing -----------------------------------------------------------------------
    def _lookup(self, target: str) -> tuple[bool, Route | None]:
        """(matched a key?, route).  A dynamic route may match and still return None."""
        routes = self.routes
        route = routes.get(target)
        if route is None:
            best = None
            for key in list(routes):
                if key.endswith("*") and target.startswith(key[:-1]):
                    if best is None or len(key) > len(best):
                        best = key
            if best is not None:
                route = routes.get(best)
        if route is None:
            return False, None
        if route.dynamic is not None:
            return True, route.dynamic(target)
        return True, route

    def _resolve(self, target: str) -> Route:
        matched, route = self._lookup(target)
        if not matched and self.ignore_unknown_query and "?" in target:
            matched, route = self._lookup(target.split("?", 1)[0])
        return route if route is not None else self.not_found


# ----------------------------------------------------------------------------------------
def serve_demo(port: int = 0, host: str = "127.0.0.1") -> SiteServer:
    """Start a server with the demo news site loaded; caller must ``stop()`` it."""
    from .site import build_site

    srv = SiteServer({}, host=host, port=port).start()
    srv.routes.update(build_site(srv.base_url))
    return srv


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.demo.server",
                                     description="Serve the demo news site on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8000, help="port (0 = any free port)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    srv = serve_demo(args.port)
    try:
        print(f"Demo news site at {srv.base_url}/  (Ctrl-C to stop)", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nstopping", flush=True)
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":  # pragma: no cover
    # Re-enter through the package module so Route/SiteServer are the same classes
    # that crawler.demo.site uses.
    from crawler.demo.server import main as _main

    raise SystemExit(_main())
