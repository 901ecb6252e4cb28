"""A small news site whose pages use every kind of page resource, on two hosts.

For the page-resource tests (and the replay checks built on them): the site on
``127.0.0.1`` and its "CDN" on ``127.0.0.2`` (a second loopback address: another host,
outside the crawl's link scope).  Its pages use

* stylesheets: ``<link rel=stylesheet>`` on the site and on the CDN, ``@import`` (relative
  and absolute, to the other host), ``url()`` backgrounds in stylesheets, in ``<style>``
  blocks and in ``style=""`` attributes, ``image-set()``, an ``@font-face`` web font
  (served with CORS, as CDNs do), a ``data:`` URL (nothing to fetch);
* images: ``src``, ``srcset`` (x and w descriptors), ``<picture><source>``, the lazy-load
  attributes ``data-src``, ``data-srcset``, ``data-lazy-src``, ``data-original`` and
  ``data-bg`` (swapped in by the site's own lazy-loader script, as lazysizes does), native
  ``loading=lazy``, ``og:image``, a ``<video poster>``, the ``background`` attribute;
* scripts (site and CDN), favicon, ``apple-touch-icon``, ``rel=preload`` of the font.

Every resource exists (no 404s on the live site), so a complete archive replays with no
missing request.  Images are striped PNGs of distinct colours, so a missing one shows in a
pixel comparison.

::

    with RequisiteSite() as site:
        site.page_urls          # the HTML pages (home first)
        site.resource_urls      # every resource the pages need, on both hosts
        site.site.routes[...]   # add pages (e.g. a script-built article) before crawling
"""

from __future__ import annotations

import html
import struct
import zlib
from pathlib import Path
from typing import Any

from .server import Route, SiteServer

__all__ = ["RequisiteSite", "build_routes", "CDN_HOST", "FONT_FAMILY"]

CDN_HOST = "127.0.0.2"
FONT_FAMILY = "LedgerMono"
_FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
               "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
#: 1x1 transparent GIF, the usual lazy-load placeholder (a data: URL: nothing to fetch)
_PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def striped_png(width: int, height: int, rgb: tuple[int, int, int], stripe: int = 8) -> bytes:
    """A PNG of diagonal stripes in ``rgb`` and a lighter shade of it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    light = bytes(min(255, c + 70) for c in rgb)
    dark = bytes(rgb)
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            row += dark if ((x + y) // stripe) % 2 == 0 else light
        rows.append(bytes(row))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))


def _etag(body: bytes) -> str:
    return '"%08x"' % (zlib.crc32(body) & 0xFFFFFFFF)


def _font() -> bytes:
    for path in _FONT_FILES:
        p = Path(path)
        if p.is_file():
            return p.read_bytes()
    return b"\x00\x01\x00\x00" + b"\x00" * 60  # no system font: the browser falls back (live and replay alike)


_TEXT = [
    "The river festival returns to Millbrook this spring after a two-year pause, with the boat "
    "parade, the lantern walk and the long tables on the quay that older residents remember.",
    "Organisers said the town council approved the road closures on Tuesday night, and that "
    "volunteers are still needed for the stalls, the first-aid tent and the late clean-up crews.",
    "Local bakers will compete again for the river cup, judged this year by three pupils of the "
    "primary school, who asked for the job in a letter signed by the whole of their class.",
    "The harbour master warned that the quay will be closed to cars from Friday evening and "
    "asked visitors to use the park-and-ride from the old station, which runs every ten minutes.",
]
_TEXT_QUAY = [
    "Engineers will replace the timber fenders along the north face of the quay, which were "
    "damaged in the February storms, and repair two of the iron mooring rings set in 1887.",
    "The ferry to Saltmarsh will leave from the temporary pontoon by the boathouse, and the "
    "operator said the timetable stays the same, with an extra crossing on Saturday mornings.",
    "Fishermen who land their catch at the quay have been offered space at the old coal wharf, "
    "although several said the approach there is too shallow at low tide for the larger boats.",
    "The works are paid for from the harbour fund, which the council topped up last year after "
    "an inspection found the stonework under the crane platform had begun to shift.",
]


def _head(title: str, cdn: str, extra: str = "", og_image: str = "", og_type: str = "article") -> str:
    og = f'<meta property="og:image" content="{og_image}">\n' if og_image else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} | The Requisite Times</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:type" content="{og_type}">
<meta property="og:title" content="{html.escape(title)}">
{og}<link rel="icon" href="/favicon.ico" type="image/x-icon">
<link rel="apple-touch-icon" href="{cdn}/img/touch-icon.png">
<link rel="preload" href="{cdn}/fonts/ledger-mono.ttf" as="font" type="font/ttf" crossorigin>
<link rel="stylesheet" href="/static/css/main.css">
<link rel="stylesheet" href="{cdn}/css/widgets.css?v=7">
<script src="/static/js/lazy.js" defer></script>
<script src="{cdn}/js/widgets.js" async></script>
{extra}</head>
"""


