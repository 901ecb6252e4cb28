"""A replayed article renders in a real browser: headless Chromium loads the pywb
replay (rewritten page, scripts on) from a ReplayServer on 127.0.0.1 and the
article's paragraphs are in the rendered DOM.

Needs the Debian package ``chromium`` (CI installs it); without it the test fails.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import lxml.html
import pytest

from crawler.demo.site import demo_expectations
from crawler.replay.pywb import ReplayServer
from crawler.storage import open_store
from tests.replay.test_reprocess import article_lines, shared_demo_crawl

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium_binary() -> str:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("headless Chromium is required for this test but none of "
                f"{', '.join(CHROMIUM_NAMES)} is on PATH: install the Debian package "
                "'chromium' (apt-get install -y chromium)", pytrace=False)


def dump_dom(url: str, profile_dir: str, timeout: float = 60) -> str:
    cmd = [
        chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage",
        "--no-proxy-server", f"--user-data-dir={profile_dir}",
        # only the replay server on 127.0.0.1 can be reached
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--virtual-time-budget=5000", "--dump-dom", url,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0 and proc.stdout.strip(), \
        f"chromium failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    return proc.stdout


class UnframedReplayServer(ReplayServer):
    """The project's pywb setup with ``framed_replay: false``: in framed mode the page
    is inside an iframe (and an ``mp_`` page loaded on its own redirects to the frame
    wrapper), while ``--dump-dom`` only prints the top document.  Unframed, the
    rewritten page itself is the top document, with pywb's banner and wombat.js
    running in it."""

    def prepare(self):
        work = super().prepare()
        config = work / "config.yaml"
        text = config.read_text(encoding="utf-8")
        assert "framed_replay: true" in text
        config.write_text(text.replace("framed_replay: true", "framed_replay: false"), encoding="utf-8")
        return work


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_replayed_article_renders_in_chromium(tmp_path_factory, tmp_path):
    chromium_binary()  # fail fast, before starting pywb
    demo = shared_demo_crawl(tmp_path_factory)
    store = open_store(demo["store"])
    exp = demo_expectations()["articles"][0]
    url = demo["base"] + exp["path"]
    records = {r["url"]: r for r in map(json.loads, article_lines(demo["store"], demo["crawl_id"]))}
    assert url in records, f"{url} was not archived as an article"
    ts = re.sub(r"\D", "", records[url]["fetched_at"])[:14]
    with UnframedReplayServer(store, demo["crawl_id"]) as rs:
        assert rs.host == "127.0.0.1"
        dom = dump_dom(rs.url_for(url, timestamp=ts), str(tmp_path / "profile"))
    assert "wbinfo" in dom, "not a pywb replay page"
    root = lxml.html.document_fromstring(dom)
    for el in root.xpath("//script | //style | //noscript | //template"):
        el.drop_tree()  # only what is rendered as text
    text = _norm(root.text_content())
    for para in exp["key_paragraphs"][:2]:
        assert _norm(para) in text, f"paragraph not rendered: {para[:80]!r}\nDOM text: {text[:1500]}"
    assert exp["title"] in text
