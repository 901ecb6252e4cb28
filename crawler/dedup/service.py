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
``DEDUP_BACKEND = "redis://..."`` for distributed crawls.  On a remote store (S3) the
SQLite file is a cache of the store's snapshot, synchronised at the start and published
at the end (:mod:`crawler.dedup.snapshot`).  A revisit only refers to an original whose
WARC the store holds or this run wrote (:meth:`Dedup.holds`).
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from crawler.context import RunContext, per_crawler
from crawler.dedup import near
from crawler.dedup.index import PayloadRef, UrlState, open_dedup_index
from crawler.dedup.snapshot import SNAPSHOT_KEY, StateSync, stored_warc_keys, syncs_with

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.archive.httpmsg import HeadInfo
    from crawler.archive.writer import RecordLocation
    from crawler.record import Article

logger = logging.getLogger(__name__)

_ATTR = "_newsarchiver_dedup"
#: URL states kept in memory (see Dedup._states): bounded, whatever the crawl's size.
STATE_CACHE_SIZE = 4096
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
        self.ctx = ctx
        self.store = ctx.store
        self.crawl_id = ctx.crawl_id
        self.crawler = crawler
        backend = settings.get("DEDUP_BACKEND")
        #: names of the WARC files the store holds (a revisit may only point into one of
        #: them, or into this run's own files); None when the store cannot be listed now
        warc_keys = stored_warc_keys(self.store)
        self._held: set[str] | None = (None if warc_keys is None
                                       else {k.rsplit("/", 1)[-1] for k in warc_keys})
        # A remote store (S3) is the source of truth for the SQLite index: the local file
        # is a cache, refreshed from the store's snapshot at the start and published
        # (conditional write, merged with other writers') at the end.
        self.sync: StateSync | None = None
        self.sync_action: str | None = None
        if not backend and syncs_with(self.store):
            self.sync = StateSync(self.store, self.store.state_dir())
            self.sync_action = self.sync.prepare(warc_keys)
        self.index = open_dedup_index(backend, self.store.state_dir())
        self.min_revisit_size = settings.getint("DEDUP_MIN_REVISIT_SIZE", 256)
        self.recrawl_window = parse_duration(settings.get("CRAWLER_RECRAWL_YOUNGER_THAN"))
        self.min_age = parse_duration(settings.get("CRAWLER_RECRAWL_MIN_AGE"))
        self.near_mode = (settings.get("DEDUP_NEAR_DUPLICATES") or "mark").lower()
        if self.near_mode not in ("mark", "suppress", "off"):
            raise ValueError("DEDUP_NEAR_DUPLICATES must be mark, suppress or off")
        self.now = datetime.now(timezone.utc)
        #: URL states this process read or wrote lately: a fetched URL's state is read when
        #: its request is made, then updated when the response is archived and again when
        #: its article is written -- one index look-up instead of three.  Only this crawl
        #: changes the state of the URLs it fetches, so the copies stay true.
        self._states: OrderedDict[str, UrlState | None] = OrderedDict()
        #: digest -> record id of an indexed original whose capture the store does not
        #: hold: this run's full capture replaces it in the index
        self._missing: dict[str, str] = {}
        self._mark_recovered(getattr(ctx, "recovered_articles", None) or [])

    @classmethod
    def of(cls, crawler: Crawler) -> Dedup:
        return per_crawler(crawler, _ATTR, cls)

    # -- payloads ----------------------------------------------------------------------
    def holds(self, ref: PayloadRef) -> bool:
        """Is the capture ``ref`` points at in the store (or in this run's spool)?"""
        if ref.crawl_id is not None and ref.crawl_id == self.crawl_id:
            return True  # this run's (or, distributed, a fellow worker's): stored at its end
        if self._held is None:
            return True  # store unreachable: the index as last synced is the best knowledge
        return ref.filename is not None and ref.filename in self._held

    def lookup_payload(self, digest: str) -> PayloadRef | None:
        return self.index.lookup_payload(digest)

    def revisit_original(self, digest: str) -> PayloadRef | None:
        """The original a response with this payload digest may be a revisit of: the
        indexed one if the store holds its capture, else None (the response is then
        archived in full and becomes the indexed original)."""
        ref = self.index.lookup_payload(digest)
        if ref is None or self.holds(ref):
            return ref
        self._missing[digest] = ref.record_id
        self.crawler.stats.inc_value("dedup/original_missing")
        logger.info("original of %s (%s in %s) is not in the store: archived in full",
                    digest, ref.uri, ref.filename)
        return None

    def remember_payload(self, digest: str, url: str, date: str, loc: RecordLocation) -> None:
        ref = PayloadRef(url, date, loc.record_id, loc.filename, loc.offset, loc.length,
                         self.crawl_id)
        if self._held is not None:
            self._held.add(loc.filename)
        missing = self._missing.pop(digest, None)
        if missing is not None and self.index.replace_payload(digest, missing, ref):
            return
        self.index.add_payload(digest, ref)

    def _get_state(self, url: str) -> UrlState | None:
        states = self._states
        if url in states:
            states.move_to_end(url)
            state = states[url]
            return replace(state) if state is not None else None
        state = self.index.get_url(url)
        self._remember_state(url, state)  # keeps a copy
        return state

    def _remember_state(self, url: str, state: UrlState | None) -> None:
        self._states[url] = replace(state) if state is not None else None
        self._states.move_to_end(url)
        if len(self._states) > STATE_CACHE_SIZE:
            self._states.popitem(last=False)

    def _set_state(self, url: str, state: UrlState) -> None:
        self.index.set_url(url, state)
        self._remember_state(url, state)

    def previous_capture(self, url: str) -> PayloadRef | None:
        """The capture a ``304`` of ``url`` may be a revisit of (held by the store)."""
        state = self._get_state(url)
        if state is None or not state.payload_digest:
            return None
        ref = self.index.lookup_payload(state.payload_digest)
        return ref if ref is not None and self.holds(ref) else None

    # -- URL state (incremental) --------------------------------------------------------
    def remember_url(self, url: str, status: int, head: HeadInfo, digest: str | None, date: str) -> None:
        state = self._get_state(url) or UrlState()
        state.last_status = status
        if 200 <= status < 300:
            etag = head.get(b"etag")
            lastmod = head.get(b"last-modified")
            state.etag = etag.decode("latin-1") if etag else None
            state.last_modified = lastmod.decode("latin-1") if lastmod else None
            if digest and digest != state.payload_digest:
                state.payload_digest = digest
                state.last_fetched = date  # when the payload last changed
        self._set_state(url, state)

    def mark_article(self, url: str, article_id: str) -> None:
        state = self._get_state(url) or UrlState()
        if state.article_id != article_id:
            state.article_id = article_id
            self._set_state(url, state)

    def _mark_recovered(self, records: list[dict[str, Any]]) -> None:
        """URLs whose article records were recovered from an abandoned run count as done.

        A killed crawl can die after a record's JSON line reached the disk but before the
        index committed the URL's state (index writes are batched): without this, the next
        run would fetch and extract the URL again and the archive would hold the article
        twice."""
        for rec in records:
            url, article_id = rec.get("url"), rec.get("id")
            if not isinstance(url, str) or not isinstance(article_id, str):
                continue
            state = self.index.get_url(url) or UrlState()
            if state.article_id:
                continue
            state.article_id = article_id
            if state.last_status is None and isinstance(rec.get("http_status"), int):
                state.last_status = rec["http_status"]
            warc = rec.get("warc") if isinstance(rec.get("warc"), dict) else {}
            if not state.payload_digest and warc.get("payload_digest"):
                state.payload_digest = warc["payload_digest"]
            if not state.last_fetched and isinstance(rec.get("fetched_at"), str):
                state.last_fetched = rec["fetched_at"]
            self.index.set_url(url, state)
        if records:
            self.index.flush()

    def has_article(self, url: str) -> bool:
        state = self._get_state(url)
        return bool(state and state.article_id)

    def validators(self, url: str) -> dict[str, str]:
        """Conditional-request headers for ``url`` from its last good capture (page
        resources are always re-checked this way; empty when nothing is known)."""
        state = self._get_state(url)
        if state is None or state.last_status not in (200, 203, 304):
            return {}
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        return headers

    def fetch_decision(self, url: str) -> tuple[str, UrlState | None]:
        """``fetch`` (never archived as an article), ``conditional`` or ``skip``."""
        state = self._get_state(url)
        if state is None or not state.article_id or state.last_status not in (200, 203, 304):
            return "fetch", state
        if state.payload_digest and self._held is not None:
            ref = self.index.lookup_payload(state.payload_digest)
            if ref is not None and not self.holds(ref):
                return "fetch", state  # its capture is not in the store: archive it again
        changed = _parse_iso(state.last_fetched)
        if changed and self.min_age and self.now - changed < self.min_age:
            return "skip", state  # just captured (e.g. by a run that crashed): resume, don't re-check
        if self.recrawl_window and changed and self.now - changed <= self.recrawl_window:
            return "conditional", state
        return "skip", state

    # -- near duplicates ------------------------------------------------------------------
    def near_duplicate_of(self, article: Article, sig: bytes | None,
                          keys: list[int] | None = None) -> str | None:
        """Index ``article`` and return the id of an earlier near copy, if any.

        ``sig``, ``keys``: its MinHash signature (None for a text too short to have one)
        and LSH band keys, as every extraction job computes them (``crawler.extract.pool``)."""
        if self.near_mode == "off" or sig is None:
            return None
        keys = keys or near.band_keys(sig)
        dup = self.index.find_near_duplicate(sig, article.id, keys)
        if dup is None:
            self.index.add_article(sig, article.id, article.url, keys)
        return dup

    def close(self) -> None:
        self.index.close()
        if self.sync is not None:
            self.ctx.dedup_state = self.sync.publish()