def _masthead(cdn: str) -> str:
    return f"""<header class="masthead">
<a href="/"><img class="logo" src="{cdn}/img/logo.png" srcset="{cdn}/img/logo.png 1x, {cdn}/img/logo@2x.png 2x" alt="The Requisite Times" width="240" height="48"></a>
<nav><a href="/">Home</a> <a href="/news/2026/03/01/river-festival-returns.html">Festival</a> <a href="/news/2026/03/02/quay-closed-for-repairs.html">Quay</a></nav>
</header>
"""


_FOOTER = """<footer class="site-footer">
<p>The Requisite Times &middot; a fixture site for page-resource tests</p>
</footer>
</body></html>
"""


def _home(cdn: str) -> str:
    cards = []
    for i, (path, title) in enumerate(ARTICLES):
        cards.append(f"""<article class="card">
<img src="{cdn}/img/thumb-{i}.png" srcset="{cdn}/img/thumb-{i}.png 160w, {cdn}/img/thumb-{i}-320.png 320w" sizes="160px" width="160" height="90" alt="">
<h2><a href="{path}">{html.escape(title)}</a></h2>
<p>{html.escape(_TEXT[i % len(_TEXT)][:120])}...</p>
</article>""")
    return (_head("Home", cdn, og_image=f"{cdn}/img/og-home.png", og_type="website")
            + '<body class="home">\n' + _masthead(cdn)
            + '<main>\n<h1>Latest news</h1>\n' + "\n".join(cards) + "\n</main>\n" + _FOOTER)


def _article_festival(cdn: str) -> str:
    extra = f"""<style>
.pull-quote {{ background: #fff8e0 url("{cdn}/img/quote-mark.png") no-repeat 8px 8px; padding: 8px 8px 8px 56px; }}
</style>
"""
    return (_head(ARTICLES[0][1], cdn, extra, og_image=f"{cdn}/img/og-festival.png")
            + '<body class="article">\n' + _masthead(cdn) + f"""<main>
<article>
<h1>{html.escape(ARTICLES[0][1])}</h1>
<p class="byline">By Ada Fernsby &middot; 1 March 2026</p>
<picture>
<source media="(min-width: 700px)" srcset="{cdn}/img/hero-wide.png 1x, {cdn}/img/hero-wide@2x.png 2x">
<img class="hero" src="{cdn}/img/hero-narrow.png" alt="Boats on the river" width="640" height="240">
</picture>
<p>{_TEXT[0]}</p>
<div class="banner" style="background-image: url('/static/img/inline-banner.png')">Festival programme</div>
<p>{_TEXT[1]}</p>
<blockquote class="pull-quote">We have waited two years for this.</blockquote>
<img class="lazy" src="{_PLACEHOLDER}" data-src="{cdn}/img/lazy-boats.png" alt="The boat parade" width="320" height="120">
<p>{_TEXT[2]}</p>
<video poster="/static/img/video-poster.png" width="320" height="120" controls preload="none"></video>
<p>{_TEXT[3]}</p>
</article>
</main>
""" + _FOOTER)


def _article_quay(cdn: str) -> str:
    return (_head(ARTICLES[1][1], cdn, og_image=f"{cdn}/img/og-quay.png")
            + '<body class="article">\n' + _masthead(cdn) + f"""<main>
<article>
<h1>{html.escape(ARTICLES[1][1])}</h1>
<p class="byline">By Tomas Quill &middot; 2 March 2026</p>
<img class="lazyload" src="{_PLACEHOLDER}" data-srcset="{cdn}/img/quay-640.png 640w, {cdn}/img/quay-1280.png 1280w" data-sizes="640px" alt="The quay" width="640" height="200">
<p>{_TEXT_QUAY[0]}</p>
<img class="lazy" src="{_PLACEHOLDER}" data-lazy-src="/static/img/crane.png" alt="A crane" width="200" height="100">
<img class="lazy" src="{_PLACEHOLDER}" data-original="{cdn}/img/diver.png" alt="A diver" width="200" height="100">
<p>{_TEXT_QUAY[1]}</p>
<div class="map" data-bg="/static/img/map.png">Map of the closures</div>
<table class="facts" background="/static/img/table-bg.png"><tr><td>Closed from</td><td>Friday 18:00</td></tr></table>
<p>{_TEXT_QUAY[2]}</p>
<img src="/static/img/below-fold.png" loading="lazy" alt="" width="320" height="80">
</article>
</main>
""" + _FOOTER)


