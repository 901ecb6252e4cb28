"""pywb (from the tools venv) replays a crawl: bound to 127.0.0.1 only, every
captured HTML page served byte-identical in ``id_`` mode, pages rewritten into the
archive otherwise; capture listing; the tools venv itself."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from crawler.archive.cdxj import rebuild_indexes
from crawler.replay.pywb import ReplayError, ReplayServer, free_port, list_captures
from crawler.storage import open_store
from crawler.tools import ensure_tools_venv, tool_path, tools_venv_dir
from tests.conftest import assert_verified
from tests.replay.helpers import crawl_demo, warc_records


def fetch(url: str, accept_encoding: str | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"Accept-Encoding": accept_encoding} if accept_encoding else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    store_dir = tmp_path_factory.mktemp("replay") / "store"
    base = crawl_demo(store_dir)
    store = open_store(store_dir)
    assert rebuild_indexes(store)
    recs = [r for w in sorted(store_dir.glob("warc/*/*.warc.gz")) for r in warc_records(w)]
    return store_dir, store, base, recs


@pytest.fixture(scope="module")
def server(archive):
    _, store, _, _ = archive
    with ReplayServer(store) as rs:
        yield rs
    assert not rs.running()


def _html_pages(recs):
    return [r for r in recs if r.type == "response" and r.status == 200 and r.is_html]


def _listening(pid: int) -> list[tuple[str, str]]:
    """(proto, local address hex) of the LISTEN sockets of a process (Linux)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    found = []
    for proto in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/net/{proto}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and parts[9] in inodes:
                found.append((proto, parts[1]))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pywb_listens_on_loopback_only(server):
    socks = _listening(server.pid)
    assert socks, "no listening socket found for pywb"
    ports = set()
    for proto, local in socks:
        addr, port = local.rsplit(":", 1)
        ports.add(int(port, 16))
        if proto == "tcp":
            assert addr.endswith("7F"), f"pywb listens on a non-loopback address: {local}"
        else:
            assert addr == "00000000000000000000000001000000", f"pywb listens on {local}"
    assert server.port in ports
    assert server.base_url == f"http://127.0.0.1:{server.port}"


def test_id_mode_serves_captured_payloads_byte_identical(server, archive):
    _, _, base, recs = archive
    pages = _html_pages(recs)
    assert len(pages) >= 20
    kinds = {"gzip": 0, "chunked": 0, "gzip+chunked": 0, "plain": 0}
    for rec in pages:
        url = server.url_for(rec.url, rec.ts, "id_")
        if rec.gzipped:
            # pywb hands the stored gzip body over as is to a client accepting gzip...
            status, headers, body = fetch(url, accept_encoding="gzip")
            assert status == 200, url
            assert headers.get("content-encoding") == "gzip", url
            assert body == rec.entity, url
            # ...and decodes it for one that does not.
            status, headers, body = fetch(url)
            assert status == 200 and "content-encoding" not in headers, url
            assert body == gzip.decompress(rec.entity), url
        else:
            status, headers, body = fetch(url, accept_encoding="gzip")
            assert status == 200, url
            assert body == rec.entity, url  # chunked: the de-chunked entity
        assert headers.get("memento-datetime"), url
        kind = ("gzip+chunked" if rec.chunked else "gzip") if rec.gzipped else (
            "chunked" if rec.chunked else "plain")
        kinds[kind] += 1
    assert all(kinds.values()), kinds


