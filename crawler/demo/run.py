"""``crawler demo``: serve the bundled demo news site on 127.0.0.1, crawl it into the
store, stop the site and print a summary with the demo's own checks."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

from crawler.clierror import cli_error
from crawler.demo.server import SiteServer
from crawler.demo.site import build_site, demo_expectations
from crawler.runner import CrawlSetupError, print_summary, run_crawl
from crawler.storage import StoreError, open_store


def read_articles_of(store_uri: str, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    store = open_store(store_uri)
    records: list[dict[str, Any]] = []
    for f in manifest.get("files", []):
        if f["kind"] == "articles":
            with store.open_read(f["key"]) as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
                records += [json.loads(line) for line in fh if line.strip()]
    return records


def demo_checks(fetched_paths: list[str], articles: list[dict[str, Any]]) -> list[tuple[str, str]]:
    exp = demo_expectations()
    disallowed = exp["disallowed_path"]
    texts = "\n".join(a.get("text", "") for a in articles)
    leaked = [b for b in exp["boilerplate"] if b in texts]
    found_paths = {a["url"].split("://", 1)[1].split("/", 1)[1] for a in articles}
    expected = {p.lstrip("/") for p in exp["article_paths"]}
    requisites = [exp["stylesheet"], *exp["stylesheet_images"], *exp["page_images"]]
    archived = sum(1 for p in requisites if p in fetched_paths)
    return [
        ("robots.txt disallowed path", f"{disallowed} not fetched" if disallowed not in fetched_paths
         else f"{disallowed} FETCHED (bug)"),
        ("boilerplate in JSON", "none of %d phrases" % len(exp["boilerplate"]) if not leaked
         else "LEAKED: " + "; ".join(leaked)),
        ("demo articles found", f"{len(expected & found_paths)}/{len(expected)}"),
        ("page resources (stylesheet, logo, images)", f"{archived}/{len(requisites)} archived"),
    ]


def run_demo(store: str = "./archive", verbose: int = 0) -> int:
    with SiteServer({}) as srv:
        srv.routes.update(build_site(srv.base_url))
        print(f"demo news site serving at {srv.base_url}/", file=sys.stderr)
        try:
            result = run_crawl([srv.base_url + "/"], {
                "CRAWLER_STORE": store,
                "CRAWLER_ALLOW_PRIVATE": True,
            }, verbose=verbose)
        except (CrawlSetupError, StoreError) as exc:
            return cli_error(exc, getattr(exc, "exit_code", 3))
        fetched = srv.fetched_paths()
    if not result.manifest:
        print("demo crawl did not finish", file=sys.stderr)
        return result.exit_code
    articles = read_articles_of(store, result.manifest)
    print_summary(result.manifest, extra=demo_checks(fetched, articles))
    print(f"\nstore: {Path(open_store(store).uri[7:]) if store else store}")
    return result.exit_code


def serve_forever(port: int = 0) -> int:
    """``crawler demo --serve``: serve the demo site on 127.0.0.1 until Ctrl-C / SIGTERM."""
    import threading

    from crawler.demo.server import serve_demo
    from crawler.stopsignal import sigterm_as_ctrl_c

    try:
        srv = serve_demo(port)
    except OSError as exc:
        return cli_error(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}", 2)
    try:
        with sigterm_as_ctrl_c():
            print(f"demo news site serving at {srv.base_url}/  (Ctrl-C to stop)", flush=True)
            print(f"crawl it with: crawler crawl {srv.base_url}/ --allow-private", file=sys.stderr, flush=True)
            threading.Event().wait()  # until Ctrl-C / SIGTERM
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
        print("demo site stopped", file=sys.stderr)
    return 0
