"""Mechanics of the byte-exact demo HTTP server (crawler.demo.server)."""

from __future__ import annotations

import email.utils
import gzip
import http.client
import socket
import threading
import time

import pytest

from crawler.demo.server import SERVER_NAME, Route, SiteServer
from demo_http_helpers import SocketReader, connect, fetch, request_bytes

PAGE = b"<html><body>" + b"<p>Hello from Millbrook.</p>" * 200 + b"</body></html>"


def test_base_url_port_and_loopback_only():
    with SiteServer({"/": Route(body=b"hi")}) as srv:
        assert srv.base_url == f"http://127.0.0.1:{srv.port}"
        assert srv.port > 0
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        c.request("GET", "/")
        assert c.getresponse().read() == b"hi"
    with pytest.raises(ValueError):
        SiteServer({}, host="0.0.0.0")


def test_stop_refuses_new_connections():
    srv = SiteServer({"/": Route(body=b"x")}).start()
    port = srv.port
    srv.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()


def test_plain_response_layout_and_log(server):
    server.routes["/a.html"] = Route(body=PAGE, headers=[("X-Demo", "One"), ("cache-control", "no-store")])
    req = request_bytes("/a.html")
    with connect(server) as s:
        s.sendall(req)
        resp = SocketReader(s).read_response()
    assert resp.status == 200 and resp.body == PAGE
    names = [k for k, _ in resp.headers]
    assert names == ["Date", "Server", "Content-Type", "Content-Length", "X-Demo",
                     "cache-control", "Connection"]
    assert resp.header("Server") == SERVER_NAME
    assert resp.header("Content-Length") == str(len(PAGE))
    assert resp.header("Connection") == "keep-alive"
    assert email.utils.parsedate_to_datetime(resp.header("Date")) is not None
    (entry,) = server.requests_for("/a.html")
    assert entry.method == "GET" and entry.status == 200
    assert entry.raw_request == req
    assert entry.raw_response == resp.raw
    assert ("User-Agent", "demo-tests/1.0") in entry.headers
    assert entry.header("host") == "127.0.0.1"
    assert server.fetched_paths() == ["/a.html"]


def test_keep_alive_two_requests_one_socket(server):
    server.routes["/one"] = Route(body=b"first body")
    server.routes["/two"] = Route(body=b"second", chunked=True)
    with connect(server) as s:
        reader = SocketReader(s)
        s.sendall(request_bytes("/one"))
        r1 = reader.read_response()
        s.sendall(request_bytes("/two"))
        r2 = reader.read_response()
        # and pipelined: two requests in one write
        s.sendall(request_bytes("/one") + request_bytes("/two"))
        r3, r4 = reader.read_response(), reader.read_response()
    assert (r1.body, r2.body, r3.body, r4.body) == (b"first body", b"second", b"first body", b"second")
    assert server.fetched_paths() == ["/one", "/two", "/one", "/two"]
    assert [e.raw_response for e in server.log] == [r1.raw, r2.raw, r3.raw, r4.raw]
    # http.client reuses the same connection too
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    c.request("GET", "/one")
    assert c.getresponse().read() == b"first body"
    sock = c.sock
    c.request("GET", "/two")
    assert c.getresponse().read() == b"second"
    assert c.sock is sock


def test_connection_close_is_honoured(server):
    server.routes["/x"] = Route(body=b"bye")
    with connect(server) as s:
        s.sendall(request_bytes("/x", extra=[("Connection", "close")]))
        reader = SocketReader(s)
        resp = reader.read_response()
        assert resp.header("Connection") == "close"
        assert s.recv(10) == b""  # server closed the connection


def test_gzip_body_decodes(server):
    server.routes["/gz"] = Route(body=PAGE, encoding="gzip")
    resp = fetch(server, "/gz")
    assert resp.header("Content-Encoding") == "gzip"
    assert int(resp.header("Content-Length")) == len(resp.body) < len(PAGE)
    assert gzip.decompress(resp.body) == PAGE
    assert server.log[-1].raw_response == resp.raw


def test_brotli_body_decodes(server):
    import brotli  # a Scrapy dependency, always present in the venv

    server.routes["/br"] = Route(body=PAGE, encoding="br")
    resp = fetch(server, "/br")
    assert resp.header("Content-Encoding") == "br"
    assert brotli.decompress(resp.body) == PAGE


def test_chunked_body_decodes_in_several_chunks(server):
    server.routes["/c"] = Route(body=PAGE, chunked=True)
    resp = fetch(server, "/c")
    assert resp.header("Transfer-Encoding") == "chunked"
    assert resp.header("Content-Length") is None
    assert resp.body == PAGE
    assert len(resp.chunks) >= 4 and len({len(c) for c in resp.chunks}) >= 3
    assert resp.raw.endswith(b"0\r\n\r\n")
    assert server.log[-1].raw_response == resp.raw
    # http.client decodes it as well
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    c.request("GET", "/c")
    assert c.getresponse().read() == PAGE


