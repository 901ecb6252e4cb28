"""The store's key layout, shared by every backend (local folder and S3).

::

    warc/<crawl_id>/<prefix>-<ts>-<serial>-<host>-<pid>.warc.gz   WARC files
    indexes/<crawl_id>/<warc name>.cdxj                            CDXJ per WARC
    articles/date=YYYY-MM-DD/site=HOST/part-<crawl_id>-<n>.jsonl.gz cleaned JSON
    logs/<crawl_id>.crawl.log                                      per-fetch log
    manifests/<crawl_id>.json                                      run manifest
    state/                                                         dedup index, run history

``date`` is the UTC fetch date; ``site`` the host without ``www.``.  Keys never
repeat: every file name carries the crawl id (and WARC names a timestamp, serial,
host and pid), so two runs or two workers never overwrite each other.
"""

from __future__ import annotations

WARC_PREFIX = "warc"
INDEX_PREFIX = "indexes"
ARTICLES_PREFIX = "articles"
LOGS_PREFIX = "logs"
MANIFESTS_PREFIX = "manifests"
STATE_PREFIX = "state"


def warc_key(crawl_id: str, filename: str) -> str:
    return f"{WARC_PREFIX}/{crawl_id}/{filename}"


def index_key(crawl_id: str, warc_filename: str) -> str:
    return f"{INDEX_PREFIX}/{crawl_id}/{warc_filename}.cdxj"


def article_key(date: str, site: str, crawl_id: str, part: int) -> str:
    return f"{ARTICLES_PREFIX}/date={date}/site={site}/part-{crawl_id}-{part:05d}.jsonl.gz"


def crawl_log_key(crawl_id: str) -> str:
    return f"{LOGS_PREFIX}/{crawl_id}.crawl.log"


def manifest_key(crawl_id: str) -> str:
    return f"{MANIFESTS_PREFIX}/{crawl_id}.json"
