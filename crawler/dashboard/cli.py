"""``crawler dashboard``: serve the read-only web dashboard of a store."""

from __future__ import annotations

import argparse
from typing import Any

from crawler.cliargs import port_number
from crawler.clierror import cli_error
from crawler.exitcodes import EXIT_OK, EXIT_STORE, EXIT_USAGE
from crawler.stopsignal import sigterm_as_ctrl_c

EPILOG = """examples:
  crawler dashboard                                   # ./archive on http://127.0.0.1:8000/
  crawler dashboard --store s3://news-archive/crawls --port 8090
  crawler dashboard --metrics http://10.0.0.7:9410/metrics   # a crawl running elsewhere
  crawler dashboard --replay-base http://127.0.0.1:8080      # link to a running `crawler replay`

Shows runs over time, articles per site per day, the latest articles (each with its
cleaned JSON, its replay in pywb and its WARC record), running crawls' progress (from
their metrics endpoints: --metrics-port) and a search box (`crawler search` builds the
index).  It only reads the store.  Replay starts pywb on first use unless --replay-base.

exit codes: 0 stopped (Ctrl-C / SIGTERM), 2 bad usage (port in use), 3 store error
"""


def register(sub: Any) -> None:
    p = sub.add_parser("dashboard", help="web dashboard of the store: runs, articles, search, live crawls",
                       description="Serve a read-only web dashboard of the store.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", metavar="URI", default="./archive", help="local folder or s3://bucket/prefix")
    p.add_argument("--port", type=port_number, default=8000, help="port (default 8000; 0 = any free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--metrics", action="append", metavar="URL",
                   help="metrics endpoint of a running crawl to show (repeatable; crawls on this machine "
                        "announce theirs in the store's state folder)")
    p.add_argument("--replay-base", metavar="URL",
                   help="send replay links to this pywb (e.g. `crawler replay`'s http://127.0.0.1:8080) "
                        "instead of starting pywb on demand")
    p.set_defaults(handler=cmd_dashboard)


def cmd_dashboard(args: argparse.Namespace) -> int:
    import logging

    from werkzeug.serving import make_server

    from crawler.dashboard.app import create_app
    from crawler.storage.base import LocalStore, StoreError, open_store

    try:
        store = open_store(args.store)
    except StoreError as exc:
        return cli_error(str(exc), EXIT_STORE)
    if isinstance(store, LocalStore) and not store.root.is_dir():
        return cli_error(f"no store at {args.store}", EXIT_STORE)
    app = create_app(store, metrics_urls=args.metrics, replay_base=args.replay_base)
    try:
        server = make_server(args.host, args.port, app, threaded=True)
    except (OSError, SystemExit) as exc:
        return cli_error(f"cannot listen on {args.host}:{args.port}: {getattr(exc, 'strerror', None) or exc}",
                         EXIT_USAGE)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    print(f"dashboard of {store.uri} on http://{host}:{server.server_port}/  (Ctrl-C to stop)", flush=True)
    try:
        with sigterm_as_ctrl_c():
            server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        replay = app.config.get("replay")
        if replay is not None:
            replay.stop()
    return EXIT_OK