def test_chunked_and_gzip_together(server):
    server.routes["/cg"] = Route(body=PAGE, chunked=True, encoding="gzip")
    resp = fetch(server, "/cg")
    assert resp.decoded() == PAGE
    assert resp.header("Transfer-Encoding") == "chunked"


def test_raw_response_equals_bytes_received_for_each_kind(server):
    server.routes.update({
        "/p": Route(body=b"plain"),
        "/g": Route(body=PAGE, encoding="gzip"),
        "/c": Route(body=PAGE, chunked=True),
        "/r": Route(redirect_to="/p", status=302),
        "/e": Route(body=b"x", etag='"v1"'),
    })
    paths = ["/p", "/g", "/c", "/r", "/missing", "/e"]
    with connect(server) as s:
        reader = SocketReader(s)
        got = []
        for p in paths:
            s.sendall(request_bytes(p))
            got.append(reader.read_response().raw)
        s.sendall(request_bytes("/e", extra=[("If-None-Match", '"v1"')]))
        got.append(reader.read_response().raw)
        # everything the socket delivered is accounted for
        assert reader.buf == b""
    assert [e.raw_response for e in server.log] == got
    assert [e.status for e in server.log] == [200, 200, 200, 302, 404, 200, 304]


def test_conditional_get(server):
    lm = "Wed, 18 Feb 2026 21:20:00 GMT"
    server.routes["/doc"] = Route(body=b"content", etag='"abc123"', last_modified=lm)
    first = fetch(server, "/doc")
    assert first.status == 200 and first.header("ETag") == '"abc123"'
    assert first.header("Last-Modified") == lm

    r = fetch(server, "/doc", extra=[("If-None-Match", '"abc123"')])
    assert r.status == 304 and r.body == b""
    assert r.header("Content-Length") is None and r.header("Content-Type") is None
    assert r.header("ETag") == '"abc123"'
    assert r.raw.endswith(b"\r\n\r\n")
    assert fetch(server, "/doc", extra=[("If-None-Match", 'W/"abc123", "zzz"')]).status == 304
    assert fetch(server, "/doc", extra=[("If-None-Match", '"other"')]).status == 200
    assert fetch(server, "/doc", extra=[("If-Modified-Since", lm)]).status == 304
    assert fetch(server, "/doc", extra=[("If-Modified-Since", "Thu, 19 Feb 2026 00:00:00 GMT")]).status == 304
    older = fetch(server, "/doc", extra=[("If-Modified-Since", "Tue, 17 Feb 2026 00:00:00 GMT")])
    assert older.status == 200 and older.body == b"content"
    # a 304 keeps the connection usable
    with connect(server) as s:
        reader = SocketReader(s)
        s.sendall(request_bytes("/doc", extra=[("If-None-Match", '"abc123"')]))
        assert reader.read_response().status == 304
        s.sendall(request_bytes("/doc"))
        assert reader.read_response().body == b"content"


def test_redirect_and_404(server):
    server.routes["/old"] = Route(redirect_to="/new")
    server.routes["/temp"] = Route(redirect_to="http://127.0.0.1/elsewhere", status=302)
    server.routes["/new"] = Route(body=b"new home")
    r = fetch(server, "/old")
    assert r.status == 301 and r.header("Location") == "/new"
    assert b"/new" in r.body and int(r.header("Content-Length")) == len(r.body)
    r = fetch(server, "/temp")
    assert r.status == 302 and r.header("Location") == "http://127.0.0.1/elsewhere"
    import urllib.request

    with urllib.request.urlopen(server.url("/old"), timeout=5) as u:
        assert u.read() == b"new home" and u.geturl() == server.url("/new")
    nf = fetch(server, "/nope.html")
    assert nf.status == 404 and b"Page not found" in nf.body
    assert server.requests_for("/nope.html")[0].status == 404


def test_head_has_headers_but_no_body(server):
    server.routes["/h"] = Route(body=PAGE)
    with connect(server) as s:
        reader = SocketReader(s)
        s.sendall(request_bytes("/h", method="HEAD"))
        head = reader.read_response(head_request=True)
        s.sendall(request_bytes("/h"))
        get = reader.read_response()
    assert head.status == 200 and head.body == b""
    assert head.header("Content-Length") == str(len(PAGE)) == get.header("Content-Length")
    assert get.body == PAGE
    assert server.log[0].method == "HEAD" and server.log[0].raw_response == head.raw


