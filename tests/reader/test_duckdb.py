"""The partitioned JSON Lines files are directly queryable by DuckDB (README query)."""

from __future__ import annotations

from collections import Counter

import duckdb

from crawler.reader import read_articles

README_QUERY = """
SELECT site, date, count(*) AS articles, count(*) FILTER (WHERE duplicate_of IS NULL) AS unique_articles
FROM read_json_auto('{store}/articles/*/*/*.jsonl.gz', hive_partitioning = true)
GROUP BY site, date
ORDER BY site, date
"""


def test_duckdb_groups_by_hive_partitions(two_runs):
    rows = duckdb.sql(README_QUERY.format(store=two_runs.store)).fetchall()
    expected = Counter((r["site"], r["fetched_at"][:10]) for r in read_articles(two_runs.store))
    unique = Counter((r["site"], r["fetched_at"][:10]) for r in read_articles(two_runs.store, unique_only=True))
    assert [(site, str(day), n, u) for site, day, n, u in rows] == [
        (site, day, n, unique[(site, day)]) for (site, day), n in sorted(expected.items())]


def test_duckdb_reads_nested_fields(two_runs):
    rows = duckdb.sql(
        f"SELECT url, warc.filename, warc.\"offset\", len(authors) FROM read_json_auto("
        f"'{two_runs.store}/articles/*/*/*.jsonl.gz', hive_partitioning = true) "
        f"WHERE site = 'gamma.example'").fetchall()
    rec = next(iter(read_articles(two_runs.store, sites=["gamma.example"])))
    assert rows == [(rec["url"], rec["warc"]["filename"], rec["warc"]["offset"], 2)]
