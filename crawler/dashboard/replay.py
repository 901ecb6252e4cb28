"""pywb for the dashboard's replay links, started on first use (crawler/replay/pywb.py)
and restarted when the store has WARC files it did not know (a crawl finished since)."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from crawler.archive.cdxj import warc_keys

logger = logging.getLogger(__name__)


class OnDemandReplay:
    def __init__(self, store: Any, host: str = "127.0.0.1"):
        self.store = store
        self.host = host
        self._server: Any = None
        self._keys: list[str] = []
        self._lock = threading.Lock()
        # pywb is started and stopped from one long-lived thread: it dies with the thread
        # that started it (PR_SET_PDEATHSIG), and request threads end after each request
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="replay")

    def url_for(self, url: str, timestamp: str | None = None, mode: str = "") -> str:
        """The pywb URL of a capture, starting (or refreshing) pywb first."""
        from crawler.replay.pywb import ReplayServer

        with self._lock:
            keys = warc_keys(self.store)
            if self._server is not None and (keys != self._keys or not self._server.running()):
                logger.info("restarting pywb: the store has new WARC files")
                self._thread.submit(self._server.stop).result()
                self._server = None
            if self._server is None:
                server = ReplayServer(self.store, host=self.host)
                self._thread.submit(server.start).result()
                self._server, self._keys = server, keys
            return self._server.url_for(url, timestamp, mode)

    def stop(self) -> None:
        with self._lock:
            if self._server is not None:
                self._thread.submit(self._server.stop).result()
                self._server = None
        self._thread.shutdown(wait=True)
