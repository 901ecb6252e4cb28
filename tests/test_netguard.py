"""SSRF guard: private/loopback targets are refused by default, checked on the
connected address of every hop; --allow-private lifts it."""

from __future__ import annotations

import pytest

from crawler.demo.server import Route, SiteServer
from crawler.discovery.netguard import forbidden_reason, parse_networks
from tests.conftest import CrawlRun, run_cli


@pytest.mark.parametrize("addr,reason", [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.1", "private"),
    ("172.16.5.4", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"), ("0.0.0.0", "unspecified"), ("100.64.0.1", "reserved"),
    ("240.0.0.1", "reserved"), ("::ffff:127.0.0.1", "loopback"), ("8.8.8.8", None),
    ("2606:4700::1111", None), ("example.com", None),
])
def test_forbidden_reason(addr, reason):
    assert forbidden_reason(addr) == reason


def test_allowed_networks():
    nets = parse_networks(["127.0.0.2/32", "10.0.0.0/8"])
    assert forbidden_reason("127.0.0.2", nets) is None
    assert forbidden_reason("10.9.9.9", nets) is None
    assert forbidden_reason("127.0.0.1", nets) == "loopback"


def _crawl(seed, store, *extra):
    proc = run_cli("crawl", seed, "--store", str(store), "-s", "ITEM_PIPELINES={}",
                   "-s", "CRAWLER_GUESS_SITEMAPS=false", "-s", "CRAWLER_FEEDS=false", "-s", "RETRY_TIMES=0",
                   *extra)
    return CrawlRun(proc.returncode, proc.stdout, proc.stderr, store)


def test_redirect_to_loopback_refused_without_flag(tmp_path):
    # The "public" site lives on 127.0.0.2 (allow-listed for the test); it redirects
    # to a server on 127.0.0.1, which must never receive a request.
    with SiteServer({"/secret": Route(body=b"<html>internal</html>")}, host="127.0.0.1") as internal:
        target = f"http://127.0.0.1:{internal.port}/secret"
        routes = {"/robots.txt": Route(status=404, body=b""), "/": Route(status=302, redirect_to=target)}
        with SiteServer(routes, host="127.0.0.2") as public:
            run = _crawl(public.base_url + "/", tmp_path / "a", "-s", 'CRAWLER_ALLOWED_NETWORKS=["127.0.0.2/32"]',
                         "-s", 'CRAWLER_ALLOWED_DOMAINS=["127.0.0.1"]')
            assert [e.path for e in public.log if e.path == "/"] == ["/"]
        assert internal.log == [], "the guard let a request through to 127.0.0.1"
    stats = run.manifest["stats"]
    assert stats.get("netguard/blocked/loopback", 0) >= 1
    assert "refused to connect to loopback address" in run.stderr

    # With --allow-private the same redirect is followed.
    with SiteServer({"/secret": Route(body=b"<html>internal</html>")}) as internal:
        target = f"http://127.0.0.1:{internal.port}/secret"
        routes = {"/robots.txt": Route(status=404, body=b""), "/": Route(status=302, redirect_to=target)}
        with SiteServer(routes, host="127.0.0.2") as public:
            _crawl(public.base_url + "/", tmp_path / "b", "--allow-private",
                   "-s", 'CRAWLER_ALLOWED_DOMAINS=["127.0.0.1"]')
        assert "/secret" in [e.path for e in internal.log]


def test_early_check_blocks_localhost_by_name(tmp_path):
    with SiteServer({"/": Route(body=b"<html>x</html>")}) as srv:
        run = _crawl(f"http://localhost:{srv.port}/", tmp_path)
        assert srv.log == []
    assert run.manifest["stats"].get("netguard/blocked/loopback", 0) >= 1


def test_connected_peer_checked_after_dns(tmp_path):
    # Without the early, name-based check, the resolved address of "localhost" is
    # still refused by the transport-level check before any byte is sent.
    with SiteServer({"/": Route(body=b"<html>x</html>")}) as srv:
        run = _crawl(f"http://localhost:{srv.port}/", tmp_path,
                     "-s", 'DOWNLOADER_MIDDLEWARES={"crawler.discovery.netguard.NetGuardMiddleware": null}')
        assert srv.log == []
    log = next(tmp_path.glob("logs/*.crawl.log")).read_text()
    assert "BlockedAddressError: refused to connect to loopback address" in log
