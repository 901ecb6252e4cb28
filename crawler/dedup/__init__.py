"""Deduplication: the persistent dedup index (exact payloads, URL state, near-duplicate
articles) and near-duplicate signatures.  See :mod:`crawler.dedup.index` and
:mod:`crawler.dedup.near`."""

from crawler.dedup.index import (
    DedupIndex,
    PayloadRef,
    RedisDedupIndex,
    SQLiteDedupIndex,
    UrlState,
    open_dedup_index,
)
from crawler.dedup.near import is_near_duplicate, signature, text_digest

__all__ = [
    "DedupIndex",
    "PayloadRef",
    "RedisDedupIndex",
    "SQLiteDedupIndex",
    "UrlState",
    "is_near_duplicate",
    "open_dedup_index",
    "signature",
    "text_digest",
]