ARTICLES = [
    ("/news/2026/03/01/river-festival-returns.html", "River festival returns after two-year pause"),
    ("/news/2026/03/02/quay-closed-for-repairs.html", "Quay to close for three weeks of repairs"),
]

_MAIN_CSS = """@charset "utf-8";
@import url("base.css");
@import "{cdn}/css/fonts.css";
/* url(/static/img/commented-out.png) is inside a comment: never fetched */
body {{ margin: 0; font-family: Georgia, serif; color: #222;
       background: #f4f1ea url(../img/paper.png) repeat; }}
.masthead {{ background: url("/static/img/masthead-bg.png") repeat-x; height: 96px; padding: 12px 24px; }}
h1, h2, nav {{ font-family: "{font}", monospace; }}
main {{ max-width: 720px; margin: 0 auto; padding: 16px 24px; background: rgba(255,255,255,0.85); }}
.banner {{ height: 60px; color: #fff; padding: 8px; background-repeat: repeat; }}
.icon-rss {{ background: url(data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7); }}
@media (min-width: 600px) {{
  .site-footer {{ background-image: -webkit-image-set(url(../img/footer-logo.png) 1x); background-repeat: no-repeat;
                  background-position: right center; min-height: 60px; }}
}}
.map {{ height: 100px; background-repeat: repeat; }}
"""
_BASE_CSS = """.card {{ border: 1px solid #ccc; margin: 12px 0; padding: 8px; overflow: hidden;
         background: url('../img/card-bg.png'); }}
.card img {{ float: left; margin-right: 12px; }}
"""
_FONTS_CSS = """@font-face {{ font-family: "{font}";
  src: url(../fonts/ledger-mono.ttf) format("truetype"); font-display: block; }}
"""
_WIDGETS_CSS = """.logo {{ border-bottom: 4px solid transparent;
         border-image: url(/img/rule.png) 4 repeat; }}
"""
_LAZY_JS = """// the site's lazy loader (as lazysizes / lozad do): swap data-* into the real attributes
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("img[data-src]").forEach(function (img) { img.src = img.getAttribute("data-src"); });
  document.querySelectorAll("img[data-lazy-src]").forEach(function (img) { img.src = img.getAttribute("data-lazy-src"); });
  document.querySelectorAll("img[data-original]").forEach(function (img) { img.src = img.getAttribute("data-original"); });
  document.querySelectorAll("img[data-srcset]").forEach(function (img) {
    img.sizes = img.getAttribute("data-sizes") || ""; img.srcset = img.getAttribute("data-srcset"); });
  document.querySelectorAll("[data-bg]").forEach(function (el) {
    el.style.backgroundImage = "url(" + el.getAttribute("data-bg") + ")"; });
});
"""
_WIDGETS_JS = """// a CDN script: marks the page as ready (changes nothing visible)
document.documentElement.setAttribute("data-widgets", "ready");
"""


