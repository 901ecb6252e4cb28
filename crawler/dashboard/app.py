"""The dashboard's Flask app: server-rendered pages, SVG charts, no JavaScript needed."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, abort, redirect, render_template, request
from markupsafe import Markup, escape

from crawler.charts import run_label, stacked_bars, yield_chart
from crawler.dashboard.data import StoreView
from crawler.humansize import human_size

logger = logging.getLogger(__name__)


def _ts14(fetched_at: str | None) -> str:
    digits = "".join(c for c in (fetched_at or "") if c.isdigit())
    return (digits + "0" * 14)[:14]


def _duration(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)):
        return "–"
    s = int(round(seconds))
    return f"{s // 3600}h {s % 3600 // 60:02d}m" if s >= 3600 else (f"{s // 60}m {s % 60:02d}s" if s >= 60 else f"{s}s")


def _size(n: Any) -> str:
    return human_size(n, missing="–")


def create_app(store: Any, *, metrics_urls: list[str] | None = None, replay_base: str | None = None,
               replay: Any = None) -> Flask:
    """The app for ``store``.  Replay links go to ``replay_base`` (a running ``crawler
    replay``) when given, else to pywb started on demand (``replay``: an OnDemandReplay)."""
    view = StoreView(store, metrics_urls)
    app = Flask(__name__)
    app.config["view"] = view
    if replay is None and not replay_base:
        from crawler.dashboard.replay import OnDemandReplay

        replay = OnDemandReplay(view.store)
    app.config["replay"] = replay
    app.jinja_env.filters.update(duration=_duration, size=_size, ts14=_ts14, run_label=run_label)

    @app.context_processor
    def _common() -> dict[str, Any]:
        return {"store_uri": view.store.uri, "q": request.args.get("q", "")}

    @app.get("/")
    def overview() -> str:
        runs = view.runs()
        per_site_day = view.per_site_day()
        days = sorted({d for v in per_site_day.values() for d in v})[-60:]
        keep = set(days)
        chart = stacked_bars({s: {d: n for d, n in v.items() if d in keep} for s, v in per_site_day.items()},
                             title="Articles per site per day (UTC fetch day)", width=900)
        ychart = yield_chart(list(reversed(runs)), width=900)
        return render_template("index.html", runs=runs[:50], n_runs=len(runs), live=view.live(),
                               articles=view.latest_articles(20), chart=Markup(chart), ychart=Markup(ychart))

    @app.get("/run/<crawl_id>")
    def run_page(crawl_id: str) -> str:
        run = view.run(crawl_id)
        if run is None:
            abort(404, f"no run {crawl_id} in this store")
        manifest = view.manifest(crawl_id) or {}
        stats = manifest.get("stats") or run.get("stats") or {}
        interesting = {k: v for k, v in sorted(stats.items()) if isinstance(v, (int, float)) and not k.startswith(
            ("downloader/request", "scheduler/", "memusage/", "log_count/"))}
        return render_template("run.html", run=run, manifest=manifest, stats=interesting,
                               articles=view.run_articles(crawl_id))

    def _article_or_404(rid: str) -> dict[str, Any]:
        rec = view.article(rid)
        if rec is None:
            abort(404, f"no article {rid} in this store")
        return rec

    @app.get("/article/<rid>")
    def article_page(rid: str) -> str:
        if rid.endswith(".json"):
            return article_json(rid[:-5])  # type: ignore[return-value]
        rec = _article_or_404(rid)
        return render_template("article.html", a=rec, paragraphs=(rec.get("text") or "").split("\n"))

    def article_json(rid: str) -> Response:
        rec = _article_or_404(rid)
        return Response(json.dumps(rec, ensure_ascii=False, indent=2), mimetype="application/json")

    @app.get("/article/<rid>/warc")
    def article_warc(rid: str) -> Response:
        """The article's WARC record, byte for byte (one gzip member: a valid .warc.gz)."""
        from crawler.reader import read_range
        from crawler.storage import layout

        rec = _article_or_404(rid)
        w = rec.get("warc") or {}
        if not w.get("filename"):
            abort(404, "this record has no WARC pointer")
        key = layout.warc_key(rec.get("crawl_id"), w["filename"])
        data = read_range(view.store, key, int(w["offset"]), int(w["length"]))
        name = f"{rid}.warc.gz" if data[:2] == b"\x1f\x8b" else f"{rid}.warc"
        return Response(data, mimetype="application/warc",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})

    @app.get("/article/<rid>/http")
    def article_http(rid: str) -> Response:
        """The archived HTTP response (as ``crawler show`` prints it), revisits resolved."""
        from crawler.reader import read_range, show_capture, warc_record_block
        from crawler.storage import layout

        rec = _article_or_404(rid)
        w = rec.get("warc") or {}
        data = b""
        if w.get("filename"):
            key = layout.warc_key(rec.get("crawl_id"), w["filename"])
            headers, block = warc_record_block(read_range(view.store, key, int(w["offset"]), int(w["length"])))
            data = block if headers.get("warc-type") == "response" else b""
        if not data:
            try:
                data = show_capture(view.store, rec["url"])
            except LookupError:
                abort(404, "no capture of this URL")
        return Response(data, mimetype="text/plain")

    @app.get("/replay/<rid>")
    def replay_article(rid: str) -> Any:
        rec = _article_or_404(rid)
        ts = _ts14(rec.get("fetched_at"))
        if replay_base:
            return redirect(f"{replay_base.rstrip('/')}/archive/{ts}/{rec['url']}")
        try:
            return redirect(app.config["replay"].url_for(rec["url"], ts))
        except Exception as exc:  # noqa: BLE001 - pywb missing or failing: say so on the page
            logger.warning("replay unavailable: %s", exc)
            return Response(f"replay unavailable: {escape(str(exc))}\n(try `crawler replay --store "
                            f"{escape(view.store.uri)}`)", status=503, mimetype="text/plain")

    @app.get("/search")
    def search_page() -> str:
        from crawler.search.index import SearchError

        q = request.args.get("q", "").strip()
        site = [s.strip() for v in request.args.getlist("site") for s in v.split(",") if s.strip()]
        language = [s.strip() for v in request.args.getlist("language") for s in v.split(",") if s.strip()]
        since = request.args.get("since", "").strip() or None
        try:
            offset = max(0, int(request.args.get("offset", "0")))
        except ValueError:
            offset = 0
        hits: list[Any] = []
        total, error = 0, None
        if q:
            try:
                index = view.search_index()
            except SearchError:
                error = (f"this store has no search index yet: build it with "
                         f"`crawler search --reindex --store {view.store.uri}` (the dashboard only reads)")
            else:
                try:
                    hits, total = index.search(q, sites=site, since=since, languages=language, limit=20,
                                               offset=offset)
                except SearchError as exc:
                    error = str(exc)
                finally:
                    index.close()
        return render_template("search.html", hits=hits, total=total, error=error, offset=offset,
                               site=",".join(site), language=",".join(language), since=since or "",
                               mark=_mark)

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok\n", mimetype="text/plain")

    @app.errorhandler(404)
    def not_found(exc: Any) -> tuple[str, int]:
        return render_template("error.html", message=getattr(exc, "description", "not found")), 404

    return app


def _mark(snippet: str) -> Markup:
    from crawler.search.index import MARK_END, MARK_START

    return Markup(str(escape(snippet)).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))
