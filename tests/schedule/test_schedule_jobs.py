"""Job files: validation errors that name the file and key, overrides mapping, lookup by name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.schedule.jobs import JOBS_DIR, JobError, load_job, parse_duration
from crawler.schedule.scheduler import first_due

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str, name: str = "job.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def error_of(path: Path) -> str:
    with pytest.raises(JobError) as info:
        load_job(path)
    return str(info.value)


def test_unknown_key_names_file_key_and_suggestion(tmp_path):
    p = write(tmp_path, 'seeds = ["https://a.example/"]\n[discovery]\ndepht = 2\n', "x.toml")
    msg = error_of(p)
    assert "x.toml: discovery.depht: unknown key (did you mean 'depth'?)" in msg


def test_unknown_top_level_key_and_section(tmp_path):
    msg = error_of(write(tmp_path, 'seed = ["https://a.example/"]\n'))
    assert "job.toml: seed: unknown key (did you mean 'seeds'?)" in msg
    msg = error_of(write(tmp_path, 'seeds = ["https://a.example/"]\n[limit]\nmax_pages = 3\n'))
    assert "limit: unknown key (did you mean 'limits'?)" in msg


def test_bad_cron(tmp_path):
    msg = error_of(write(tmp_path, 'seeds = ["https://a.example/"]\n[schedule]\ncron = "61 * * * *"\n'))
    assert "job.toml: schedule.cron: invalid cron expression '61 * * * *'" in msg


def test_bad_timezone(tmp_path):
    msg = error_of(write(tmp_path, 'seeds = ["https://a.example/"]\n[schedule]\nevery = "1h"\n'
                                   'timezone = "Mars/Olympus"\n'))
    assert "schedule.timezone: unknown time zone 'Mars/Olympus'" in msg


def test_bad_regex(tmp_path):
    msg = error_of(write(tmp_path, 'seeds = ["https://a.example/"]\n[discovery]\ndeny = ["ok", "(unclosed"]\n'))
    assert "discovery.deny: item 1: invalid regular expression '(unclosed'" in msg


def test_missing_seeds(tmp_path):
    msg = error_of(write(tmp_path, 'store = "/tmp/x"\n'))
    assert "job.toml: no seeds" in msg
    msg = error_of(write(tmp_path, 'seeds_file = "nope.txt"\n'))
    assert "seeds_file: no such file" in msg


def test_other_errors(tmp_path):
    msg = error_of(write(tmp_path, 'seeds = ["ftp://a.example/"]\n[schedule]\nevery = "soon"\nmissed = "later"\n'
                                   '[limits]\nmax_pages = "many"\n[settings]\ndownload_delay = 1\n'))
    assert "seeds: item 0: 'ftp://a.example/': unsupported scheme 'ftp'" in msg
    assert "schedule.every: bad duration 'soon'" in msg
    assert "schedule.missed:" in msg and "'skip'" in msg
    assert "limits.max_pages:" in msg
    assert "settings: 'download_delay': setting names are upper case" in msg
    msg = error_of(write(tmp_path, 'seeds = ["https://a.example/"]\n[schedule]\nevery = "1h"\ncron = "0 * * * *"\n'))
    assert "schedule: give either cron or every, not both" in msg
    msg = error_of(write(tmp_path, 'seeds = ["https://a.example/"\n'))
    assert "job.toml: invalid TOML" in msg
    msg = error_of(write(tmp_path, 'seeds = ["https://a.example/"]\nstore = "${NO_SUCH_VAR_XYZ}/a"\n'))
    assert "store: environment variable NO_SUCH_VAR_XYZ is not set" in msg


def test_to_overrides_mapping(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHIVE_ROOT", "/srv/archive")
    seeds = write(tmp_path, "# comment\nhttps://b.example/\n\nhttps://c.example/\n", "seeds.txt")
    p = write(tmp_path, f'''
seeds = ["https://a.example/"]
seeds_file = "{seeds.name}"
store = "${{ARCHIVE_ROOT}}/news"
[discovery]
sitemaps = false
feeds = true
follow_links = false
depth = 2
allow = ["/news/"]
deny = ["/tag/"]
sitemap_since = "2d"
[limits]
max_pages = 100
max_pages_per_host = 50
download_maxsize = 1000000
timeout = 20
[politeness]
concurrency_per_host = 1
delay = 1.5
autothrottle = false
obey_robots = true
contact_url = "https://archive.example.org/about"
[schedule]
cron = "5 * * * *"
timezone = "Europe/Paris"
missed = "skip"
[recrawl]
refetch_younger_than = "3d"
[settings]
WARC_PREFIX = "abc"
DOWNLOAD_DELAY = 2.0
''', "news.toml")
    job = load_job(p)
    assert job.name == "news"
    assert job.seeds_list() == ["https://a.example/", "https://b.example/", "https://c.example/"]
    o = job.to_overrides()
    assert o == {
        "CRAWLER_STORE": "/srv/archive/news",
        "CRAWLER_SITEMAPS": False, "CRAWLER_FEEDS": True, "CRAWLER_FOLLOW_LINKS": False,
        "CRAWLER_MAX_DEPTH": 2, "CRAWLER_ALLOW": ["/news/"], "CRAWLER_DENY": ["/tag/"],
        "CRAWLER_SITEMAP_SINCE": "2d", "CRAWLER_MAX_PAGES": 100, "CRAWLER_MAX_PAGES_PER_HOST": 50,
        "DOWNLOAD_MAXSIZE": 1000000, "DOWNLOAD_TIMEOUT": 20.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY": 2.0,  # [settings] wins
        "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": True,
        "CRAWLER_CONTACT_URL": "https://archive.example.org/about",
        "USER_AGENT": "newsarchiver/0.1.0 (+https://archive.example.org/about)",
        "CRAWLER_RECRAWL_YOUNGER_THAN": "3d", "WARC_PREFIX": "abc",
    }
    # every mapped name is a real setting of crawler.defaults
    from crawler import defaults
    assert {k for k in o if not hasattr(defaults, k)} == set()


def test_minimal_job_only_sets_store(tmp_path):
    job = load_job(write(tmp_path, 'seeds = ["a.example"]\n', "mini.toml"))
    assert job.to_overrides() == {"CRAWLER_STORE": "./archive"}
    assert job.schedule is None


def test_bundled_jobs_load_by_name():
    demo = load_job("demo")
    assert demo.path == JOBS_DIR / "demo.toml"
    assert demo.seeds == ["http://127.0.0.1:8000/"]
    assert demo.schedule and demo.schedule.interval == timedelta(minutes=15)
    ex = load_job("example-news")
    assert ex.schedule and ex.schedule.cron and ex.to_overrides()["CRAWLER_SITEMAP_SINCE"] == "2d"
    with pytest.raises(JobError, match="no such job"):
        load_job("does-not-exist")


def test_durations():
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2)
    for bad in ("", "15", "m", "1x", "1h foo"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_due_times_and_missed_policy(tmp_path):
    now = datetime(2026, 3, 29, 12, 0, 30, tzinfo=timezone.utc)
    every = load_job(write(tmp_path, 'seeds = ["a.example"]\n[schedule]\nevery = "15m"\nmissed = "skip"\n', "e.toml"))
    assert first_due(every, now, None) == (now, False)  # never ran: run at once
    last = now - timedelta(minutes=5)
    assert first_due(every, now, last) == (last + timedelta(minutes=15), False)
    last = now - timedelta(minutes=40)  # missed slots at -25 and -10: skip -> next slot on the rhythm
    assert first_due(every, now, last) == (last + timedelta(minutes=45), True)
    once = load_job(write(tmp_path, 'seeds = ["a.example"]\n[schedule]\nevery = "15m"\n', "o.toml"))
    assert first_due(once, now, last) == (now, True)
    cron = load_job(write(tmp_path, 'seeds = ["a.example"]\n[schedule]\ncron = "0 2 * * *"\n'
                                    'timezone = "Europe/Paris"\n', "c.toml"))
    # 02:00 Paris: 00:00Z in summer time (29 March 2026 is the DST switch day: 01:00Z == 03:00 CEST)
    due, missed = first_due(cron, now, None)
    assert due == datetime(2026, 3, 30, 0, 0, tzinfo=timezone.utc) and not missed


def test_cli_dry_run_and_jobs_listing(tmp_path):
    p = write(tmp_path, 'seeds = ["https://a.example/"]\nstore = "' + str(tmp_path / "st") + '"\n'
                        '[schedule]\nevery = "1h"\n[limits]\nmax_pages = 7\n', "dry.toml")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.run([sys.executable, "-m", "crawler.schedule", "run", str(p), "--dry-run"],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["job"] == "dry" and out["settings"]["CRAWLER_MAX_PAGES"] == 7
    assert "CRAWLER_MAX_PAGES=7" in out["command"]
    assert not (tmp_path / "st").exists()  # a dry run writes nothing
    bad = write(tmp_path, 'seeds = ["https://a.example/"]\n[discovery]\ndepht = 1\n', "bad.toml")
    proc = subprocess.run([sys.executable, "-m", "crawler.schedule", "run", str(bad), "--dry-run"],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2 and "discovery.depht: unknown key (did you mean 'depth'?)" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "crawler.schedule", "jobs", "--jobs-dir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    assert "dry" in proc.stdout and "every 1h" in proc.stdout and "INVALID" in proc.stdout
    assert proc.returncode == 1  # an invalid job file is reported
    for cmd in ("run", "schedule", "jobs"):
        h = subprocess.run([sys.executable, "-m", "crawler.schedule", cmd, "--help"],
                           cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
        assert h.returncode == 0 and "examples:" in h.stdout
