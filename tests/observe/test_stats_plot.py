"""``crawler stats --plot``: articles per site per day and the yield per run, SVG or PNG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from crawler.charts import nice_max, run_yield
from crawler.cli import main
from tests.observe.corpus import RUN_A, RUN_B, build_corpus

SVG = "{http://www.w3.org/2000/svg}"


def test_plot_svg_and_png(tmp_path, capsys):
    store = tmp_path / "archive"
    build_corpus(store)
    svg_path = tmp_path / "plot.svg"
    assert main(["stats", "--store", str(store), "--plot", str(svg_path)]) == 0
    root = ET.parse(svg_path).getroot()  # well-formed SVG
    titles = [t.text for t in root.iter(f"{SVG}title")]
    # one bar per site and day, its value in the tooltip; one bar per run with its yield
    assert "news.example.com: 2026-11-20: 3" in titles
    assert "other.example.org: 2026-11-26: 2" in titles
    assert f"{RUN_A}: 1.00" in titles and f"{RUN_B}: 1.00" in titles
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Articles per site per day" in texts and "Yield per run" in texts
    png = tmp_path / "plot.png"
    assert main(["stats", "--store", str(store), "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    capsys.readouterr()
    assert main(["stats", "--store", str(store), "--plot", str(tmp_path / "plot.gif")]) == 2
    assert "must end in .svg or .png" in capsys.readouterr().err


def test_axis_and_yield_helpers():
    assert nice_max(0) == (1.0, 1.0)
    assert nice_max(7) == (10, 2)
    assert nice_max(180) == (200, 40)
    assert run_yield({"stats": {"response_received_count": 40, "articles/written": 10}}) == 0.25
    assert run_yield({"stats": {}}) is None
