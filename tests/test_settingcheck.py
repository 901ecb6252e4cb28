"""Setting checks: every setting the code reads is known (so no typo warning for it), bad
values are errors, unknown names get the nearest known one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.settingcheck import SettingError, check_overrides, check_value, known_settings, suggest

ROOT = Path(__file__).resolve().parent.parent
_READ = re.compile(r"""(?<!environ)(?<!env)\.get(?:bool|int|float|list|dict|withbase)?\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def test_every_setting_the_code_reads_is_known():
    read = set()
    for path in (ROOT / "crawler").rglob("*.py"):
        read |= set(_READ.findall(path.read_text(encoding="utf-8")))
    assert read, "the pattern found nothing"
    assert sorted(read - known_settings()) == []


@pytest.mark.parametrize("name,value", [
    ("DOWNLOAD_DELAY", "abc"), ("DOWNLOAD_DELAY", -1), ("CONCURRENT_REQUESTS", "x"),
    ("CONCURRENT_REQUESTS", 0), ("ROBOTSTXT_OBEY", "maybe"), ("ITEM_PIPELINES", "[1,"),
    ("CRAWLER_MAX_DEPTH", -2), ("CRAWLER_SITEMAP_SINCE", "yesterday"), ("CRAWLER_RECRAWL_MIN_AGE", "soon"),
    ("WARC_DIGEST_ALGORITHM", "md5"), ("WARC_GZIP_LEVEL", 10), ("DEDUP_NEAR_DUPLICATES", "drop"),
])
def test_bad_values(name, value):
    with pytest.raises(SettingError):
        check_value(name, value)


@pytest.mark.parametrize("name,value", [
    ("DOWNLOAD_DELAY", 0.5), ("DOWNLOAD_DELAY", "2"), ("CONCURRENT_REQUESTS", 8), ("ROBOTSTXT_OBEY", "false"),
    ("ITEM_PIPELINES", {}), ("CRAWLER_MAX_DEPTH", -1), ("CRAWLER_SITEMAP_SINCE", "2d"),
    ("CRAWLER_SITEMAP_SINCE", "2026-11-01"), ("CRAWLER_ALLOW", "a,b"), ("CRAWLER_RECRAWL_MIN_AGE", "30m"),
    ("WARC_CHUNKED_PAYLOAD_DIGEST", "entity"), ("DEDUP_BACKEND", "redis://127.0.0.1:6379/0"),
    ("USER_AGENT", "x"), ("JOBDIR", "crawls/x"),
])
def test_good_values(name, value):
    check_value(name, value)


def test_unknown_names_get_the_nearest_known_one():
    assert suggest("DOWNLOAD_DELAU") == "DOWNLOAD_DELAY"
    assert suggest("CRAWLER_MAX_PAGE") == "CRAWLER_MAX_PAGES"
    assert suggest("download_delay") == "DOWNLOAD_DELAY"
    errors, warnings = check_overrides({"DOWNLOAD_DELAU": 1, "TOTALLY_NEW_THING": 1, "DOWNLOAD_DELAY": 1})
    assert errors == []
    assert warnings[0] == "DOWNLOAD_DELAU: unknown setting (did you mean 'DOWNLOAD_DELAY'?)"
    assert warnings[1].startswith("TOTALLY_NEW_THING: unknown setting (not a Scrapy or crawler setting")