def test_post_body_is_part_of_raw_request(server):
    server.routes["/form"] = Route(body=b"thanks")
    body = b"comment=hello&author=me"
    req = (b"POST /form HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded"
           b"\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
    with connect(server) as s:
        s.sendall(req)
        assert SocketReader(s).read_response().body == b"thanks"
    assert server.log[0].raw_request == req and server.log[0].method == "POST"


def test_delay(server):
    server.routes["/slow"] = Route(body=b"ok", delay=0.3)
    t0 = time.monotonic()
    assert fetch(server, "/slow").body == b"ok"
    assert time.monotonic() - t0 >= 0.3


def test_stall_after_really_stalls(server):
    server.routes["/stall"] = Route(body=b"A" * 5000, stall_after=100)
    s = connect(server, timeout=0.6)
    try:
        s.sendall(request_bytes("/stall"))
        got = b""
        t0 = time.monotonic()
        with pytest.raises(socket.timeout):
            while True:
                data = s.recv(65536)
                assert data, "server must not close the stalled connection"
                got += data
        assert time.monotonic() - t0 >= 0.5
    finally:
        s.close()
    head, _, body = got.partition(b"\r\n\r\n")
    assert b"Content-Length: 5000" in head
    assert body == b"A" * 100
    (entry,) = server.requests_for("/stall")
    assert entry.raw_response == got
    # the server notices the disconnect and keeps serving others
    server.routes["/fine"] = Route(body=b"fine")
    assert fetch(server, "/fine").body == b"fine"


def test_stalled_connection_released_on_stop():
    srv = SiteServer({"/stall": Route(body=b"B" * 100, stall_after=10)}).start()
    s = connect(srv, timeout=5)
    s.sendall(request_bytes("/stall"))
    time.sleep(0.2)
    t0 = time.monotonic()
    srv.stop()
    assert time.monotonic() - t0 < 3
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    assert data.endswith(b"\r\n\r\n" + b"B" * 10)


def test_raw_route_sends_exact_bytes(server):
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 999\r\nX-Broken: yes\r\n\r\ntruncated"
    server.routes["/raw"] = Route(raw=raw)
    with connect(server) as s:
        s.sendall(request_bytes("/raw"))
        got = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    assert got == raw
    assert server.log[0].raw_response == raw and server.log[0].status == 200


def test_routes_can_change_while_running(server):
    server.routes["/page"] = Route(body=b"version 1")
    assert fetch(server, "/page").body == b"version 1"
    server.routes["/page"] = Route(body=b"version 2 is longer")
    r = fetch(server, "/page")
    assert r.body == b"version 2 is longer"
    assert r.header("Content-Length") == str(len(b"version 2 is longer"))
    del server.routes["/page"]
    assert fetch(server, "/page").status == 404


def test_dynamic_prefix_route_and_query_fallback(server):
    seen = []

    def handler(target):
        seen.append(target)
        return None if target.endswith("/none") else Route(body=target.encode())

    server.routes["/dyn/*"] = Route(dynamic=handler)
    server.routes["/dyn/fixed"] = Route(body=b"exact wins")
    server.routes["/article.html"] = Route(body=b"article")
    assert fetch(server, "/dyn/x?y=1").body == b"/dyn/x?y=1"
    assert fetch(server, "/dyn/fixed").body == b"exact wins"
    assert fetch(server, "/dyn/none").status == 404
    assert fetch(server, "/article.html?utm_source=x").body == b"article"
    server.ignore_unknown_query = False
    assert fetch(server, "/article.html?utm_source=x").status == 404
    assert "/dyn/x?y=1" in seen


def test_fixed_date_and_header_override():
    with SiteServer({"/": Route(body=b"x", headers=[("Server", "custom/2")])},
                    date="Sun, 01 Mar 2026 12:00:00 GMT") as srv:
        r = fetch(srv, "/")
    assert r.header("Date") == "Sun, 01 Mar 2026 12:00:00 GMT"
    assert [v for k, v in r.headers if k.lower() == "server"] == ["custom/2"]


def test_malformed_request_gets_400(server):
    with connect(server) as s:
        s.sendall(b"NONSENSE\r\n\r\n")
        r = SocketReader(s).read_response()
    assert r.status == 400 and server.log[0].status == 400


def test_concurrent_clients(server):
    server.routes["/slowish"] = Route(body=b"z" * 10000, delay=0.2)
    results = []

    def worker():
        results.append(fetch(server, "/slowish").body)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [b"z" * 10000] * 8
    logs = server.requests_for("/slowish")
    assert len(logs) == 8
    # served in parallel: some request was received before another one's response was sent
    assert min(e.time for e in logs) + 0.2 > sorted(e.time for e in logs)[1]
