"""trafilatura's own crawler with extraction, in one process: the peer of ``scripts/bench --real``.

trafilatura ships a focused crawler (``trafilatura.spider``: ``init_crawl``, ``process_response``,
its URL store and download buffer -- what ``trafilatura --crawl`` runs) that fetches pages and
follows their links, but only prints URLs.  This runs the same loop as trafilatura's CLI crawler
(``cli_utils.cli_crawler``: the download buffer, ``buffered_response_downloads`` with N threads,
``spider.process_response`` for the links) and extracts every HTML page it fetched with
``bare_extraction(with_metadata=True)``, writing one JSON line per document: fetch + extract,
like ``trafilatura --crawl`` followed by ``trafilatura -i``, without the second fetch.

usage: python -m bench_lib.trafcrawl START_URL --max-pages N [--threads 4] --out FILE.jsonl
Prints one JSON line of counts at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from copy import deepcopy


def _let_courlan_accept_loopback() -> None:
    """courlan (trafilatura's URL filter) drops links whose host is an IP address; the bench
    site is on 127.0.0.1, so its links are let through -- the only change to trafilatura's
    crawler here, every other URL goes through courlan's filters unchanged."""
    import courlan.core as core

    domain_filter, extract_domain = core.domain_filter, core.extract_domain

    def loopback_domain_filter(domain: str) -> bool:
        return domain.split(":")[0] == "127.0.0.1" or domain_filter(domain)

    def loopback_extract_domain(url: str, *args, **kwargs):
        host = url.split("://", 1)[-1].split("/", 1)[0]
        return host if host.split(":")[0] == "127.0.0.1" else extract_domain(url, *args, **kwargs)

    core.domain_filter = loopback_domain_filter
    core.extract_domain = loopback_extract_domain


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("start")
    ap.add_argument("--max-pages", type=int, required=True)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)

    _let_courlan_accept_loopback()
    import trafilatura
    from trafilatura import spider
    from trafilatura.downloads import buffered_response_downloads, load_download_buffer
    from trafilatura.settings import DEFAULT_CONFIG, Extractor

    config = deepcopy(DEFAULT_CONFIG)
    config.set("DEFAULT", "SLEEP_TIME", "0")  # politeness off, as for our crawls in the bench
    config.set("DEFAULT", "SSRF_PROTECTION", "off")  # the bench site is on 127.0.0.1 (as --allow-private for ours)
    options = Extractor(config=config, with_metadata=True)
    t0 = time.monotonic()
    params = spider.init_crawl(args.start, config=config)  # fetches the start page
    fetched, ok, docs, nbytes = 1, 0, 0, 0
    with open(args.out, "w", encoding="utf-8") as out:
        while not spider.URL_STORE.done and fetched < args.max_pages:
            bufferlist, spider.URL_STORE = load_download_buffer(spider.URL_STORE, 0)
            bufferlist = bufferlist[: args.max_pages - fetched]
            for url, response in buffered_response_downloads(bufferlist, args.threads, options=options):
                fetched += 1
                if response is None or not getattr(response, "data", None):
                    continue
                spider.process_response(response, params)
                if response.status != 200:
                    continue
                ok += 1
                html = response.data.decode("utf-8", "replace") if isinstance(response.data, bytes) else response.data
                doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
                if doc is not None and doc.text:
                    docs += 1
                    line = json.dumps({"url": url, "title": doc.title, "author": doc.author, "date": doc.date,
                                       "text": doc.text}, ensure_ascii=False)
                    nbytes += len(line)
                    out.write(line + "\n")
    print(json.dumps({"fetched": fetched, "ok": ok, "documents": docs, "bytes": nbytes,
                      "elapsed": time.monotonic() - t0}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
