"""Per-run context shared by the components of one crawl.

A crawl has an id, a store, a local spool folder and a list of the files it has
handed to the store (the manifest).  Components reach the context through
``RunContext.of(crawler)``: it lives on the crawler object, not in a global.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.storage import StoredObject, layout, open_store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_ATTR = "_newsarchiver_context"

#: Settings recorded in the manifest and warcinfo (never credentials).
RECORDED_SETTINGS = (
    "USER_AGENT", "ROBOTSTXT_OBEY", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED", "DOWNLOAD_MAXSIZE", "DOWNLOAD_TIMEOUT",
    "CRAWLER_MAX_DEPTH", "CRAWLER_MAX_PAGES", "CRAWLER_ALLOW_PRIVATE", "WARC_MAX_SIZE",
    "WARC_DIGEST_ALGORITHM", "WARC_CHUNKED_PAYLOAD_DIGEST", "CRAWLER_SITEMAP_SINCE",
)


def new_crawl_id(now: datetime | None = None) -> str:
    """Sortable, unique: ``20261126T151500Z-3fa9c1``."""
    now = now or datetime.now(timezone.utc)
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


OWNER_FILE = ".owner"
#: the spool's list of the files its run has handed to the store (one JSON entry a line,
#: as the manifest lists them): a run that dies before its manifest still names them, and
#: crash recovery lists them in the ``recovered`` manifest with what it repairs
STORED_FILE = "stored.jsonl"
_stored_lock = threading.Lock()


def note_stored(spool: Path, entry: dict[str, Any]) -> None:
    """Append ``entry`` (a manifest file entry) to ``spool``'s :data:`STORED_FILE`."""
    line = json.dumps(entry, sort_keys=True) + "\n"
    with _stored_lock, open(spool / STORED_FILE, "a", encoding="utf-8") as fh:
        fh.write(line)


def per_crawler(crawler: Any, attr: str, factory: Any) -> Any:
    """The crawl's single instance of a component, kept on the crawler object (no globals)."""
    obj = getattr(crawler, attr, None)
    if obj is None:
        obj = factory(crawler)
        setattr(crawler, attr, obj)
    return obj


def claim_spool(folder: Path) -> Any:
    """Hold an exclusive ``flock`` on ``folder/.owner`` for the life of this process.

    Crash recovery treats a spool folder as abandoned only when it can take this lock:
    the kernel releases it when the writer dies (even on SIGKILL), and unlike a pid it
    cannot be confused with another process that reused the number."""
    import fcntl

    fh = open(folder / OWNER_FILE, "a+")
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    fh.seek(0)
    fh.truncate()
    fh.write(f"{os.getpid()} {socket.gethostname()}\n")
    fh.flush()
    return fh


def spool_in_use(folder: Path) -> bool:
    """True while a live process holds the folder's owner lock."""
    import fcntl

    path = folder / OWNER_FILE
    if not path.exists():
        return False
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return False


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RunContext:
    #: keep the spool's :data:`STORED_FILE` (a distributed worker's files are in Redis instead)
    keeps_stored_list = True

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.crawler = crawler
        from crawler.crawlid import check_crawl_id

        # (names folders and keys: checked here too for `scrapy crawl -s CRAWLER_CRAWL_ID=...`)
        self.crawl_id: str = check_crawl_id(settings.get("CRAWLER_CRAWL_ID") or new_crawl_id())
        self.store = open_store(settings.get("CRAWLER_STORE") or "./archive")
        self.store.check_writable()
        self.spool: Path = self.store.spool_dir(self.crawl_id)
        self._owner = claim_spool(self.spool)
        #: article records recovered from abandoned runs' spools (see recover_spool)
        self.recovered_articles: list[dict[str, Any]] = []
        if settings.getbool("CRAWLER_RECOVER_SPOOL", True):
            from crawler.archive.recovery import recover_spool

            self.recovered = recover_spool(self.store, self.spool.parent, current=self.crawl_id,
                                           articles=self.recovered_articles)
        self.started_at = utc_now_iso()
        self.started_monotonic = time.monotonic()
        self.files: list[dict[str, Any]] = []
        self.seeds: list[str] = []
        #: set when the run failed although Scrapy finished it (crawler.outcome): manifest keys
        self.failure: dict[str, Any] | None = None
        #: what became of the dedup index snapshot of a remote store (``stored``,
        #: ``pending``...; see crawler.dedup.snapshot), None when there is none
        self.dedup_state: str | None = None
        self.recorded_settings = {
            k: settings.get(k) for k in RECORDED_SETTINGS if settings.get(k) is not None
        }
        #: the archive an offline run (``crawler recrawl-offline``) answers its requests from:
        #: its records' ``warc`` pointers lead into that store's WARCs, so the manifest names it
        #: (``crawler verify`` resolves the pointers there)
        self.source: dict[str, Any] | None = None
        archive = settings.get("CRAWLER_ARCHIVE_STORE")
        if archive:
            self.source = {"store": open_store(archive).uri, "crawl_id": settings.get("CRAWLER_ARCHIVE_CRAWL"),
                           "at": settings.get("CRAWLER_ARCHIVE_TIMESTAMP")}

    @classmethod
    def of(cls, crawler: Crawler) -> RunContext:
        return per_crawler(crawler, _ATTR, cls)

    def store_file(self, local_path: Path, key: str, kind: str, **extra: Any) -> StoredObject:
        obj = self.store.put_file(local_path, key)
        entry = {"kind": kind, **obj.to_dict(), **extra}
        self.files.append(entry)
        if self.keeps_stored_list:
            note_stored(self.spool, entry)
        logger.debug("stored %s (%d bytes)", key, obj.size)
        return obj

    def write_manifest(self, stats: dict[str, Any], status: str) -> StoredObject:
        manifest = {
            "crawl_id": self.crawl_id,
            "status": status,
            "started_at": self.started_at,
            "finished_at": utc_now_iso(),
            "elapsed_seconds": round(time.monotonic() - self.started_monotonic, 3),
            "store": self.store.uri,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "seeds": self.seeds,
            "settings": self.recorded_settings,
            "stats": _jsonable(stats),
            "files": self.files,
            # files kept in the local spool because the store was unavailable (the
            # manifest itself may be one more: see crawler upload --pending)
            "pending_upload": sum(1 for f in self.files if f.get("pending")),
            **(getattr(self, "failure", None) or {}),
        }
        if getattr(self, "dedup_state", None):
            manifest["dedup_state"] = self.dedup_state
        if getattr(self, "source", None):
            manifest["source"] = self.source
        data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
        obj = self.store.put_bytes(layout.manifest_key(self.crawl_id), data)
        self.release_spool()
        return obj

    def release_spool(self) -> None:
        (self.spool / STORED_FILE).unlink(missing_ok=True)  # the manifest lists them now
        (self.spool / OWNER_FILE).unlink(missing_ok=True)
        self._owner.close()
        try:
            self.spool.rmdir()
        except OSError:
            pass


def _jsonable(stats: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in sorted(stats.items()):
        if isinstance(v, datetime):
            v = v.astimezone(timezone.utc).isoformat()
        elif not isinstance(v, (int, float, str, bool, type(None))):
            v = str(v)
        out[k] = v
    return out
