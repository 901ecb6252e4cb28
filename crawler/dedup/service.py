"""The crawl's deduplication service: one object per crawl over the persistent index.

* **Exact payload dedup** (archive stage): a 2xx response whose payload digest was
  archived before — in this run or an earlier one — is written as a URL-agnostic
  ``revisit`` record (identical-payload-digest profile) instead of a second copy,
  unless the payload is smaller than ``DEDUP_MIN_REVISIT_SIZE``.
* **Incremental recrawls**: per URL the index keeps ETag, Last-Modified, payload
  digest, last status and the time the payload last changed.  An article URL that
  produced an article before is not fetched again unless its payload changed within
  ``CRAWLER_RECRAWL_YOUNGER_THAN`` (default 2 days: news gets corrected and updated
  in its first days); then it is fetched with ``If-None-Match`` / ``If-Modified-Since``
  and a ``304`` is archived as a revisit (server-not-modified profile) — except articles
  captured less than ``CRAWLER_RECRAWL_MIN_AGE`` ago (default 30 min: a run resumed after
  a crash does not re-check what the crashed run finished).  Discovery pages
  (seeds, sections, feeds, sitemaps) are always fetched in full.
* **Near-duplicate articles** (after extraction): MinHash-LSH over the article text
  (see :mod:`crawler.dedup.near`); later copies get ``duplicate_of`` set to the first
  copy's id (``DEDUP_NEAR_DUPLICATES = "mark"``) or are dropped (``"suppress"``).

The index is SQLite in the store's ``state/`` folder by default, Redis with
``DEDUP_BACKEND = "redis://..."`` for distributed crawls.
"""

from __future__ import annotations

import logging
import re
import shutil
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from crawler.context import RunContext, per_crawler
from crawler.dedup import near
from crawler.dedup.index import DEFAULT_SQLITE_NAME, PayloadRef, UrlState, open_dedup_index
from crawler.storage import layout

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.archive.httpmsg import HeadInfo
    from crawler.archive.writer import RecordLocation
    from crawler.record import Article

logger = logging.getLogger(__name__)

_ATTR = "_newsarchiver_dedup"
SNAPSHOT_KEY = f"{layout.STATE_PREFIX}/{DEFAULT_SQLITE_NAME}"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(value: Any) -> timedelta | None:
    """``"2d"``, ``"12h"``, ``"90m"``, seconds as a number; empty/``0``/``None`` -> None."""
    if value in (None, "", 0, "0", False):
        return None
    if isinstance(value, (int, float)):
        return timedelta(seconds=float(value))
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"bad duration {value!r} (expected e.g. 2d, 12h, 90m)")
    return timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)])


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


class Dedup:
    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        ctx = RunContext.of(crawler)
        self.store = ctx.store
        backend = settings.get("DEDUP_BACKEND")
        # A remote store (S3) keeps the SQLite index as a snapshot under state/: restore
        # it when this machine has none, upload it again at the end of the run.
        self.snapshot = None
        if not backend and self.store.local_path(SNAPSHOT_KEY) is None:
            self.snapshot = self.store.state_dir() / DEFAULT_SQLITE_NAME
            if not self.snapshot.exists() and self.store.exists(SNAPSHOT_KEY):
                with self.store.open_read(SNAPSHOT_KEY) as src, open(self.snapshot, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        self.index = open_dedup_index(backend, self.store.state_dir())
        self.min_revisit_size = settings.getint("DEDUP_MIN_REVISIT_SIZE", 256)
        self.recrawl_window = parse_duration(settings.get("CRAWLER_RECRAWL_YOUNGER_THAN"))
        self.min_age = parse_duration(settings.get("CRAWLER_RECRAWL_MIN_AGE"))
        self.near_mode = (settings.get("DEDUP_NEAR_DUPLICATES") or "mark").lower()
        if self.near_mode not in ("mark", "suppress", "off"):
            raise ValueError("DEDUP_NEAR_DUPLICATES must be mark, suppress or off")
        self.now = datetime.now(timezone.utc)

    @classmethod
    def of(cls, crawler: Crawler) -> Dedup:
        return per_crawler(crawler, _ATTR, cls)

    # -- payloads ----------------------------------------------------------------------
    def lookup_payload(self, digest: str) -> PayloadRef | None:
        return self.index.lookup_payload(digest)

    def remember_payload(self, digest: str, url: str, date: str, loc: RecordLocation) -> None:
        self.index.add_payload(digest, PayloadRef(url, date, loc.record_id, loc.filename,
                                                  loc.offset, loc.length))

    def previous_capture(self, url: str) -> PayloadRef | None:
        state = self.index.get_url(url)
        if state is None or not state.payload_digest:
            return None
        return self.index.lookup_payload(state.payload_digest)

    # -- URL state (incremental) --------------------------------------------------------
    def remember_url(self, url: str, status: int, head: HeadInfo, digest: str | None, date: str) -> None:
        state = self.index.get_url(url) or UrlState()
        state.last_status = status
        if 200 <= status < 300:
            etag = head.get(b"etag")
            lastmod = head.get(b"last-modified")
            state.etag = etag.decode("latin-1") if etag else None
            state.last_modified = lastmod.decode("latin-1") if lastmod else None
            if digest and digest != state.payload_digest:
                state.payload_digest = digest
                state.last_fetched = date  # when the payload last changed
        self.index.set_url(url, state)

    def mark_article(self, url: str, article_id: str) -> None:
        state = self.index.get_url(url) or UrlState()
        if state.article_id != article_id:
            state.article_id = article_id
            self.index.set_url(url, state)

    def has_article(self, url: str) -> bool:
        state = self.index.get_url(url)
        return bool(state and state.article_id)

    def fetch_decision(self, url: str) -> tuple[str, UrlState | None]:
        """``fetch`` (never archived as an article), ``conditional`` or ``skip``."""
        state = self.index.get_url(url)
        if state is None or not state.article_id or state.last_status not in (200, 203, 304):
            return "fetch", state
        changed = _parse_iso(state.last_fetched)
        if changed and self.min_age and self.now - changed < self.min_age:
            return "skip", state  # just captured (e.g. by a run that crashed): resume, don't re-check
        if self.recrawl_window and changed and self.now - changed <= self.recrawl_window:
            return "conditional", state
        return "skip", state

    # -- near duplicates ------------------------------------------------------------------
    def near_duplicate_of(self, article: Article, sig: bytes | None = None) -> str | None:
        """Index ``article`` and return the id of an earlier near copy, if any
        (``sig``: its signature when already computed, e.g. by the extraction worker)."""
        if self.near_mode == "off":
            return None
        sig = sig if sig is not None else near.signature(article.text)
        if sig is None:
            return None
        dup = self.index.find_near_duplicate(sig, article.id)
        if dup is None:
            self.index.add_article(sig, article.id, article.url)
        return dup

    def close(self) -> None:
        copy = None
        if self.snapshot is not None and hasattr(self.index, "snapshot"):
            copy = self.index.snapshot(self.snapshot.with_name(self.snapshot.name + ".upload"))
        self.index.close()
        if copy is not None:
            try:
                self.store.put_file(copy, SNAPSHOT_KEY, overwrite=True)  # type: ignore[call-arg]
            except Exception as exc:  # the crawl's files are safe; the next run re-learns
                logger.warning("could not upload the dedup index snapshot: %s", exc)
                copy.unlink(missing_ok=True)
