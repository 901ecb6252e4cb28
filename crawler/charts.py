"""Small server-side SVG charts (no JavaScript, no plotting library): articles per site
and day (stacked bars) and the yield per run, shared by ``crawler stats --plot`` and the
dashboard.  PNG output converts the SVG with CairoSVG (the ``plot`` extra)."""

from __future__ import annotations

import math
import re
from html import escape
from typing import Any, Iterable

PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac"]
FONT = "font-family='system-ui, -apple-system, Segoe UI, Roboto, sans-serif'"


def nice_max(value: float) -> tuple[float, float]:
    """A round axis maximum >= value and its tick step."""
    if value <= 0:
        return 1.0, 1.0
    exp = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        step = m * exp / 5 if m * exp >= value else None
        if step:
            return m * exp, step
    return 10 * exp, 2 * exp


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if v >= 10 or v == int(v) else f"{v:.2g}"


def stacked_bars(per_series: dict[str, dict[str, float]], *, title: str, width: int = 820, height: int = 300,
                 max_series: int = 9, y_label: str = "") -> str:
    """Stacked bars: x = the union of the keys (sorted), one colour per series (the
    biggest ``max_series``, the rest as "other")."""
    totals = {s: sum(v.values()) for s, v in per_series.items()}
    names = sorted(totals, key=lambda s: (-totals[s], s))
    shown, rest = names[:max_series], names[max_series:]
    series = {s: per_series[s] for s in shown}
    if rest:
        other: dict[str, float] = {}
        for s in rest:
            for k, v in per_series[s].items():
                other[k] = other.get(k, 0) + v
        series["other"] = other
    xs = sorted({k for v in series.values() for k in v})
    return _bars(xs, series, title=title, width=width, height=height, y_label=y_label)


def bars(points: list[tuple[str, float]], *, title: str, width: int = 820, height: int = 260,
         y_label: str = "", color: str = PALETTE[0], value_fmt: str = "{:.2f}",
         xlabel: Any = None) -> str:
    """Simple bars with their value on top (e.g. the yield per run)."""
    xs = [p[0] for p in points]
    return _bars(xs, {"": {x: v for x, v in points}}, title=title, width=width, height=height,
                 y_label=y_label, colors=[color], legend=False, value_fmt=value_fmt, xlabel=xlabel)


def _bars(xs: list[str], series: dict[str, dict[str, float]], *, title: str, width: int, height: int,
          y_label: str, colors: list[str] | None = None, legend: bool = True,
          value_fmt: str | None = None, xlabel: Any = None) -> str:
    colors = colors or PALETTE
    left, right, top, bottom = 56, 16 + (150 if legend and series else 0), 34, 62
    pw, ph = width - left - right, height - top - bottom
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
           f"viewBox='0 0 {width} {height}' role='img' {FONT} font-size='11'>",
           f"<title>{escape(title)}</title>",
           f"<rect width='{width}' height='{height}' fill='white'/>",
           f"<text x='{left}' y='20' font-size='14' font-weight='600'>{escape(title)}</text>"]
    if not xs:
        out.append(f"<text x='{left + pw / 2}' y='{top + ph / 2}' text-anchor='middle' fill='#777'>no data</text>")
        out.append("</svg>")
        return "\n".join(out)
    stack_max = max(sum(s.get(x, 0) for s in series.values()) for x in xs)
    ymax, step = nice_max(stack_max)
    # grid and y axis
    n_ticks = int(round(ymax / step))
    for i in range(n_ticks + 1):
        v = i * step
        y = top + ph - ph * v / ymax
        out.append(f"<line x1='{left}' x2='{left + pw}' y1='{y:.1f}' y2='{y:.1f}' stroke='#e5e5e5'/>")
        out.append(f"<text x='{left - 6}' y='{y + 4:.1f}' text-anchor='end' fill='#555'>{_fmt(v)}</text>")
    if y_label:
        out.append(f"<text transform='translate(14 {top + ph / 2}) rotate(-90)' text-anchor='middle' "
                   f"fill='#555'>{escape(y_label)}</text>")
    slot = pw / len(xs)
    bw = max(1.0, min(48.0, slot * 0.7))
    label_every = max(1, math.ceil(len(xs) / (pw / 34)))
    for i, x in enumerate(xs):
        cx = left + slot * i + slot / 2
        base = top + ph
        for j, (name, values) in enumerate(series.items()):
            v = values.get(x, 0)
            if not v:
                continue
            h = ph * v / ymax
            base -= h
            tip = f"{name + ': ' if name else ''}{x}: {value_fmt.format(v) if value_fmt else _fmt(v)}"
            out.append(f"<rect x='{cx - bw / 2:.1f}' y='{base:.1f}' width='{bw:.1f}' height='{h:.1f}' "
                       f"fill='{colors[j % len(colors)]}'><title>{escape(tip)}</title></rect>")
        if value_fmt is not None and len(xs) <= 40:
            total = sum(s.get(x, 0) for s in series.values())
            out.append(f"<text x='{cx:.1f}' y='{base - 3:.1f}' text-anchor='middle' fill='#333' "
                       f"font-size='10'>{escape(value_fmt.format(total))}</text>")
        if i % label_every == 0:
            ly = top + ph + 12
            out.append(f"<text transform='translate({cx:.1f} {ly}) rotate(35)' fill='#555' "
                       f"font-size='10'>{escape((xlabel or _short)(x))}</text>")
    out.append(f"<line x1='{left}' x2='{left + pw}' y1='{top + ph}' y2='{top + ph}' stroke='#999'/>")
    if legend:
        lx = left + pw + 16
        for j, name in enumerate(series):
            y = top + 4 + j * 16
            out.append(f"<rect x='{lx}' y='{y}' width='10' height='10' fill='{colors[j % len(colors)]}'/>")
            out.append(f"<text x='{lx + 15}' y='{y + 9}'>{escape(_short(name, 22))}</text>")
    out.append("</svg>")
    return "\n".join(out)


