"""Raw-socket HTTP helpers for the demo-site tests (kept stdlib-only on purpose)."""

from __future__ import annotations

import gzip
import socket
from dataclasses import dataclass, field
from html.parser import HTMLParser

from crawler.demo.server import SiteServer


@dataclass
class RawResponse:
    raw: bytes  # every byte read for this response
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes  # de-chunked, still content-encoded
    chunks: list[bytes] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def decoded(self) -> bytes:
        enc = (self.header("Content-Encoding") or "").lower()
        if enc == "gzip":
            return gzip.decompress(self.body)
        if enc == "br":
            import brotli

            return brotli.decompress(self.body)
        return self.body


class SocketReader:
    """Reads HTTP/1.1 responses off a raw socket, keeping the exact bytes."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = b""

    def _more(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed by server")
        self.buf += data

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            self._more()
        i = self.buf.index(b"\r\n") + 2
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_response(self, head_request: bool = False) -> RawResponse:
        raw = b""
        while b"\r\n\r\n" not in self.buf:
            self._more()
        i = self.buf.index(b"\r\n\r\n") + 4
        head, self.buf = self.buf[:i], self.buf[i:]
        raw += head
        lines = head.decode("latin-1").split("\r\n")
        _, status, reason = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            if line:
                k, _, v = line.partition(":")
                headers.append((k, v.strip()))
        resp = RawResponse(raw=b"", status=int(status), reason=reason, headers=headers, body=b"")
        no_body = head_request or resp.status in (204, 304)
        if no_body:
            resp.raw = raw
            return resp
        if (resp.header("Transfer-Encoding") or "").lower() == "chunked":
            body = b""
            while True:
                size_line = self._line()
                raw += size_line
                size = int(size_line.strip(), 16)
                data = self._take(size + 2)
                raw += data
                if size == 0:
                    break
                resp.chunks.append(data[:-2])
                body += data[:-2]
            resp.body = body
        elif resp.header("Content-Length") is not None:
            body = self._take(int(resp.header("Content-Length")))
            raw += body
            resp.body = body
        else:  # read until close
            try:
                while True:
                    self._more()
            except ConnectionError:
                pass
            raw += self.buf
            resp.body, self.buf = self.buf, b""
        resp.raw = raw
        return resp


def connect(srv: SiteServer, timeout: float = 5.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", srv.port), timeout=timeout)


def request_bytes(path: str, method: str = "GET", extra: list[tuple[str, str]] | None = None,
                  host: str = "127.0.0.1") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "User-Agent: demo-tests/1.0",
             "Accept-Encoding: gzip, br"]
    lines += [f"{k}: {v}" for k, v in (extra or [])]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def fetch(srv: SiteServer, path: str, method: str = "GET",
          extra: list[tuple[str, str]] | None = None) -> RawResponse:
    """One request on a fresh raw socket."""
    with connect(srv) as s:
        s.sendall(request_bytes(path, method, extra))
        return SocketReader(s).read_response(head_request=(method == "HEAD"))


class LinkParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, dict[str, str]]] = []  # (tag, attrs)
        self.text_parts: list[str] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._script_attrs: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        d = {k: (v or "") for k, v in attrs}
        self.links.append((tag, d))
        if tag == "script":
            self._script_attrs = d
            self.scripts.append((d, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_attrs = None

    def handle_data(self, data):
        if self._script_attrs is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text_parts.append(data)

    def hrefs(self, tag: str = "a") -> list[str]:
        return [a["href"] for t, a in self.links if t == tag and "href" in a]

    def text(self) -> str:
        return "".join(self.text_parts)

    def jsonld(self) -> list:
        import json

        return [json.loads(t) for a, t in self.scripts if a.get("type") == "application/ld+json"]


def parse_html(body: bytes) -> LinkParser:
    p = LinkParser()
    p.feed(body.decode("utf-8"))
    p.close()
    return p
