"""Crawl ids given by the operator (``--crawl-id``, ``--run-id``, a job's settings).

A crawl id names folders and keys of the store (``warc/<id>/``, ``manifests/<id>.json``,
``.spool/<id>/``), so it must be one path segment of safe characters, and it must be
new: reusing one would add files to an earlier run's folders and overwrite its manifest.
Generated ids (:func:`crawler.context.new_crawl_id`) always pass both checks.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

MAX_LENGTH = 100
_ID_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
#: names of the spool root that are not crawls: an S3 store's local state cache and pending
#: uploads live next to the crawls' spool folders, "_" is a placeholder
RESERVED = frozenset({"state", "pending", "_"})


class CrawlIdError(ValueError):
    """A crawl id that cannot be used (its message is one line for the user)."""


def check_crawl_id(value: Any, what: str = "crawl id") -> str:
    """``value`` if it is a valid crawl id, else :class:`CrawlIdError`."""
    text = value if isinstance(value, str) else str(value)
    if not text or len(text) > MAX_LENGTH or not _ID_RE.fullmatch(text):
        raise CrawlIdError(
            f"invalid {what} {text!r}: use 1-{MAX_LENGTH} letters, digits, '.', '_' or '-' "
            "(not starting with '.')")
    if text in RESERVED:
        raise CrawlIdError(f"invalid {what} {text!r}: reserved name ({', '.join(sorted(RESERVED))})")
    return text


def _local_spool(store: Any, crawl_id: str) -> Path | None:
    """The spool folder a crawl with this id would use, without creating it."""
    root = getattr(store, "root", None)
    if root is not None:  # LocalStore
        return Path(root) / ".spool" / crawl_id
    spool_root = getattr(store, "spool_root", None)  # S3Store
    return Path(spool_root) / crawl_id if spool_root is not None else None


def crawl_id_in_use(store: Any, crawl_id: str) -> str | None:
    """Where the store already has something of ``crawl_id`` (a key or folder), else None.

    Looks at the run's manifest, crawl log, WARC and index folders and its spool folder
    (a running or crashed run with that id)."""
    from crawler.storage import layout

    from crawler.storage import StoreError

    spool = _local_spool(store, crawl_id)
    if spool is not None and spool.exists():
        return f"{spool} (spool folder of a running or interrupted crawl)"
    try:
        for key in (layout.manifest_key(crawl_id), layout.crawl_log_key(crawl_id)):
            if store.exists(key):
                return key
        for prefix in (layout.WARC_PREFIX, layout.INDEX_PREFIX):
            folder = f"{prefix}/{crawl_id}"
            if next(iter(store.list(folder)), None) is not None:
                return folder + "/"
    except StoreError as exc:  # an unreachable store: the crawl spools and goes on
        logger.warning("could not check that crawl id %s is new in %s: %s", crawl_id, store.uri, exc)
    return None


def check_new_crawl_id(store: Any, crawl_id: str, what: str = "crawl id") -> str:
    """Valid and not yet used in ``store``, else :class:`CrawlIdError`."""
    check_crawl_id(crawl_id, what)
    found = crawl_id_in_use(store, crawl_id)
    if found is not None:
        raise CrawlIdError(f"{what} {crawl_id!r} is already used in {store.uri} ({found}); "
                           "choose a new one or omit it for a generated id")
    return crawl_id


__all__ = ["RESERVED", "CrawlIdError", "check_crawl_id", "check_new_crawl_id", "crawl_id_in_use", "MAX_LENGTH"]
