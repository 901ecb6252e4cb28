"""Send the files that runs kept in their local spool while the object store was
unavailable (at the start of every crawl; the ``crawler upload --pending`` command is
:mod:`crawler.uploadcli`)."""

from __future__ import annotations

import logging

from crawler.storage.base import Store

logger = logging.getLogger(__name__)


def flush_pending(store: Store) -> tuple[int, int]:
    """Upload what earlier runs left pending, never raising for an unavailable endpoint
    (for the start of a crawl).  Stores without a pending spool return ``(0, 0)``.
    Permanent errors (credentials, missing bucket) still raise :class:`StoreError`."""
    upload = getattr(store, "upload_pending", None)
    if upload is None:
        return 0, 0
    uploaded, pending = upload()
    if uploaded or pending:
        logger.info("pending uploads to %s: %d uploaded, %d still pending", store.uri,
                    uploaded, pending)
    return uploaded, pending
