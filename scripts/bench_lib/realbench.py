"""``scripts/bench --real``: extraction CPU and crawl throughput on real news pages.

1. CPU per page, in this process, on the fundus-eval pages (each page in turn, interleaved, so
   the machine's load hits every system alike; ``time.process_time``; models loaded first):
   plain ``trafilatura.bare_extraction(with_metadata=True)``, our ``extract_page`` (decode, parse,
   metadata, cleaning, trafilatura, detection, language) and our whole worker job (``run_job``:
   the same plus the page's out-links and the near-duplicate signature).
2. Crawls of a site built from those pages (``bench_lib.realsite``: every page served under many
   URLs, with its own relative links, which 404), one after the other, same page budget:
   (a) the fetch-only Scrapy spider, (b) the full pipeline (archive + extraction + dedup + JSON,
   extraction workers on every core; both without page resources, as (t) fetches pages only), (t) trafilatura's crawler with extraction
   (``bench_lib.trafcrawl``: one process).  For each: responses, 200 pages, wall time, pages/s,
   CPU %, peak RSS of the process tree and of its largest process; for (b) also the CPU per page
   of the crawler process and of its workers, from the manifest.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sys
import time
from pathlib import Path

from bench_lib.measure import Measured, run_measured
from bench_lib.realsite import dataset_pages, render_real
from bench_lib.server import StaticServer, free_port

MB = 1024 * 1024


def cpu_per_page(dataset: Path, reps: int = 2) -> dict[str, float]:
    """Milliseconds of CPU per page for plain trafilatura, extract_page and run_job."""
    import trafilatura

    from crawler.discovery.links import LinkSpec
    from crawler.extract.extractor import extract_page, warm_up
    from crawler.extract.pool import run_job
    from crawler.record import FetchedPage

    ds = dataset / "dataset" if (dataset / "dataset").is_dir() else dataset
    truth = json.loads((ds / "ground_truth.json").read_text(encoding="utf-8"))
    pages = [(truth[name]["url"], gzip.decompress((ds / "html" / name).read_bytes())) for name in sorted(truth)]
    spec = LinkSpec("scrapy.http.response.html.HtmlResponse", "utf-8", ())
    headers = {"content-type": "text/html; charset=utf-8"}

    def page(url: str, body: bytes) -> FetchedPage:
        return FetchedPage(url=url, status=200, headers=headers, body=body, fetched_at="2024-05-01T00:00:00Z",
                           crawl_id="bench", encoding="utf-8")

    warm_up()
    trafilatura.bare_extraction(pages[0][1].decode("utf-8", "replace"), url=pages[0][0], with_metadata=True)
    run_job(page(*pages[0]), None, links=spec)
    totals = {"trafilatura": 0.0, "extract_page": 0.0, "worker job": 0.0}
    for _ in range(reps):
        for url, body in pages:
            c = time.process_time()
            trafilatura.bare_extraction(body.decode("utf-8", "replace"), url=url, with_metadata=True)
            totals["trafilatura"] += time.process_time() - c
            c = time.process_time()
            extract_page(page(url, body))
            totals["extract_page"] += time.process_time() - c
            c = time.process_time()
            run_job(page(url, body), None, links=spec)
            totals["worker job"] += time.process_time() - c
    n = reps * len(pages)
    return {k: 1000.0 * v / n for k, v in totals.items()} | {"pages": len(pages)}


def _row(label: str, m: Measured | None, responses: int | None, ok: int | None) -> str:
    if m is None:
        return f"{label:<36} skipped"
    el = m.extra.get("elapsed")
    steady = f"{responses / el:8.1f}" if el and responses else f"{'-':>8}"
    ok_rate = f"{ok / m.wall:8.1f}" if ok is not None else f"{'-':>8}"
    return (f"{label:<36} {responses or 0:>7} {ok if ok is not None else '-':>6} {m.wall:>7.1f} {(responses or 0) / m.wall:>8.1f} "
            f"{ok_rate} {steady} {m.cpu_percent:>5.0f}% {m.peak_tree_rss / MB:>7.0f} {m.peak_process_rss / MB:>7.0f}")


def run(args, work: Path, run_crawler, politeness_off: dict, fetch_only: dict) -> int:
    if args.dataset is None:
        from crawler.demo.realsite import dataset_dir

        try:
            args.dataset = str(dataset_dir())
        except FileNotFoundError as exc:
            print(str(exc), file=sys.stderr)
            return 2
    dataset = Path(args.dataset)
    if not dataset.exists():
        print(f"dataset not found: {dataset}", file=sys.stderr)
        return 2
    print("CPU per page on the fundus-eval pages (in this process, interleaved, 2 passes) ...", flush=True)
    cpu = cpu_per_page(dataset, reps=args.cpu_reps)
    n = args.pages
    port = free_port()
    site = work / f"real-{n}"
    counts = render_real(n, site, dataset, f"http://127.0.0.1:{port}")
    print(f"site: {counts['articles']} story URLs ({counts['distinct_pages']} distinct real pages, "
          f"{counts['bytes'] / counts['articles'] / 1024:.0f} KB on average) + {counts['listings']} listing pages, "
          f"{counts['bytes'] / MB:.0f} MB")
    budget = args.max_pages or (n + counts["listings"] + 3)
    results: dict[str, tuple[Measured | None, int | None, int | None]] = {}
    with StaticServer(site, port, work / "server-real", prefer=args.server) as srv:
        print(f"server: {srv.kind} on {srv.url}; page budget per crawl {budget}", flush=True)
        timeout = 900 + 2 * budget
        # page resources off: trafilatura's crawler fetches the HTML pages only (and the real pages'
        # images, scripts and styles are on their publishers' hosts, unreachable here)
        pages_only = {"CRAWLER_RESOURCES": False}
        print("running (a) fetch-only Scrapy ...", flush=True)
        a = run_crawler("a-real", srv, work, {**politeness_off, **fetch_only, **pages_only}, timeout, max_pages=budget)
        results["a"] = (a, _responses(a), _status(a, 200))
        full = {**politeness_off, **pages_only, **({"EXTRACT_WORKERS": args.workers} if args.workers is not None else {})}
        print("running (b) full pipeline ...", flush=True)
        b = run_crawler("b-real", srv, work, full, timeout, max_pages=budget)
        results["b"] = (b, _responses(b), _status(b, 200))
        print("running (t) trafilatura's crawler + extraction ...", flush=True)
        out = work / "trafcrawl.jsonl"
        t = run_measured([sys.executable, "-m", "bench_lib.trafcrawl", srv.url + "/", "--max-pages", str(budget),
                          "--threads", str(args.traf_threads), "--out", str(out)],
                         cwd=str(Path(__file__).resolve().parent.parent), timeout=timeout)
        tstats = json.loads(t.stdout.strip().splitlines()[-1]) if t.returncode == 0 and t.stdout.strip() else {}
        if t.returncode != 0:
            print(f"  !! trafilatura crawler exited {t.returncode}\n{t.stderr[-3000:]}", file=sys.stderr)
        t.extra["elapsed"] = tstats.get("elapsed")
        results["t"] = (t, tstats.get("fetched"), tstats.get("ok"))

    print()
    print(f"CPU per page, {cpu['pages']} real pages (ms):  plain trafilatura bare_extraction(with_metadata=True) "
          f"{cpu['trafilatura']:.1f}   our extract_page {cpu['extract_page']:.1f} "
          f"({cpu['extract_page'] / cpu['trafilatura']:.2f}x, target <= 1.2x)   our worker job (+ out-links, "
          f"near-dup signature) {cpu['worker job']:.1f} ({cpu['worker job'] / cpu['trafilatura']:.2f}x)")
    b, bresp, bok = results["b"]
    st = (b.extra.get("stats") or {}) if b is not None else {}
    if st.get("cpu/crawler_seconds") and bresp:
        own = 1000.0 * st["cpu/crawler_seconds"] / bresp
        wk = 1000.0 * st.get("cpu/workers_seconds", 0.0) / bresp
        okn = bok or bresp
        print(f"whole pipeline (b), per response: crawler process {own:.1f} ms + workers {wk:.1f} ms = {own + wk:.1f} ms; "
              f"per 200 page: {1000.0 * (st['cpu/crawler_seconds'] + st.get('cpu/workers_seconds', 0.0)) / okn:.1f} ms")
    print()
    print(f"{'run':<36} {'resp':>7} {'200s':>6} {'wall s':>7} {'resp/s':>8} {'200/s':>8} {'steady':>8} {'CPU':>6} "
          f"{'treeRSS':>7} {'maxRSS':>7}")
    for key, label in (("a", "(a) fetch-only Scrapy"), ("b", "(b) full pipeline"),
                       ("t", "(t) trafilatura crawler + extract")):
        m, resp, ok = results[key]
        print(_row(label, m, resp, ok))
    ta, _, tok = results["t"]
    if b is not None and ta is not None and bok and tok:
        print(f"\n(b)/(t) 200 pages/s: {(bok / b.wall) / (tok / ta.wall):.2f}  (target >= 1.8); "
              f"responses/s: {(bresp / b.wall) / (results['t'][1] / ta.wall):.2f}")
    tm = results["t"][0]
    tresp, tok = results["t"][1], results["t"][2]
    if b is not None and tm is not None and st.get("cpu/crawler_seconds") and bresp and bok and tresp and tok:
        # what the CPU work allows, whatever the machine's load: the full pipeline spreads its work
        # over the cores (the crawler process on one of them), trafilatura's crawler runs in one
        # process; per 200 page (what pages/s counts: each crawler's 404s charged to its pages)
        # and per response
        cores = os.cpu_count() or 1
        cpu_b = st["cpu/crawler_seconds"] + st.get("cpu/workers_seconds", 0.0)
        for label, nb, nt in (("per 200 page", bok, tok), ("per response", bresp, tresp)):
            yb, yt = 1000.0 * cpu_b / nb, 1000.0 * tm.cpu / nt
            rate_b = min(cores * 1000 / yb, nb / st["cpu/crawler_seconds"])
            print(f"CPU {label}: (b) {yb:.1f} ms over {cores} cores (crawler process "
                  f"{1000.0 * st['cpu/crawler_seconds'] / nb:.1f} ms of it, on one) -> at most {rate_b:.0f}/s; "
                  f"(t) {yt:.1f} ms in one process -> at most {1000 / yt:.0f}/s; ceiling of (b)/(t) "
                  f"{rate_b / (1000 / yt):.2f}")
    a, aresp, aok = results["a"]
    if a is not None and b is not None and aok and bok:
        print(f"(b)/(a) 200 pages/s: {(bok / b.wall) / (aok / a.wall):.2f}")
    if st:
        print(f"(b) articles {st.get('articles/written', 0)}, listing {st.get('extract/listing', 0)}, "
              f"too short {st.get('extract/too_short', 0)}, errors {st.get('extract/error', 0)}")
    print(f"(t) documents extracted: {tstats.get('documents')}")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (other processes on the machine skew the figures)")
    return 0


def _responses(m: Measured | None) -> int | None:
    if m is None:
        return None
    st = m.extra.get("stats") or {}
    return st.get("response_received_count") or m.extra.get("served")


def _status(m: Measured | None, code: int) -> int | None:
    if m is None:
        return None
    st = m.extra.get("stats") or {}
    return st.get(f"downloader/response_status_count/{code}")
