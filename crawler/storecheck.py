"""Checks the reading commands make before reading: the store exists (else exit 3, "no
store at ..."), and a crawl id given with ``--crawl`` / ``--crawl-id`` names a run of
that store (else exit 2, with the nearest ids).  Without them a typo reads as an empty
archive: nothing printed, exit 0.
"""

from __future__ import annotations

import difflib
import os
from typing import Any

from crawler.clierror import cli_error
from crawler.exitcodes import EXIT_STORE, EXIT_USAGE
from crawler.storage import StoreError, layout, open_store
from crawler.storage.base import LocalStore, Store


class StoreMissing(StoreError):
    """The store given to a reading command does not exist (exit 3)."""


class UnknownCrawl(ValueError):
    """A crawl id that no run of the store has (exit 2)."""


def open_existing_store(uri: str | os.PathLike[str] | Store) -> Store:
    """The store at ``uri``, which must exist: a local folder (not created here), or
    an S3 prefix holding at least one key.  StoreMissing / StoreError otherwise."""
    st = uri if isinstance(uri, Store) else open_store(uri)
    if isinstance(st, LocalStore):
        if not st.root.exists():
            raise StoreMissing(f"no store at {st.root}")
        if not st.root.is_dir():
            raise StoreMissing(f"no store at {st.root} (it is a file, not a folder)")
        return st
    if next(iter(st.list("")), None) is None:
        raise StoreMissing(f"no store at {st.uri} (nothing under that prefix)")
    return st


def known_crawl_ids(st: Store) -> set[str]:
    """Run ids of the store: manifests, WARC folders (runs without a manifest yet) and
    article parts' run ids are not needed (every run writes one of the first two)."""
    ids: set[str] = set()
    for key in st.list(layout.MANIFESTS_PREFIX + "/"):
        name = key.rsplit("/", 1)[-1]
        if name.endswith(".json"):
            ids.add(name[:-len(".json")])
    for prefix in (layout.WARC_PREFIX, layout.INDEX_PREFIX):
        for key in st.list(prefix + "/"):
            parts = key.split("/")
            if len(parts) == 3:
                ids.add(parts[1])
    return ids


def check_crawl_id(st: Store, crawl_id: Any, option: str = "--crawl") -> None:
    """UnknownCrawl when ``crawl_id`` (if given) is no run of ``st``."""
    if crawl_id in (None, ""):
        return
    ids = known_crawl_ids(st)
    if str(crawl_id) in ids:
        return
    close = difflib.get_close_matches(str(crawl_id), sorted(ids), n=3, cutoff=0.6)
    hint = (f" (did you mean {', '.join(close)}?)" if close else
            f" (latest: {max(ids)}; see 'crawler runs')" if ids else " (the store has no runs)")
    raise UnknownCrawl(f"{option} {crawl_id}: unknown crawl id in {st.uri}{hint}")



def bad_store_or_crawl(uri: str | os.PathLike[str] | Store, crawl_id: Any, *,
                       store_option: str | None = None) -> int | None:
    """A command's check before it reads run ``crawl_id`` (if given) of the store at ``uri``:
    None when both are there; else the one line on stderr and the exit code to return
    (2 unknown crawl id, 3 no store or a store error; ``store_option``, e.g. ``--archive``,
    then names the option that gave the store)."""
    try:
        check_crawl_id(open_existing_store(uri), crawl_id)
    except UnknownCrawl as exc:
        return cli_error(exc, EXIT_USAGE)
    except StoreError as exc:
        return cli_error(f"{store_option}: {exc}" if store_option else exc, EXIT_STORE)
    return None

def crawls_between(st: Store, date_from: str | None, date_to: str | None) -> list[str]:
    """Run ids of ``st`` that started on the UTC days ``date_from`` .. ``date_to``
    (``YYYY-MM-DD``, both inclusive, either open), oldest first.  The start comes from the
    run id (``20261126T151500Z-...``), else from the manifest's ``started_at``."""
    import json
    from datetime import date

    def day(value: str | None, option: str) -> str | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            raise ValueError(f"{option} {value!r}: not a date (YYYY-MM-DD)") from None

    lo, hi = day(date_from, "--from"), day(date_to, "--to")
    out: list[tuple[str, str]] = []
    for cid in known_crawl_ids(st):
        started = None
        if len(cid) >= 16 and cid[8] == "T" and cid[:8].isdigit():
            started = f"{cid[0:4]}-{cid[4:6]}-{cid[6:8]}T{cid[9:15]}"
        else:
            try:
                with st.open_read(layout.manifest_key(cid)) as fh:
                    started = str(json.load(fh).get("started_at") or "") or None
            except (OSError, ValueError, StoreError):
                started = None
        if started is None:
            continue
        if (lo is None or started[:10] >= lo) and (hi is None or started[:10] <= hi):
            out.append((started, cid))
    return [cid for _, cid in sorted(out)]


__all__ = ["StoreMissing", "UnknownCrawl", "open_existing_store", "known_crawl_ids", "check_crawl_id",
           "crawls_between"]