def build_routes(base_url: str, cdn_url: str) -> tuple[dict[str, Route], dict[str, Route]]:
    """(site routes, CDN routes); the pages reference the CDN by ``cdn_url``."""
    cdn = cdn_url.rstrip("/")
    fmt = {"cdn": cdn, "font": FONT_FAMILY}
    site: dict[str, Route] = {}
    cdn_routes: dict[str, Route] = {}

    def page(path: str, text: str) -> None:
        site[path] = Route(body=text.encode("utf-8"))

    def png(routes: dict[str, Route], path: str, w: int, h: int, rgb: tuple[int, int, int]) -> None:
        body = striped_png(w, h, rgb)
        routes[path] = Route(body=body, content_type="image/png", etag=_etag(body),
                             last_modified="Sun, 01 Mar 2026 08:00:00 GMT",
                             headers=[("Cache-Control", "max-age=3600")])

    site["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    page("/", _home(cdn))
    page(ARTICLES[0][0], _article_festival(cdn))
    page(ARTICLES[1][0], _article_quay(cdn))
    site["/favicon.ico"] = Route(body=striped_png(16, 16, (160, 30, 30), 4), content_type="image/x-icon")
    css = "text/css; charset=utf-8"
    site["/static/css/main.css"] = Route(body=_MAIN_CSS.format(**fmt).encode(), content_type=css)
    site["/static/css/base.css"] = Route(body=_BASE_CSS.format(**fmt).encode(), content_type=css)
    site["/static/js/lazy.js"] = Route(body=_LAZY_JS.encode(), content_type="application/javascript")
    for path, w, h, rgb in [
        ("/static/img/paper.png", 24, 24, (236, 230, 214)),
        ("/static/img/masthead-bg.png", 8, 96, (40, 70, 120)),
        ("/static/img/card-bg.png", 16, 16, (250, 246, 236)),
        ("/static/img/footer-logo.png", 120, 40, (200, 120, 40)),
        ("/static/img/inline-banner.png", 32, 32, (30, 120, 60)),
        ("/static/img/video-poster.png", 320, 120, (120, 40, 140)),
        ("/static/img/crane.png", 200, 100, (200, 160, 20)),
        ("/static/img/map.png", 24, 24, (60, 160, 200)),
        ("/static/img/table-bg.png", 16, 16, (220, 200, 240)),
        ("/static/img/below-fold.png", 320, 80, (20, 20, 160)),
    ]:
        png(site, path, w, h, rgb)
    cdn_routes["/robots.txt"] = Route(body=b"User-agent: *\nAllow: /\n", content_type="text/plain")
    cdn_routes["/css/fonts.css"] = Route(body=_FONTS_CSS.format(**fmt).encode(), content_type=css,
                                         headers=[("Access-Control-Allow-Origin", "*")])
    cdn_routes["/css/widgets.css"] = Route(body=_WIDGETS_CSS.format(**fmt).encode(), content_type=css)
    cdn_routes["/fonts/ledger-mono.ttf"] = Route(body=_font(), content_type="font/ttf",
                                                 headers=[("Access-Control-Allow-Origin", "*")])
    cdn_routes["/js/widgets.js"] = Route(body=_WIDGETS_JS.encode(), content_type="application/javascript")
    for path, w, h, rgb in [
        ("/img/logo.png", 240, 48, (20, 40, 80)), ("/img/logo@2x.png", 480, 96, (20, 40, 80)),
        ("/img/touch-icon.png", 180, 180, (20, 40, 80)), ("/img/rule.png", 12, 12, (180, 30, 30)),
        ("/img/og-home.png", 600, 315, (10, 90, 90)), ("/img/og-festival.png", 600, 315, (90, 10, 90)),
        ("/img/og-quay.png", 600, 315, (90, 90, 10)),
        ("/img/thumb-0.png", 160, 90, (200, 60, 60)), ("/img/thumb-0-320.png", 320, 180, (200, 60, 60)),
        ("/img/thumb-1.png", 160, 90, (60, 200, 60)), ("/img/thumb-1-320.png", 320, 180, (60, 200, 60)),
        ("/img/hero-wide.png", 640, 240, (30, 90, 160)), ("/img/hero-wide@2x.png", 1280, 480, (30, 90, 160)),
        ("/img/hero-narrow.png", 320, 120, (30, 90, 160)),
        ("/img/quote-mark.png", 40, 40, (160, 120, 20)),
        ("/img/lazy-boats.png", 320, 120, (0, 130, 130)),
        ("/img/quay-640.png", 640, 200, (100, 100, 180)), ("/img/quay-1280.png", 1280, 400, (100, 100, 180)),
        ("/img/diver.png", 200, 100, (0, 60, 0)),
    ]:
        png(cdn_routes, path, w, h, rgb)
    return site, cdn_routes


#: Resources the pages do not need (never requested by a browser, never fetched).
NOT_REQUISITES = ("/robots.txt",)


class RequisiteSite:
    """The site on 127.0.0.1 and its CDN on :data:`CDN_HOST`, served while in the ``with``."""

    def __init__(self) -> None:
        self.site = SiteServer({})
        self.cdn = SiteServer({}, host=CDN_HOST)

    def __enter__(self) -> RequisiteSite:
        self.site.start()
        try:
            self.cdn.start()
        except BaseException:
            self.site.stop()
            raise
        site_routes, cdn_routes = build_routes(self.site.base_url, self.cdn.base_url)
        self.site.routes.update(site_routes)
        self.cdn.routes.update(cdn_routes)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.cdn.stop()
        self.site.stop()

    @property
    def base_url(self) -> str:
        return self.site.base_url

    @property
    def cdn_url(self) -> str:
        return self.cdn.base_url

    @property
    def page_urls(self) -> list[str]:
        """The static HTML pages, home first."""
        return [self.site.url("/")] + [self.site.url(p) for p, _ in ARTICLES]

    @property
    def resource_urls(self) -> list[str]:
        """Every resource of the pages (both hosts), as absolute URLs without query."""
        out = []
        for srv in (self.site, self.cdn):
            for path, route in srv.routes.items():
                if path in NOT_REQUISITES or path.endswith("*") or "html" in route.content_type:
                    continue
                out.append(srv.url(path))
        return sorted(out)
