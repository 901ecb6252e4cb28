"""``crawler upload --pending --store s3://bucket/prefix``: complete the crawls that ran
while the object store was unavailable -- upload (and verify) the files they kept in the
local spool, then publish this machine's dedup index to the store (merged with what
other writers published meanwhile; see :mod:`crawler.dedup.snapshot`).

Exit codes: 0 nothing left pending (or a crawl running on the store will publish the
index), 1 files or the dedup index still pending (endpoint still unavailable), 3 store error
(rejected credentials, missing bucket...).
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from crawler.clierror import cli_error
from crawler.exitcodes import EXIT_FAILED, EXIT_OK, EXIT_STORE
from crawler.storage import StoreError, open_store


def register(sub: Any) -> None:
    p = sub.add_parser(
        "upload", help="upload files kept locally while the store was unavailable",
        description="Upload (and verify) the files that crawls spooled locally because the "
                    "S3 endpoint was unreachable, then publish the dedup index to the store.",
        epilog="exit codes: 0 nothing left pending, 1 files or the dedup index still pending, "
               "3 store error",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pending", action="store_true", required=True,
                   help="upload the pending files (required; the only mode for now)")
    p.add_argument("--store", metavar="URI", required=True, help="s3://bucket/prefix")
    p.add_argument("--endpoint-url", metavar="URL",
                   help="S3 endpoint (default: AWS_ENDPOINT_URL or AWS)")
    p.add_argument("-v", "--verbose", action="count", default=0)
    p.set_defaults(handler=cmd_upload)


def publish_dedup_state(store: Any) -> str | None:
    """Publish this machine's dedup index of ``store`` if it has unpublished entries;
    ``None`` when there is nothing to do, ``busy`` while a crawl is running on the store."""
    from crawler.dedup.snapshot import StateSync, syncs_with
    from crawler.runner import CrawlSetupError, lock_store

    if not syncs_with(store):
        return None
    try:
        lock = lock_store(store)  # the running crawl publishes it when it ends
    except CrawlSetupError:
        return "busy"
    try:
        return StateSync(store, store.state_dir()).publish()
    finally:
        lock.release()


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
        state = publish_dedup_state(store) if not pending else None
    except StoreError as exc:
        return cli_error(exc, EXIT_STORE)
    print(f"{store.uri}: {uploaded} file(s) uploaded, {pending} still pending")
    if state == "stored":
        print(f"{store.uri}: dedup index published")
    elif state == "pending":
        print(f"{store.uri}: dedup index still pending (store unavailable)")
    elif state == "busy":
        print(f"{store.uri}: a crawl is running on this store; it publishes the dedup index "
              "when it ends")
    return EXIT_FAILED if pending or state == "pending" else EXIT_OK


HANDLERS = {"upload": cmd_upload}
