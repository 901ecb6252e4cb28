"""A small news site whose article text is built by scripts (browser-capture fixture).

``build_scripted_site(stories)`` returns :class:`~crawler.demo.server.Route` objects for
:class:`~crawler.demo.server.SiteServer`.  ``stories`` is a list of ``(title, paragraphs)``;
they are published in turn in three ways:

* ``static``: the paragraphs are in the HTML (with a lead image);
* ``fetch``: an empty shell; ``/static/app.js`` fetch()es ``/api/<slug>.json`` and inserts
  the paragraphs;
* ``inserted``: an empty shell whose inline script inserts a ``<script src=/static/story-<slug>.js>``
  element; that script writes the paragraphs.

Every page uses ``/static/site.css`` (which itself loads ``/static/bg.png``) and
``/static/logo.png``.  A crawler without a browser archives the shells only; a browser
capture archives the JSON and scripts too, so the pages replay with their text.
"""

from __future__ import annotations

import html
import json
import re
import struct
import zlib

from crawler.demo.server import Route

KINDS = ("static", "fetch", "inserted")

CSS = b"""body { font-family: sans-serif; margin: 0; background: #fdfdf8 url(/static/bg.png) repeat-x; }
header { background: #1d3557; color: #fff; padding: 16px 32px; }
header img { vertical-align: middle; }
main { max-width: 760px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 32px; color: #1d3557; }
p { line-height: 1.6; font-size: 17px; }
.lead { width: 100%; height: auto; }
"""

APP_JS = b"""(function () {
  var slug = document.body.getAttribute('data-story');
  fetch('/api/' + slug + '.json')
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var story = document.getElementById('story');
      data.paragraphs.forEach(function (text) {
        var p = document.createElement('p');
        p.textContent = text;
        story.appendChild(p);
      });
      document.title = data.title;
    });
})();
"""


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height, 9)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "story"


