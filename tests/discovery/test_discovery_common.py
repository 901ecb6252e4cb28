import gzip
import zlib
from datetime import datetime, timezone

import pytest

from crawler.discovery._common import (
    decompress_body,
    parse_date,
    root_name,
    sniff_head,
)

UTC = timezone.utc


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2026-01-15T10:00:00Z", datetime(2026, 1, 15, 10, 0, tzinfo=UTC)),
        ("2026-01-15T10:00:00+01:00", datetime(2026, 1, 15, 9, 0, tzinfo=UTC)),
        ("2026-01-15T10:00+0130", datetime(2026, 1, 15, 8, 30, tzinfo=UTC)),
        ("2026-01-15T10:00:00.123456789-05:00", datetime(2026, 1, 15, 15, 0, 0, 123456, tzinfo=UTC)),
        ("2026-01-15", datetime(2026, 1, 15, tzinfo=UTC)),
        ("2026-01", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026", datetime(2026, 1, 1, tzinfo=UTC)),
        ("  2026-01-15 10:00:00 ", datetime(2026, 1, 15, 10, 0, tzinfo=UTC)),
        ("2026-01-15t10:00:00z", datetime(2026, 1, 15, 10, 0, tzinfo=UTC)),
        ("Thu, 15 Jan 2026 10:00:00 GMT", datetime(2026, 1, 15, 10, 0, tzinfo=UTC)),
        ("Thu, 15 Jan 2026 10:00:00 +0200", datetime(2026, 1, 15, 8, 0, tzinfo=UTC)),
        ("15 Jan 2026 10:00 EST", datetime(2026, 1, 15, 15, 0, tzinfo=UTC)),
        ("20260115T100000Z", datetime(2026, 1, 15, 10, 0, tzinfo=UTC)),
    ],
)
def test_parse_date_lenient_and_utc(value, expected):
    got = parse_date(value)
    assert got == expected
    assert got.tzinfo is UTC


@pytest.mark.parametrize("value", [None, "", "   ", "yesterday", "2026-13-45", "2026-02-30T10:00:00Z", "Thu, 99 Foo"])
def test_parse_date_garbage_is_none(value):
    assert parse_date(value) is None


def test_decompress_plain_and_gzip():
    assert decompress_body(b"<a/>") == b"<a/>"
    assert decompress_body(gzip.compress(b"<a/>")) == b"<a/>"
    # double gzip (file .gz + undecoded Content-Encoding)
    assert decompress_body(gzip.compress(gzip.compress(b"<a/>"))) == b"<a/>"
    # multi-member gzip
    assert decompress_body(gzip.compress(b"<a>") + gzip.compress(b"</a>")) == b"<a></a>"
    assert decompress_body(b"") is None


def test_decompress_cap_defeats_bomb():
    # 64 MiB of zeros compresses to ~64 KiB; with a 1 MiB cap we must stop early.
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 200_000
    assert decompress_body(bomb, max_bytes=1024 * 1024) is None
    # exactly at the cap is fine, one byte over is not
    payload = b"x" * 1000
    assert decompress_body(gzip.compress(payload), max_bytes=1000) == payload
    assert decompress_body(gzip.compress(payload), max_bytes=999) is None
    # plain bodies obey the same cap
    assert decompress_body(payload, max_bytes=999) is None


def test_decompress_corrupt_and_truncated():
    good = gzip.compress(b"<urlset>" + b"<url><loc>http://a/</loc></url>" * 1000 + b"</urlset>")
    assert decompress_body(good[:10] + b"garbage" * 10) is None  # corrupt deflate data
    truncated = decompress_body(good[: len(good) // 2])
    assert truncated is not None and truncated.startswith(b"<urlset><url>")


def test_sniff_head_gzip_only_head():
    body = gzip.compress(b"<?xml version='1.0'?><rss>" + b"x" * 100_000)
    head = sniff_head(body, 2048)
    assert len(head) == 2048 and head.startswith(b"<?xml")


def test_sniff_head_utf16():
    body = "\ufeff<?xml version='1.0' encoding='utf-16'?><urlset/>".encode("utf-16-le")
    assert root_name(sniff_head(body)) == "urlset"


@pytest.mark.parametrize(
    "head,name",
    [
        (b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- <feed> --><rss version='2.0'>", "rss"),
        (b"<?xml-stylesheet href='x.xsl'?><!DOCTYPE foo><rdf:RDF xmlns:rdf='x'>", "rdf"),
        (b"  <urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>", "urlset"),
        (b"<!doctype html><html><head>", "html"),
        (b"no tags at all", None),
        (b"<!-- unterminated comment <urlset>", None),
    ],
)
def test_root_name(head, name):
    assert root_name(head) == name
