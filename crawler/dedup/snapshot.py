"""The store is the source of truth for the dedup index; a machine's SQLite file is a cache.

For a remote store (S3) the SQLite dedup index lives in the local state folder
(``<spool root>/state/dedup.sqlite3``) and its published version in the store
(``state/dedup.sqlite3``).  A sidecar file (``dedup.sqlite3.sync.json``) records what
the local file is a copy of::

    {"identity": "<endpoint>|s3://bucket/prefix", "etag": "<ETag of the store's snapshot
     the cache was made from, or null>", "complete": true, "dirty": false}

At the start of a crawl (:meth:`StateSync.prepare`, before the index is opened):

* a cache of another endpoint/bucket/prefix is discarded;
* the store's snapshot ETag is read (one HEAD): the cache is used when it is that
  version; otherwise the snapshot is downloaded and replaces it (entries the cache holds
  that were never published -- ``dirty``, e.g. a run that could not upload -- are merged
  in); with no snapshot in the store the index is rebuilt from the store's CDXJ indexes
  and article records (:mod:`crawler.dedup.rebuild`): an empty store gives an empty index;
* store unreachable: the cache is used as it is (or an empty index), and the crawl goes on.

At the end (:meth:`StateSync.publish`, the index closed) the cache is uploaded with a
conditional write: ``If-Match: <etag>`` (``If-None-Match: *`` when the store had none).
When another writer replaced the snapshot meanwhile (another machine's crawl into the same
prefix), the write fails with 412: the new snapshot is downloaded, this crawl's entries are
merged into it (:func:`crawler.dedup.merge.merge_index_file`), and the write is tried again
against the new ETag.  No writer's entries are lost, and nobody waits on a lease.  While
files of the store are still pending upload the snapshot is not published (it would point
at captures the store does not hold yet); it stays ``dirty`` and ``crawler upload
--pending`` or the next crawl publishes it.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from pathlib import Path
from typing import Any, Iterable

from crawler.dedup.index import DEFAULT_SQLITE_NAME
from crawler.dedup.merge import merge_index_file, remove_index_files, standalone_copy
from crawler.dedup.rebuild import rebuild_index
from crawler.storage import layout

logger = logging.getLogger(__name__)

SNAPSHOT_KEY = f"{layout.STATE_PREFIX}/{DEFAULT_SQLITE_NAME}"
SIDECAR_SUFFIX = ".sync.json"
#: conditional-write attempts (each after merging the snapshot another writer published)
PUBLISH_ATTEMPTS = 8


def syncs_with(store: Any) -> bool:
    """Does this store keep the dedup index snapshot remotely (S3)?"""
    return store.local_path(SNAPSHOT_KEY) is None and hasattr(store, "put_if")


def stored_warc_keys(store: Any) -> list[str] | None:
    """Keys of the WARCs the store holds, including files pending upload from this
    machine; None when the store cannot be listed now (unreachable)."""
    from crawler.storage.s3 import StoreUnavailable

    if getattr(store, "is_offline", lambda: False)():
        return None
    try:
        keys = [k for k in store.list(layout.WARC_PREFIX + "/")
                if k.endswith((".warc.gz", ".warc"))]
    except StoreUnavailable:
        return None
    pending = getattr(store, "pending", None)
    if pending is not None:
        keys += [e["key"] for e in pending() if e["key"].startswith(layout.WARC_PREFIX + "/")]
    return keys


class StateSync:
    def __init__(self, store: Any, state_dir: Path, key: str = SNAPSHOT_KEY,
                 name: str = DEFAULT_SQLITE_NAME):
        self.store = store
        self.key = key
        self.path = Path(state_dir) / name
        self.sidecar = Path(state_dir) / (name + SIDECAR_SUFFIX)
        self.identity = getattr(store, "identity", store.uri)
        self.state: dict[str, Any] = {}

    # -- sidecar -------------------------------------------------------------------------
    def _read_state(self) -> dict[str, Any] | None:
        try:
            state = json.loads(self.sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return state if isinstance(state, dict) else None

    def _write_state(self) -> None:
        tmp = self.sidecar.with_name(self.sidecar.name + ".tmp")
        tmp.write_text(json.dumps(self.state, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.sidecar)

    def _fresh_state(self) -> dict[str, Any]:
        return {"identity": self.identity, "etag": None, "complete": False, "dirty": False}

    def _replace_cache(self, new: Path) -> None:
        remove_index_files(self.path)
        os.replace(new, self.path)

    # -- start of a crawl ----------------------------------------------------------------
    def prepare(self, warc_keys: Iterable[str] | None) -> str:
        """Make the local cache the store's current index (see the module docstring).
        ``warc_keys``: the WARCs the store holds (None: store unreachable).  Returns what
        was done: ``cached``, ``downloaded``, ``rebuilt`` or ``offline``."""
        from crawler.storage.s3 import StoreUnavailable

        state = self._read_state()
        if state is None or state.get("identity") != self.identity:
            if self.path.exists():
                logger.info("dedup cache %s is not a copy of %s: discarded", self.path,
                            self.store.uri)
            remove_index_files(self.path)
            state = self._fresh_state()
        self.state = state
        action = "offline"
        if warc_keys is not None:
            try:
                action = self._refresh(list(warc_keys))
            except StoreUnavailable as exc:
                logger.warning("dedup index: store unreachable (%s); using the local copy", exc)
        if action == "offline" and not self.path.exists():
            self.state = {**self._fresh_state(), "dirty": True}
        self.state["dirty"] = True  # the crawl is about to write into it
        self._write_state()
        logger.info("dedup index for %s: %s", self.store.uri, action)
        return action

    def _refresh(self, warc_keys: list[str]) -> str:
        """Bring the cache up to the store's snapshot; ``warc_keys`` for a rebuild."""
        etag = self.store.head_etag(self.key)
        if etag is not None and etag == self.state.get("etag") and self.path.exists():
            return "cached"
        fresh = self.path.with_name(self.path.name + ".fresh")
        remove_index_files(fresh)
        action = "downloaded"
        if etag is not None:
            etag = self.store.get_file(self.key, fresh)
        if etag is None:  # no snapshot (or it vanished between HEAD and GET)
            rebuild_index(self.store, fresh, warc_keys)
            action = "rebuilt"
        if self.state.get("dirty") and self.path.exists():
            merge_index_file(fresh, self.path)  # entries never published
        self._replace_cache(fresh)
        self.state.update(etag=etag, complete=True)
        self._write_state()
        return action

    # -- end of a crawl ------------------------------------------------------------------
    def publish(self) -> str:
        """Upload the (closed) local index as the store's snapshot, merging what other
        writers published meanwhile.  Returns ``stored``, ``pending`` (store unavailable
        or files still pending upload: kept dirty for later) or ``unchanged``."""
        from crawler.storage.s3 import StateConflict, StoreUnavailable

        self.state = self._read_state() or self.state
        if self.state.get("identity") != self.identity or not self.path.exists():
            return "unchanged"
        if not self.state.get("dirty"):
            return "unchanged"
        pending = getattr(self.store, "pending", None)
        if pending is not None and pending():
            logger.warning("dedup index not published: files are still pending upload "
                           "(crawler upload --pending publishes it)")
            return "pending"
        if getattr(self.store, "is_offline", lambda: False)():
            return "pending"
        upload = self.path.with_name(self.path.name + ".upload")
        try:
            for attempt in range(PUBLISH_ATTEMPTS):
                current = self.store.head_etag(self.key)
                if current != self.state.get("etag") or (current is None
                                                         and not self.state.get("complete")):
                    self._merge_published(current)
                standalone_copy(self.path, upload)
                try:
                    etag = self.store.put_if(upload, self.key, self.state.get("etag"))
                except StateConflict:
                    logger.info("dedup index snapshot changed while publishing; merging again")
                    time.sleep(random.uniform(0.05, 0.3) * (attempt + 1))
                    continue
                self.state.update(etag=etag, complete=True, dirty=False)
                self._write_state()
                return "stored"
            logger.warning("dedup index not published after %d attempts (other writers kept "
                           "replacing it); the next run publishes it", PUBLISH_ATTEMPTS)
            return "pending"
        except StoreUnavailable as exc:
            logger.warning("dedup index not published (%s); the next run or crawler upload "
                           "--pending publishes it", exc)
            return "pending"
        finally:
            remove_index_files(upload)

    def _merge_published(self, etag: str | None) -> None:
        """Merge the store's current snapshot (or, with none, a rebuild) into the cache."""
        from crawler.storage.s3 import StoreUnavailable

        fresh = self.path.with_name(self.path.name + ".fresh")
        remove_index_files(fresh)
        if etag is not None:
            etag = self.store.get_file(self.key, fresh)
        if etag is None:
            keys = stored_warc_keys(self.store)
            if keys is None:
                raise StoreUnavailable(f"{self.store.uri}: store unreachable")
            rebuild_index(self.store, fresh, keys)
        merge_index_file(fresh, self.path)
        self._replace_cache(fresh)
        self.state.update(etag=etag, complete=True)
        self._write_state()