def _short(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# --------------------------------------------------------------------------- the store's charts
def run_yield(run: dict[str, Any]) -> float | None:
    """Articles written per page fetched of a run summary (:func:`crawler.reader.list_runs`)."""
    stats = run.get("stats") or {}
    pages = stats.get("response_received_count", stats.get("pages_fetched"))
    articles = stats.get("articles/written", stats.get("articles_written", run.get("records")))
    if not pages or articles is None:
        return None
    return float(articles) / float(pages)


def articles_chart(stats: dict[str, Any], *, width: int = 820, last_days: int | None = 60) -> str:
    per_site_day = stats["articles"]["per_site_day"]
    if last_days:
        days = sorted({d for v in per_site_day.values() for d in v})[-last_days:]
        keep = set(days)
        per_site_day = {s: {d: n for d, n in v.items() if d in keep} for s, v in per_site_day.items()}
    return stacked_bars(per_site_day, title="Articles per site per day (UTC fetch day)", width=width,
                        y_label="articles")


def yield_chart(runs: Iterable[dict[str, Any]], *, width: int = 820, last: int = 40) -> str:
    points = []
    for r in runs:
        y = run_yield(r)
        if y is not None and r.get("crawl_id"):
            points.append((str(r["crawl_id"]), y))
    return bars(points[-last:], title="Yield per run (articles written per page fetched)", width=width,
                y_label="articles / page", xlabel=run_label)


def run_label(crawl_id: str) -> str:
    """``20261126T151500Z-3fa9c1`` -> ``11-26 15:15`` (axis labels; tooltips keep the id)."""
    m = re.match(r"^\d{4}(\d\d)(\d\d)T(\d\d)(\d\d)\d\dZ", crawl_id)
    return f"{m[1]}-{m[2]} {m[3]}:{m[4]}" if m else _short(crawl_id, 14)


def stats_svg(stats: dict[str, Any], runs: list[dict[str, Any]], width: int = 820) -> str:
    """Both charts in one SVG document (``crawler stats --plot FILE.svg``)."""
    a = articles_chart(stats, width=width)
    b = yield_chart(runs, width=width)
    ha, hb = _height(a), _height(b)
    b = b.replace("<svg ", f"<svg y='{ha}' ", 1)
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{ha + hb}' "
            f"viewBox='0 0 {width} {ha + hb}'>\n{a}\n{b}\n</svg>\n")


def _height(svg: str) -> int:
    m = re.search(r"height='(\d+)'", svg)
    return int(m.group(1)) if m else 300


def write_plot(svg: str, path: str) -> None:
    """Write ``svg`` to ``path``: as is for ``.svg``, converted for ``.png`` (CairoSVG)."""
    lower = path.lower()
    if lower.endswith(".svg"):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(svg)
        return
    if not lower.endswith(".png"):
        raise ValueError(f"--plot: {path}: the file name must end in .svg or .png")
    try:
        import cairosvg
    except (ImportError, OSError) as exc:  # OSError: the cairo library itself is missing
        raise ValueError("--plot FILE.png needs CairoSVG and the cairo library: pip install "
                         f"'newsarchiver[plot]' (and apt-get install libcairo2), or write .svg ({exc})") from None
    cairosvg.svg2png(bytestring=svg.encode("utf-8"), write_to=path, output_width=1640)