def _resolve(page_url: str, href: str) -> str:
    """Resolve a link as a browser does (urljoin would squash the ``//`` of the
    archived URL embedded in the replay path)."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", href):
        return href
    origin = re.match(r"^[a-z]+://[^/]+", page_url).group(0)
    if href.startswith("//"):
        return page_url.split(":", 1)[0] + ":" + href
    if href.startswith("/"):
        return origin + href
    path = page_url.split("?", 1)[0].split("#", 1)[0]
    return path.rsplit("/", 1)[0] + "/" + href


def test_replayed_page_links_are_rewritten_into_the_archive(server, archive):
    _, _, base, recs = archive
    home = next(r for r in _html_pages(recs) if r.url == base + "/")
    page_url = server.url_for(home.url, home.ts, "mp_")
    status, headers, body = fetch(page_url)
    assert status == 200
    html = body.decode("utf-8")
    assert "wbinfo" in html  # pywb's insert
    hrefs = re.findall(r'<a\b[^>]*\bhref="([^"]*)"', html)
    assert len(hrefs) >= 10
    prefix = f"{server.base_url}/{server.collection}/{home.ts}mp_/"
    page_links = [h for h in hrefs if not h.startswith(("#", "mailto:", "javascript:"))]
    # Root-relative and absolute links are rewritten; links relative to the page
    # are left alone by pywb and resolve inside the archive all the same.
    resolved = [_resolve(page_url, h) for h in page_links]
    for href, url in zip(page_links, resolved):
        assert url.startswith(prefix + base + "/"), f"link leaves the archive: {href} -> {url}"
    rewritten = [h for h in page_links if h.startswith((f"/{server.collection}/", server.base_url))]
    assert rewritten, "no link was rewritten"
    assert not [h for h in page_links if h.startswith(base)], "original absolute links left in page"
    page_links = resolved
    assert any(base + "/news/" in h for h in page_links)
    # following a rewritten link replays the archived article
    article = next(h for h in page_links if "/news/" in h and h.endswith(".html"))
    status, _, body = fetch(article)
    assert status == 200 and b"<title>" in body
    # framed mode wraps the page in pywb's frame
    status, _, body = fetch(server.url_for(home.url, home.ts))
    assert status == 200 and b'id="replay_iframe"' in body and home.url.encode() in body


def test_unknown_url_is_404(server, archive):
    status, _, _ = fetch(server.url_for("http://127.0.0.1:9/never-crawled.html", mode="id_"))
    assert status == 404


def test_list_captures_links_replay(server, archive):
    _, store, base, recs = archive
    caps = list_captures(store)
    assert {c["url"] for c in caps} == {r.url for r in _html_pages(recs)}
    assert all(c["source"] == "cdxj" and len(c["timestamp"]) == 14 for c in caps)
    for cap in caps[:5] + [c for c in caps if c["url"].endswith("gz-chunked.html")]:
        status, _, body = fetch(f"{server.base_url}/{cap['replay_path']}".replace(
            f"/{cap['timestamp']}/", f"/{cap['timestamp']}mp_/"))
        assert status == 200, cap


def test_run_replay_list(archive):
    store_dir, _, base, _ = archive
    proc = subprocess.run([sys.executable, "-c",
                           "import sys; from crawler.replay.pywb import run_replay; "
                           "sys.exit(run_replay(sys.argv[1], 8123, list_only=True))", str(store_dir)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert f"http://127.0.0.1:8123/archive/" in proc.stdout
    assert base + "/extra/gz-chunked.html" in proc.stdout


def test_replay_without_stored_indexes_and_fixed_port(archive, tmp_path):
    """Crawls made before indexing was wired: indexes are built in the work folder
    (the store is not written to)."""
    store_dir, _, base, recs = archive
    copy = tmp_path / "store"
    shutil.copytree(store_dir, copy, ignore=shutil.ignore_patterns("indexes"))
    for manifest in (copy / "manifests").glob("*.json"):  # such a crawl's manifest lists no index
        m = json.loads(manifest.read_text())
        manifest.write_text(json.dumps({**m, "files": [f for f in m["files"] if f["kind"] != "cdxj"]}))
    assert_verified(copy)
    port = free_port()
    work = tmp_path / "work"
    with ReplayServer(open_store(copy), port=port, workdir=work) as rs:
        assert rs.port == port
        assert (work / "config.yaml").is_file() and (work / "warc-paths.txt").is_file()
        # the WARCs are referenced in place, not copied
        for line in (work / "warc-paths.txt").read_text().splitlines():
            name, loc = line.split("\t")
            assert Path(loc).parent.parent.parent == copy.resolve()
        page = next(r for r in _html_pages(recs) if r.url.endswith("/extra/chunked.html"))
        status, _, body = fetch(rs.url_for(page.url, page.ts, "id_"))
        assert status == 200 and body == page.entity
    assert not (copy / "indexes").exists()
    # a second server on a port that is taken fails clearly
    with pytest.raises(ReplayError):
        with socket_bound(port):
            ReplayServer(open_store(copy), port=port, startup_timeout=30).start()


class socket_bound:
    def __init__(self, port):
        import socket

        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()


def test_replay_error_for_empty_store(tmp_path):
    with pytest.raises(ReplayError, match="no WARC"):
        ReplayServer(open_store(tmp_path / "empty")).start()


def test_tools_venv(monkeypatch, tmp_path):
    venv = ensure_tools_venv()  # created by the fixtures already: a no-op here
    assert venv == tools_venv_dir()
    for name in ("wayback", "wb-manager", "wacz", "python"):
        assert tool_path(name).exists(), name
    out = subprocess.run([str(tool_path("python")), "-c",
                          "import importlib.metadata as m; print(m.version('pywb'), m.version('wacz'))"],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["2.10.0", "0.6.0"]
    # pywb's pins never leak into the crawler's environment
    import importlib.util

    assert importlib.util.find_spec("pywb") is None
    monkeypatch.setenv("NEWSARCHIVER_TOOLS_VENV", str(tmp_path / "tv"))
    assert tools_venv_dir() == (tmp_path / "tv").resolve()
    assert tool_path("wayback").parent.parent == (tmp_path / "tv").resolve()