def _page(title: str, body: str, slug: str = "", head_extra: str = "", og_article: bool = True) -> bytes:
    og = '<meta property="og:type" content="article">\n' if og_article else ""
    data = f' data-story="{slug}"' if slug else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} | The Scripted Times</title>
{og}<link rel="stylesheet" href="/static/site.css">
{head_extra}</head>
<body{data}>
<header><img src="/static/logo.png" width="120" height="30" alt="The Scripted Times"> <a href="/" style="color:#fff">Home</a></header>
<main>
{body}
</main>
<footer><p>&copy; The Scripted Times</p></footer>
</body></html>
""".encode("utf-8")


def build_scripted_site(stories: list[tuple[str, list[str]]]) -> tuple[dict[str, Route], list[dict]]:
    """(routes, expectations): one dict per story with ``path``, ``kind``, ``title``,
    ``paragraphs`` and ``resources`` (paths its rendering loads besides the shared ones)."""
    routes: dict[str, Route] = {
        "/robots.txt": Route(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"),
        "/static/site.css": Route(body=CSS, content_type="text/css"),
        "/static/app.js": Route(body=APP_JS, content_type="application/javascript"),
        "/static/logo.png": Route(body=png(120, 30, (230, 57, 70)), content_type="image/png"),
        "/static/bg.png": Route(body=png(8, 64, (241, 250, 238)), content_type="image/png"),
    }
    expected: list[dict] = []
    links = []
    for n, (title, paragraphs) in enumerate(stories):
        kind = KINDS[n % len(KINDS)]
        slug = f"{slugify(title)}-{n}"
        path = f"/news/{slug}.html"
        esc_title = html.escape(title)
        resources = []
        if kind == "static":
            lead = f"/static/lead-{n}.png"
            routes[lead] = Route(body=png(720, 240, (69, 123, 157)), content_type="image/png")
            paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
            body = f'<article><h1>{esc_title}</h1>\n<img class="lead" src="{lead}" alt="">\n{paras}\n</article>'
            resources.append(lead)
            page = _page(title, body)
        elif kind == "fetch":
            api = f"/api/{slug}.json"
            routes[api] = Route(body=json.dumps({"title": title, "paragraphs": paragraphs}).encode("utf-8"),
                                content_type="application/json")
            body = f'<article><h1>{esc_title}</h1>\n<div id="story"></div>\n</article>\n' \
                   '<script src="/static/app.js"></script>'
            resources += ["/static/app.js", api]
            page = _page(title, body, slug=slug)
        else:
            js = f"/static/story-{slug}.js"
            code = "(function () {\n  var story = document.getElementById('story');\n"
            for p in paragraphs:
                code += f"  var p = document.createElement('p'); p.textContent = {json.dumps(p)}; story.appendChild(p);\n"
            code += "})();\n"
            routes[js] = Route(body=code.encode("utf-8"), content_type="application/javascript")
            body = (f'<article><h1>{esc_title}</h1>\n<div id="story"></div>\n</article>\n'
                    "<script>\n  var s = document.createElement('script');\n"
                    f"  s.src = '{js}';\n  document.body.appendChild(s);\n</script>")
            resources.append(js)
            page = _page(title, body)
        routes[path] = Route(body=page)
        links.append(f'<li><a href="{path}">{esc_title}</a></li>')
        expected.append({"path": path, "kind": kind, "title": title, "paragraphs": paragraphs,
                         "resources": resources})
    home = _page("The Scripted Times", "<h1>Latest news</h1>\n<ul>\n" + "\n".join(links) + "\n</ul>",
                 og_article=False)
    routes["/"] = Route(body=home)
    return routes, expected


def scripted_articles(stories: list[tuple[str, list[str]]], prefix: str = "/scripted") -> tuple[dict[str, Route], list[dict]]:
    """Script-built article pages to add to another site (e.g. the page-resource fixture,
    :mod:`crawler.demo.requisites`): self-contained (inline style, no shared resource), the
    first story's text fetch()ed as JSON, the second's written by an inserted script, and so
    on in turn.  (routes, expectations) as :func:`build_scripted_site`."""
    routes: dict[str, Route] = {}
    expected: list[dict] = []
    for n, (title, paragraphs) in enumerate(stories):
        kind = ("fetch", "inserted")[n % 2]
        slug = f"{slugify(title)}-{n}"
        path = f"{prefix}/{slug}.html"
        data_path = f"{prefix}/data/{slug}.{'json' if kind == 'fetch' else 'js'}"
        if kind == "fetch":
            routes[data_path] = Route(body=json.dumps({"title": title, "paragraphs": paragraphs}).encode("utf-8"),
                                      content_type="application/json")
            script = ("fetch(" + json.dumps(data_path) + ").then(function (r) { return r.json(); })"
                      ".then(function (d) { var s = document.getElementById('story');"
                      " d.paragraphs.forEach(function (t) { var p = document.createElement('p');"
                      " p.textContent = t; s.appendChild(p); }); });")
        else:
            code = "(function () {\n  var story = document.getElementById('story');\n"
            for p in paragraphs:
                code += f"  var p = document.createElement('p'); p.textContent = {json.dumps(p)}; story.appendChild(p);\n"
            routes[data_path] = Route(body=(code + "})();\n").encode("utf-8"), content_type="application/javascript")
            script = ("var s = document.createElement('script'); s.src = " + json.dumps(data_path) + ";"
                      " document.body.appendChild(s);")
        page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)}</title>
<meta property="og:type" content="article">
<style>body {{ font-family: sans-serif; max-width: 760px; margin: 24px auto; color: #222; }}
h1 {{ color: #1d3557; }} p {{ line-height: 1.6; }}</style>
</head>
<body>
<article><h1>{html.escape(title)}</h1>
<div id="story"></div>
</article>
<script>{script}</script>
</body></html>
""".encode("utf-8")
        routes[path] = Route(body=page)
        expected.append({"path": path, "kind": kind, "title": title, "paragraphs": paragraphs,
                         "resources": [data_path]})
    return routes, expected
