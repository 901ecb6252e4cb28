"""``crawler upload --pending --store s3://bucket/prefix``: send the files that a run
kept in its local spool while the object store was unavailable.

Wiring (in ``crawler/cli.py``, like ``schedule_cli``)::

    from crawler.storage import uploader
    uploader.register(sub)                          # in build_parser()
    handler = {..., **uploader.HANDLERS}[args.command]   # in main()

Exit codes: 0 nothing left pending, 1 some files still pending (endpoint still
unavailable), 3 store error (rejected credentials, missing bucket...).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from crawler.storage.base import Store, StoreError, open_store

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_PENDING, EXIT_STORE = 0, 1, 3


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


def register(sub: Any) -> None:
    p = sub.add_parser(
        "upload", help="upload files kept locally while the store was unavailable",
        description="Upload (and verify) the files that crawls spooled locally because the "
                    "S3 endpoint was unreachable.",
        epilog="exit codes: 0 nothing left pending, 1 files still pending, 3 store error",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pending", action="store_true", required=True,
                   help="upload the pending files (required; the only mode for now)")
    p.add_argument("--store", metavar="URI", required=True, help="s3://bucket/prefix")
    p.add_argument("--endpoint-url", metavar="URL",
                   help="S3 endpoint (default: AWS_ENDPOINT_URL or AWS)")
    p.add_argument("-v", "--verbose", action="count", default=0)


def cmd_upload(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.DEBUG if args.verbose > 1 else
                        logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    options = {"endpoint_url": args.endpoint_url} if getattr(args, "endpoint_url", None) else {}
    try:
        store = open_store(args.store, **options) if options else open_store(args.store)
        if not hasattr(store, "upload_pending"):
            print(f"crawler: nothing to upload for {store.uri} (not an object store)")
            return EXIT_OK
        uploaded, pending = store.upload_pending()  # type: ignore[attr-defined]
    except StoreError as exc:
        print(f"crawler: error: {exc}", file=sys.stderr)
        return EXIT_STORE
    print(f"{store.uri}: {uploaded} file(s) uploaded, {pending} still pending")
    return EXIT_PENDING if pending else EXIT_OK


HANDLERS = {"upload": cmd_upload}
