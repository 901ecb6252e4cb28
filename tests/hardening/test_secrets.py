"""Credentials never leak: a crawl run with a fake secret in settings
(``-s AWS_SECRET_ACCESS_KEY=...``, ``-s HTTP_PROXY=http://user:pass@...``) and through a
real (local) proxy with credentials (``http_proxy`` in the environment, the hostile server
acting as the proxy), at ``-v``: the secrets must appear in no WARC (warcinfo, request
records...), manifest, crawl log, JSON Lines part, stderr or stdout."""

from __future__ import annotations

import base64
import gzip
import os

from tests.conftest import run_cli
from tests.hardening._support import check_good_articles, check_outputs
from tests.hardening.conftest import CrawlSpec

SETTING_SECRET = "SECRETxyzSetting7f3"
PROXY_SETTING_SECRET = "SECRETxyzProxySet51"
ENV_PROXY_SECRET = "SECRETxyzEnvProxy9c"
ENV_PROXY_USER = "proxyuser"


def _env(srv):
    env = {k: "" for k in os.environ if k.lower() in ("no_proxy", "https_proxy", "all_proxy")}
    env["http_proxy"] = f"http://{ENV_PROXY_USER}:{ENV_PROXY_SECRET}@127.0.0.1:{srv.port}"
    return env


CRAWL = CrawlSpec("secrets", groups=(), args=("-v",), env=_env, settings={
    "AWS_SECRET_ACCESS_KEY": SETTING_SECRET,
    "HTTP_PROXY": f"http://user:{PROXY_SETTING_SECRET}@127.0.0.1:{{port}}",
    "HTTPS_PROXY": f"http://user:{PROXY_SETTING_SECRET}@127.0.0.1:{{port}}",
})

NEEDLES = [s.encode() for s in (SETTING_SECRET, PROXY_SETTING_SECRET, ENV_PROXY_SECRET)] + [
    base64.b64encode(f"{ENV_PROXY_USER}:{ENV_PROXY_SECRET}".encode()),
    base64.b64encode(f"user:{PROXY_SETTING_SECRET}".encode()),
]


def _leaks(data: bytes) -> list[str]:
    return [n.decode() for n in NEEDLES if n in data]


def test_crawl_went_through_the_proxy(hostile):
    check_outputs(hostile.run)
    check_good_articles(hostile.run, hostile.base)
    # the proxy saw absolute-form targets: the environment's proxy was really used
    assert any(e.raw_request.split(b" ", 2)[1].startswith(b"http://") for e in hostile.log)


def test_no_secret_in_any_stored_file(hostile):
    leaks = {}
    for path in sorted(hostile.run.store.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            data = gzip.decompress(data)
        found = _leaks(data)
        if found:
            leaks[str(path.relative_to(hostile.run.store))] = found
    assert not leaks, f"secrets stored in {leaks}"


def test_no_secret_in_warc_request_records(hostile):
    """The request record is "the request exactly as sent" -- but a Proxy-Authorization
    header is a credential for the proxy, not part of the exchange with the site."""
    for headers, block in hostile.run.records():
        if headers.get("WARC-Type") in ("request", "warcinfo", "metadata"):
            assert not _leaks(block), (headers.get("WARC-Type"), headers.get("WARC-Target-URI"),
                                       block[:400])


def test_no_secret_on_stderr_or_stdout_even_verbose(hostile):
    for name, text in (("stderr", hostile.run.stderr), ("stdout", hostile.run.stdout)):
        found = _leaks(text.encode())
        assert not found, f"{found} printed on {name}: " + next(
            line for line in text.splitlines() if any(n.decode() in line for n in NEEDLES))


def test_credentials_in_store_uri_refused_without_echo(tmp_path):
    proc = run_cli("crawl", "http://127.0.0.1:9/", "--store", f"s3://AKIAFAKE:{SETTING_SECRET}@bucket/prefix",
                   "--allow-private", timeout=60)
    assert proc.returncode != 0
    assert SETTING_SECRET not in proc.stdout + proc.stderr, proc.stderr[-2000:]
