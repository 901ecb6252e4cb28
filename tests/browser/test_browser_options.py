"""--browser wiring: job files, ``crawler run --browser``, a missing Chromium is one line and exit 2."""

from __future__ import annotations

import json

from crawler.schedule.jobs import load_job
from tests.conftest import run_cli


def test_job_browser_section(tmp_path):
    job = tmp_path / "site.toml"
    job.write_text('seeds = ["https://news.example.com/"]\n[browser]\nenabled = true\npage_timeout = 20\n'
                   'pages_per_browser = 50\n')
    over = load_job(job).to_overrides()
    assert over["CRAWLER_BROWSER"] is True
    assert over["CRAWLER_BROWSER_PAGE_TIMEOUT"] == 20 and over["CRAWLER_BROWSER_PAGES_PER_BROWSER"] == 50
    bad = tmp_path / "bad.toml"
    bad.write_text('seeds = ["https://news.example.com/"]\n[browser]\nenabeld = true\n')
    proc = run_cli("run", str(bad), "--dry-run")
    assert proc.returncode == 2 and "browser.enabeld: unknown key (did you mean 'enabled'?)" in proc.stderr


def test_run_dry_run_with_browser_flag(tmp_path):
    job = tmp_path / "site.toml"
    job.write_text('seeds = ["https://news.example.com/"]\n')
    plain = json.loads(run_cli("run", str(job), "--dry-run").stdout)
    assert "CRAWLER_BROWSER" not in plain["settings"]
    proc = run_cli("run", str(job), "--dry-run", "--browser")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["settings"]["CRAWLER_BROWSER"] is True
    assert "CRAWLER_BROWSER=true" in out["command"]


def test_browser_without_chromium_is_one_line_exit_2(tmp_path):
    proc = run_cli("crawl", "http://127.0.0.1:9/", "--store", str(tmp_path / "s"), "--allow-private", "--browser",
                   "-s", "CRAWLER_BROWSER_EXECUTABLE=/nonexistent/chromium")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Chromium not found at /nonexistent/chromium" in lines[0], proc.stderr
