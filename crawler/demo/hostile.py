"""A hostile test site: the bad input a news crawler meets in the wild, served on 127.x.

Used by ``tests/hardening/``.  Every route is generated in code and all content is
invented.  Routes come in groups (one crawl per group keeps the test suite fast); each
group's entry points are linked from the home page ``/`` together with a few ordinary,
well-formed articles (``GOOD_PATHS``) that every crawl must still archive and extract.

Groups (``build_hostile_site(base, groups=...)``):

``content``
    truncated and malformed HTML, wrong or missing charsets (cp1252 and latin-1 bytes
    labelled UTF-8, Shift_JIS declared only in ``<meta>``, UTF-16 with a BOM and no
    charset, UTF-8 without any declaration), binary bodies served as ``text/html``,
    responses cut by the server (``Content-Length`` larger than the body), malformed
    status lines and headers, ``Content-Encoding: gzip`` on a body that is not gzip.
``limits``
    50 MB pages (``Content-Length``, chunked, and delimited by connection close),
    generated *lazily* by :class:`StreamRoute` so the server never holds them;
    gzip / brotli / deflate decompression bombs; a server that stalls mid-body and
    one that never answers.
``redirects``
    redirect loops, chains longer than ``REDIRECT_MAX_TIMES``, redirects to
    ``file:``/``data:``/``ftp:``/``javascript:`` and to nowhere; IDN and
    percent-encoded links (``/caf%C3%A9``, ``/straße``, a UTF-8 path); links with
    non-HTTP schemes (``mailto:``, ``javascript:``, ``tel:``, ``data:``, ``ftp:``, ...).
``flood``
    one page with 100,000 distinct in-site links.
``traps``
    a small, ordinary site whose pages all repeat the same navigation links: what the
    crawler-trap guard counts must be distinct URLs, not link occurrences.
``discovery``
    robots.txt pointing at broken sitemaps (invalid XML, not XML at all, empty,
    "gzip" that is not gzip, corrupt gzip, a gzip bomb, an XXE / billion-laughs
    sitemap, a sitemap index loop, a huge sitemap) and a home page advertising
    broken feeds.

Serve it with :class:`HostileServer` (a :class:`~crawler.demo.server.SiteServer` that
also understands :class:`StreamRoute`)::

    with HostileServer() as srv:
        srv.routes.update(build_hostile_site(srv.base_url, groups=("limits",)))

or from a shell: ``python -m crawler.demo.hostile --port 8001``.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import html
import json
import random
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Iterable, Iterator

from .server import (
    SERVER_NAME,
    REASONS,
    Route,
    SiteServer,
    _Handler,
    _TCPServer,
    http_date,
)

__all__ = [
    "ALL_GROUPS", "GOOD_PATHS", "HostileServer", "StreamRoute", "build_hostile_site",
    "article_html", "english_paragraphs", "main", "MB",
]

MB = 1024 * 1024
ALL_GROUPS = ("content", "limits", "redirects", "flood", "discovery", "traps")
SITE = "The Hostile Herald"

#: Ordinary articles linked from every home page: they must always be archived and extracted.
GOOD_PATHS = ("/news/good-1.html", "/news/good-2.html", "/news/good-3.html")

esc = html.escape


# ----------------------------------------------------------------------------------------
# invented text
_SUBJECTS = ["The town council", "A group of residents", "The regional transport board",
             "Local shop owners", "The new harbour master", "Volunteers from the river trust",
             "The school governors", "A spokesperson for the water company", "The mayor",
             "Members of the cycling club", "The county planning office", "Two retired engineers"]
_VERBS = ["approved", "questioned", "postponed", "celebrated", "published", "rejected",
          "reviewed", "announced", "criticised", "welcomed", "debated", "funded"]
_OBJECTS = ["a plan to repair the old footbridge", "the budget for the summer festival",
            "new opening hours for the library", "a survey of flooding along the canal",
            "the proposal for a weekly farmers' market", "changes to the night bus timetable",
            "a study of traffic near the primary school", "the restoration of the clock tower",
            "a scheme to plant four hundred trees", "the report on empty shops in the high street"]
_TAILS = ["after a long meeting on Tuesday evening", "despite objections from several neighbours",
          "following a petition signed by more than two thousand people",
          "although the final cost is still unclear", "in a vote that surprised many observers",
          "and said more details would follow next month", "citing the results of a public consultation",
          "while warning that the work could take two years"]


def english_paragraphs(seed: int | str, n: int = 6, sentences: int = 5) -> list[str]:
    """``n`` paragraphs of plausible (invented) local-news prose, deterministic per seed."""
    rnd = random.Random(f"hostile-{seed}")
    out = []
    for _ in range(n):
        sent = [f"{rnd.choice(_SUBJECTS)} {rnd.choice(_VERBS)} {rnd.choice(_OBJECTS)} "
                f"{rnd.choice(_TAILS)}." for _ in range(sentences)]
        out.append(" ".join(sent))
    return out


def article_html(title: str, paragraphs: Iterable[str], *, lang: str = "en",
                 charset: str | None = "utf-8", links: Iterable[str] = (), head_extra: str = "",
                 published: str = "2026-03-02T08:30:00+00:00", escape: bool = True) -> str:
    """A well-formed article page (og:type article, NewsArticle JSON-LD, ``<article>``)."""
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
          "datePublished": published, "author": [{"@type": "Person", "name": "Ada Quill"}],
          "inLanguage": lang}
    meta = f'<meta charset="{charset}">\n' if charset else ""
    body = "\n".join(f"<p>{esc(p) if escape else p}</p>" for p in paragraphs)
    nav = "".join(f'<li><a href="{esc(h)}">{esc(h)}</a></li>' for h in links)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
{meta}<title>{esc(title)} | {SITE}</title>
<meta property="og:type" content="article">
<meta property="og:title" content="{esc(title)}">
<meta property="article:published_time" content="{published}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
{head_extra}</head>
<body>
<header><a href="/">{SITE}</a></header>
<main>
<article>
<h1>{esc(title)}</h1>
<p class="byline">By Ada Quill</p>
{body}
</article>
</main>
<nav><ul>{nav}</ul></nav>
<footer><p>&copy; 2026 {SITE}</p></footer>
</body>
</html>
"""


def listing_html(title: str, links: Iterable[str], extra_head: str = "") -> str:
    # hrefs are written raw (only '"' escaped): the hostile links must reach the parser as written
    items = "\n".join(f'<li><a href="{h.replace(chr(34), "%22")}">{esc(h)}</a></li>' for h in links)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)} | {SITE}</title>
<meta property="og:type" content="website">
{extra_head}</head>
<body><h1>{esc(title)}</h1><ul>
{items}
</ul></body></html>
"""


def _good_routes() -> dict[str, Route]:
    return {p: Route(body=article_html(f"Good story {i}", english_paragraphs(f"good{i}")).encode())
            for i, p in enumerate(GOOD_PATHS, 1)}


# ----------------------------------------------------------------------------------------
# lazily generated big bodies
@dataclass
class StreamRoute(Route):
    """A ``size``-byte HTML body generated while it is sent (never held in memory).

    ``framing``: ``"length"`` (Content-Length), ``"chunked"`` or ``"close"`` (no length,
    the body ends when the server closes the connection).  Only the head and the first
    64 KiB of the body are kept in the server's :class:`RequestLog`.
    """

    size: int = 0
    framing: str = "length"

    def pieces(self, piece: int = 256 * 1024) -> Iterator[bytes]:
        prefix = b"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Very big page</title>" \
                 b"</head><body><article><h1>Very big page</h1>\n"
        line = (b"<p>" + b" ".join(w.encode() for w in english_paragraphs("big", 1, 3)[0].split()) +
                b"</p>\n")
        block = (line * (piece // len(line) + 1))[:piece]
        sent = 0
        first = prefix + block[: piece - len(prefix)]
        for chunk in (first,):
            chunk = chunk[: self.size]
            sent += len(chunk)
            yield chunk
        while sent < self.size:
            chunk = block[: self.size - sent]
            sent += len(chunk)
            yield chunk


class _HostileHandler(_Handler):
    def _respond(self, site, entry, method, hmap, route: Route, keep_alive: bool) -> bool:
        if not isinstance(route, StreamRoute):
            return super()._respond(site, entry, method, hmap, route, keep_alive)
        hdrs = [("Date", site.date or http_date()), ("Server", SERVER_NAME),
                ("Content-Type", route.content_type)]
        if route.framing == "length":
            hdrs.append(("Content-Length", str(route.size)))
        elif route.framing == "chunked":
            hdrs.append(("Transfer-Encoding", "chunked"))
        else:
            keep_alive = False
        hdrs.extend(route.headers)
        hdrs.append(("Connection", "keep-alive" if keep_alive else "close"))
        head = f"HTTP/1.1 {route.status} {REASONS.get(route.status, 'OK')}\r\n".encode("latin-1")
        head += b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in hdrs) + b"\r\n"
        entry.status = route.status
        entry.raw_response = head
        if not self._sendall(head):
            return False
        if method == "HEAD":
            return keep_alive
        for piece in route.pieces():
            if len(entry.raw_response) < len(head) + 64 * 1024:
                entry.raw_response += piece[: 64 * 1024]
            data = b"%x\r\n%s\r\n" % (len(piece), piece) if route.framing == "chunked" else piece
            if site._stop.is_set() or not self._sendall(data):
                return False
        if route.framing == "chunked" and not self._sendall(b"0\r\n\r\n"):
            return False
        return keep_alive


class HostileServer(SiteServer):
    """:class:`SiteServer` that also serves :class:`StreamRoute` bodies lazily."""

    def start(self) -> "HostileServer":
        if self._server is not None:
            return self
        self._stop.clear()
        srv = _TCPServer((self.host, self._requested_port), _HostileHandler, bind_and_activate=True)
        srv.site = self
        self._server = srv
        self._thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"HostileServer:{self.port}", daemon=True)
        self._thread.start()
        return self


# ----------------------------------------------------------------------------------------
# compression bombs (built once per size, streaming, so building never holds the output)
@functools.lru_cache(maxsize=8)
def _bomb(kind: str, size: int) -> bytes:
    zero = bytes(MB)
    if kind == "br":
        import brotli

        c = brotli.Compressor(quality=5)
        out = [c.process(zero) for _ in range(size // MB)]
        return b"".join(out) + c.finish()
    wbits = {"gzip": 31, "deflate": 15}[kind]
    z = zlib.compressobj(9, zlib.DEFLATED, wbits)
    out = [z.compress(zero) for _ in range(size // MB)]
    return b"".join(out) + z.flush()


def _raw(status_line: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    head = status_line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode("latin-1") + body


# ----------------------------------------------------------------------------------------
# group: content
JAPANESE = ["町の図書館は来月から開館時間を延長すると発表しました。利用者の要望に応えるため、平日は夜九時まで開くことになります。",
            "商店街では週末に新しい市場が始まり、地元の農家が野菜や果物を販売しています。多くの家族が朝早くから訪れました。",
            "川沿いの遊歩道の修理工事は予定より早く終わり、市民は再び散歩やジョギングを楽しめるようになりました。",
            "市議会は古い橋の補修計画について議論を続けています。費用の見積もりは来月の会議で公表される予定です。",
            "小学校の近くでは交通量の調査が行われ、保護者からは横断歩道の増設を求める声が上がっています。"]
GERMAN = ["Die Straße über den Fluß wurde für größere Fahrzeuge gesperrt, weil die Brücke "
          "dringend repariert werden muß. Anwohner äußerten Verständnis, aber auch Ärger über Umwege.",
          "Der Bürgermeister erklärte, daß die Arbeiten im Frühjahr beginnen und etwa drei Monate "
          "dauern sollen. Für Fußgänger bleibt ein schmaler Weg geöffnet.",
          "Viele Geschäfte in der Innenstadt befürchten weniger Kundschaft während der Bauzeit. "
          "Die Stadt prüft deshalb zusätzliche Parkplätze am Rand der Altstadt.",
          "Im Gemeinderat wurde außerdem über die Öffnungszeiten der Bibliothek gesprochen; eine "
          "Entscheidung fällt erst nach der Sommerpause."]
FRENCH = ["Ça y est : le café de la place a rouvert ses portes après deux années de travaux. "
          "Les habitués étaient nombreux dès l’ouverture, à sept heures précises.",
          "La municipalité a financé une partie de la rénovation, notamment la façade et la "
          "terrasse, qui accueille désormais une quarantaine de clients.",
          "« C’est un lieu où tout le monde se croise », explique la gérante, qui prévoit des "
          "soirées musicales chaque vendredi pendant l’été.",
          "Les commerçants voisins espèrent que cette réouverture redonnera de l’élan à tout le "
          "quartier, très touché par la fermeture de plusieurs boutiques."]
CP1252_TEXT = ["The café on Mill Street — closed since the “great flood” of 2024 — reopened on "
               "Monday with a €5 breakfast and a naïve mural painted by pupils of the primary school.",
               "Owners said the renovation cost €120,000, “far more than we ever imagined”, and thanked "
               "the neighbours who brought coffee, soup and patience during the long months of work.",
               "Regulars queued before seven o’clock; some had brought photographs of the café from the "
               "1950s, when it was still a bakery run by the same family.",
               "The council’s heritage officer called the façade “a small miracle” and said the building "
               "would be added to the local list of protected shop fronts next year."]

# Content paths and what each is expected to yield (tests use these).
CONTENT_ARTICLES = {  # path -> a phrase that must appear in the extracted text
    "/charset/cp1252-labelled-utf8.html": "“great flood”",
    "/charset/latin1-labelled-utf8.html": "Die Straße über den Fluß",
    "/charset/shift-jis-meta-only.html": "町の図書館は来月から開館時間を延長する",
    "/charset/utf16-bom-no-charset.html": "le café de la place a rouvert",
    "/charset/utf8-undeclared.html": "le café de la place a rouvert",
    "/malformed/unclosed-tags.html": "Unclosed tags story",
    "/malformed/cut-mid-tag.html": "Cut mid tag story",
    "/malformed/nul-bytes.html": "NUL bytes story",
}
CONTENT_NO_ARTICLE = ("/binary/random-bytes.html", "/binary/png-as-html.html",
                      "/binary/gzip-as-html.html", "/malformed/deeply-nested.html")
#: Responses the server cuts or garbles: (path, what must happen)
CONTENT_BROKEN = ("/malformed/dataloss.html", "/malformed/bad-status-line.html",
                  "/malformed/no-http-head.html", "/malformed/huge-header.html",
                  "/malformed/not-gzip-but-says-so.html", "/malformed/bad-content-length.html")


def _content_routes() -> dict[str, Route]:
    r: dict[str, Route] = {}
    en = english_paragraphs
    # charsets
    r["/charset/cp1252-labelled-utf8.html"] = Route(
        body=article_html("Café reopens after the flood", CP1252_TEXT, charset=None).encode("cp1252"),
        content_type="text/html; charset=utf-8")
    r["/charset/latin1-labelled-utf8.html"] = Route(
        body=article_html("Brücke gesperrt", GERMAN, lang="de", charset=None).encode("latin-1"),
        content_type="text/html; charset=UTF-8")
    r["/charset/shift-jis-meta-only.html"] = Route(
        body=article_html("図書館の開館時間を延長", JAPANESE, lang="ja", charset="Shift_JIS").encode("shift_jis"),
        content_type="text/html")
    r["/charset/utf16-bom-no-charset.html"] = Route(
        body=b"\xff\xfe" + article_html("Le café rouvre", FRENCH, lang="fr", charset=None).encode("utf-16-le"),
        content_type="text/html")
    r["/charset/utf8-undeclared.html"] = Route(
        body=article_html("Le café rouvre (bis)", FRENCH[1:] + FRENCH[:1], lang="fr", charset=None).encode(),
        content_type="text/html")
    # malformed HTML
    paras = en("unclosed")
    messy = (f"<html><head><title>Unclosed tags story</title><meta property=og:type content=article>"
             f"<body><div class=story><h1>Unclosed tags story<article><p>{paras[0]}<p>{paras[1]}"
             f"<div><b><i>{paras[2]}</b></i></span></font><p>{paras[3]}<table><tr><td>{paras[4]}"
             f"</div></div></div><p {'x' * 5000}=1 y=\"unterminated>{paras[5]}</p>"
             f"<<<>>><p<p>> &bogus; &#xFFFFFFFF; &#0; <script>var x = '</html><p>not text';")
    r["/malformed/unclosed-tags.html"] = Route(body=messy.encode())
    cut = article_html("Cut mid tag story", en("cut", 8)).encode()
    r["/malformed/cut-mid-tag.html"] = Route(body=cut[: cut.index(b"<footer>") + 4])  # "...<foo"
    nul = article_html("NUL bytes story", [p.replace(" the ", " the \x00", 2) for p in en("nul")])
    r["/malformed/nul-bytes.html"] = Route(body=nul.replace("<main>", "<main>\x00\x01\x02\x1b").encode())
    r["/malformed/deeply-nested.html"] = Route(
        body=b"<html><body>" + b"<div>" * 20000 + article_html("Deep", en("deep")).encode()
        + b"</div>" * 20000 + b"</body></html>")
    # binary served as HTML
    r["/binary/random-bytes.html"] = Route(body=random.Random(7).randbytes(300_000))
    r["/binary/png-as-html.html"] = Route(body=bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082") * 50)
    r["/binary/gzip-as-html.html"] = Route(body=gzip.compress(b"<html>" + b"x" * 10000, mtime=0))
    # responses cut or garbled by the server
    body = article_html("Data loss story", en("dataloss", 10)).encode()
    r["/malformed/dataloss.html"] = Route(raw=_raw("HTTP/1.1 200 OK", [
        ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body) + 20000)),
        ("Connection", "close")], body))
    r["/malformed/bad-status-line.html"] = Route(raw=_raw("HTTP/1.1 2OO Fine", [
        ("Content-Type", "text/html"), ("Content-Length", "13")], b"<p>hello</p>\n"))
    r["/malformed/no-http-head.html"] = Route(raw=b"<html><body><p>HTTP/0.9 style body without any head</p></body></html>\n")
    r["/malformed/huge-header.html"] = Route(raw=_raw("HTTP/1.1 200 OK", [
        ("Content-Type", "text/html"), ("Set-Cookie", "s=" + "A" * 200_000), ("Content-Length", "13")],
        b"<p>hello</p>\n"))
    r["/malformed/bad-content-length.html"] = Route(raw=_raw("HTTP/1.1 200 OK", [
        ("Content-Type", "text/html"), ("Content-Length", "-5")], b"<p>hello</p>\n"))
    r["/malformed/not-gzip-but-says-so.html"] = Route(
        body=article_html("Not gzip story", en("notgzip")).encode(),
        headers=[("Content-Encoding", "gzip")])
    return r


# ----------------------------------------------------------------------------------------
# group: limits
LIMIT_BIG = ("/limits/big-content-length.html", "/limits/big-chunked.html", "/limits/big-until-close.html")
LIMIT_BOMBS = ("/limits/gzip-bomb.html", "/limits/br-bomb.html", "/limits/deflate-bomb.html")
LIMIT_STALL_BODY = "/limits/stall-mid-body.html"
LIMIT_STALL_HEAD = "/limits/never-answers.html"


def _limit_routes(big_size: int, bomb_size: int) -> dict[str, Route]:
    r: dict[str, Route] = {}
    r[LIMIT_BIG[0]] = StreamRoute(size=big_size, framing="length")
    r[LIMIT_BIG[1]] = StreamRoute(size=big_size, framing="chunked")
    r[LIMIT_BIG[2]] = StreamRoute(size=big_size, framing="close")
    for path, kind in zip(LIMIT_BOMBS, ("gzip", "br", "deflate")):
        r[path] = Route(body=_bomb(kind, bomb_size), headers=[("Content-Encoding", kind)])
    r[LIMIT_STALL_BODY] = Route(body=article_html("Stalled story", english_paragraphs("stall", 12)).encode(),
                                stall_after=3000)
    r[LIMIT_STALL_HEAD] = Route(body=b"<p>too late</p>", delay=45.0)
    return r


# ----------------------------------------------------------------------------------------
# group: redirects, IDN / percent-encoded URLs, non-HTTP schemes
REDIRECT_LOOPS = ("/redirect/loop-a", "/redirect/self")
REDIRECT_LONG_CHAIN = "/redirect/chain/0"
REDIRECT_LONG_CHAIN_END = "/news/end-of-long-chain.html"
REDIRECT_SHORT_CHAIN = "/redirect/short/0"
REDIRECT_SHORT_CHAIN_END = "/news/end-of-short-chain.html"
REDIRECT_ODD = {  # path -> Location
    "/redirect/to-file": "file:///etc/passwd",
    "/redirect/to-data": "data:text/html,<h1>data redirect</h1>",
    "/redirect/to-ftp": "ftp://127.0.0.1/pub/file.txt",
    "/redirect/to-javascript": "javascript:alert(document.cookie)",
    "/redirect/bad-location": "http://[::1/broken",
    "/redirect/empty-location": "",
}
REDIRECT_NO_LOCATION = "/redirect/no-location"
#: Percent-encoded / IDN paths that must be fetched (once) and extracted.
UNICODE_ARTICLES = {  # canonical request target -> title
    "/caf%C3%A9": "Café path story",
    "/stra%C3%9Fe": "Straße path story",
    "/%E6%97%A5%E6%9C%AC/%E8%A8%98%E4%BA%8B.html": "UTF-8 path story",
}
UNICODE_LINKS = ["/caf%C3%A9", "/café", "/caf%c3%a9", "/straße", "/stra%C3%9Fe",
                 "/日本/記事.html", "/%E6%97%A5%E6%9C%AC/%E8%A8%98%E4%BA%8B.html",
                 "/caf%E9", "/a b c.html", "/encoded%2Fslash.html"]
SCHEME_LINKS = ["mailto:editor@example.org", "javascript:alert(1)", "JavaScript:void(0)",
                "  javascript:alert(2)", "jav&#x09;ascript:alert(3)", "tel:+15555550123",
                "sms:+15555550123", "data:text/html;base64,PGgxPmhpPC9oMT4=", "ftp://127.0.0.1/pub/file.txt",
                "file:///etc/passwd", "about:blank", "vbscript:msgbox(1)", "chrome://settings",
                "ws://127.0.0.1:1/socket", "urn:isbn:0451450523", "//", "http://", "http://[::1/",
                "http://127.0.0.1:99999/bad-port", "http://bücher.example/", "http://xn--bcher-kva.example/"]


def _redirect_routes() -> dict[str, Route]:
    r: dict[str, Route] = {}
    en = english_paragraphs
    r["/redirect/loop-a"] = Route(status=302, redirect_to="/redirect/loop-b")
    r["/redirect/loop-b"] = Route(status=302, redirect_to="/redirect/loop-a")
    r["/redirect/self"] = Route(status=307, redirect_to="/redirect/self")
    for i in range(15):
        r[f"/redirect/chain/{i}"] = Route(status=301, redirect_to=f"/redirect/chain/{i + 1}")
    r["/redirect/chain/15"] = Route(status=301, redirect_to=REDIRECT_LONG_CHAIN_END)
    r[REDIRECT_LONG_CHAIN_END] = Route(body=article_html("End of the long chain", en("longend")).encode())
    for i in range(4):
        r[f"/redirect/short/{i}"] = Route(status=302, redirect_to=f"/redirect/short/{i + 1}")
    r["/redirect/short/4"] = Route(status=301, redirect_to=REDIRECT_SHORT_CHAIN_END)
    r[REDIRECT_SHORT_CHAIN_END] = Route(body=article_html("End of the short chain", en("shortend")).encode())
    for path, loc in REDIRECT_ODD.items():
        r[path] = Route(status=302, headers=[("Location", loc)])
    r[REDIRECT_NO_LOCATION] = Route(status=302, body=b"<p>302 without a Location</p>")
    for path, title in UNICODE_ARTICLES.items():
        r[path] = Route(body=article_html(title, en(path)).encode())
    r["/caf%E9"] = Route(body=article_html("Latin-1 escape story", en("latin1-escape")).encode())
    r["/a%20b%20c.html"] = Route(body=article_html("Spaces story", en("spaces")).encode())
    r["/encoded%2Fslash.html"] = Route(body=article_html("Encoded slash story", en("slash")).encode())
    r["/urls.html"] = Route(body=listing_html("Odd links", UNICODE_LINKS + SCHEME_LINKS).encode())
    return r


# ----------------------------------------------------------------------------------------
# group: flood
FLOOD_PATH = "/flood.html"


def _flood_routes(n_links: int) -> dict[str, Route]:
    links = "".join(f'<a href="/flood/item/{i}.html">item {i}</a>\n' for i in range(n_links))
    page = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{n_links} links</title></head>"
            f"<body><h1>Everything</h1>\n{links}</body></html>").encode()

    def item(target: str) -> Route | None:
        n = target.rsplit("/", 1)[-1].split(".", 1)[0]
        if not n.isdigit():
            return None
        return Route(body=f"<html><head><title>Item {n}</title></head><body><p>Item {n}</p>"
                          f"<a href=\"/flood.html\">all</a></body></html>".encode())

    return {FLOOD_PATH: Route(body=page), "/flood/item/*": Route(dynamic=item)}


# ----------------------------------------------------------------------------------------
# group: traps (repeated navigation links)
TRAP_NAV = tuple(f"/traps/nav-{i}.html" for i in range(5))
TRAP_LEAVES = tuple(f"/traps/leaf-{i}.html" for i in range(5))
#: one query URL repeated on every page, and one distinct query variant per leaf page
TRAP_SEARCH_NAV = "/traps/search?q=news"
TRAP_SEARCH_LEAF = "/traps/search?q=leaf-{}"


def _trap_routes() -> dict[str, Route]:
    """Five pages that all link each other and one search URL (site navigation) and, each,
    one page of its own (``leaf-i``) which links one search variant of its own: 16 distinct
    URLs, ~80 link occurrences."""
    r: dict[str, Route] = {}
    for i, path in enumerate(TRAP_NAV):
        links = ["/", *TRAP_NAV, TRAP_SEARCH_NAV, TRAP_LEAVES[i]]
        r[path] = Route(body=article_html(f"Navigation page {i}", english_paragraphs(f"nav{i}"),
                                          links=links).encode())
        r[TRAP_LEAVES[i]] = Route(body=article_html(f"Leaf story {i}", english_paragraphs(f"leaf{i}"),
                                                    links=["/", *TRAP_NAV, TRAP_SEARCH_NAV,
                                                           TRAP_SEARCH_LEAF.format(i)]).encode())
    r["/traps/search"] = Route(body=listing_html("Search", ["/"]).encode())
    return r


# ----------------------------------------------------------------------------------------
# group: discovery (sitemaps and feeds)
BROKEN_SITEMAPS = ("/sitemaps/invalid.xml", "/sitemaps/binary.xml", "/sitemaps/html.xml",
                   "/sitemaps/empty.xml", "/sitemaps/not-gzip.xml.gz", "/sitemaps/corrupt.xml.gz",
                   "/sitemaps/bomb.xml.gz", "/sitemaps/bomb-content-encoding.xml", "/sitemaps/xxe.xml",
                   "/sitemaps/billion-laughs.xml")
GOOD_SITEMAPS = ("/sitemaps/index-loop.xml", "/sitemaps/huge.xml")
BROKEN_FEEDS = ("/feeds/invalid.xml", "/feeds/truncated.xml", "/feeds/binary.rss",
                "/feeds/invalid.json", "/feeds/bomb.atom")
#: Article reachable only through the (recoverable) truncated sitemap / feed.
SITEMAP_ONLY_ARTICLE = "/news/from-invalid-sitemap.html"
FEED_ONLY_ARTICLE = "/news/from-truncated-feed.html"
HUGE_SITEMAP_ARTICLE = "/news/end-of-huge-sitemap.html"


def _discovery_routes(base: str, huge_urls: int) -> dict[str, Route]:
    r: dict[str, Route] = {}
    en = english_paragraphs
    xml = "application/xml; charset=utf-8"
    r["/sitemaps/invalid.xml"] = Route(content_type=xml, body=(
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}{SITEMAP_ONLY_ARTICLE}</loc><lastmod>not a date</lastmod></url>"
        f"<url><loc>{base}/news/never & never</loc></url><url><loc><![CDATA[ <broken ").encode())
    r["/sitemaps/binary.xml"] = Route(content_type=xml, body=random.Random(3).randbytes(50_000))
    r["/sitemaps/html.xml"] = Route(content_type=xml, body=listing_html("Not a sitemap", ["/"]).encode())
    r["/sitemaps/empty.xml"] = Route(content_type=xml, body=b"")
    r["/sitemaps/not-gzip.xml.gz"] = Route(content_type="application/x-gzip",
                                           body=b"this is plain text pretending to be gzip\n" * 50)
    r["/sitemaps/corrupt.xml.gz"] = Route(content_type="application/x-gzip",
                                          body=b"\x1f\x8b\x08\x00\x00\x00\x00\x00" + random.Random(5).randbytes(4000))
    r["/sitemaps/bomb.xml.gz"] = Route(content_type="application/x-gzip", body=_bomb("gzip", 80 * MB))
    r["/sitemaps/bomb-content-encoding.xml"] = Route(content_type=xml, body=_bomb("gzip", 80 * MB),
                                                     headers=[("Content-Encoding", "gzip")])
    r["/sitemaps/xxe.xml"] = Route(content_type=xml, body=(
        '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/xxe/&xxe;</loc></url></urlset>").encode())
    lol = "".join(f'<!ENTITY lol{i} "{"&lol%d;" % (i - 1) * 10}">' for i in range(1, 10))
    r["/sitemaps/billion-laughs.xml"] = Route(content_type=xml, body=(
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY lol0 "lol">{lol}]>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/laughs/&lol9;</loc></url></urlset>").encode())
    idx = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           '<sitemap><loc>{0}/sitemaps/index-loop.xml</loc></sitemap>'
           '<sitemap><loc>{0}/sitemaps/index-loop-2.xml</loc></sitemap></sitemapindex>')
    r["/sitemaps/index-loop.xml"] = Route(content_type=xml, body=idx.format(base).encode())
    r["/sitemaps/index-loop-2.xml"] = Route(content_type=xml, body=idx.format(base).encode())
    # huge: off-site entries (rejected by scope, never fetched) then one real article
    entries = "".join(
        f"<url><loc>http://elsewhere-{i % 97}.example/story/{i}.html</loc><lastmod>2026-03-01</lastmod>"
        f"<news:news><news:publication><news:name>X</news:name><news:language>en</news:language>"
        f"</news:publication><news:publication_date>2026-03-01</news:publication_date>"
        f"<news:title>Story {i}</news:title></news:news></url>\n" for i in range(huge_urls))
    r["/sitemaps/huge.xml"] = Route(content_type=xml, body=(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + entries +
        f"<url><loc>{base}{HUGE_SITEMAP_ARTICLE}</loc></url></urlset>\n").encode())
    # feeds
    rss = "application/rss+xml; charset=utf-8"
    r["/feeds/invalid.xml"] = Route(content_type=rss, body=b"<rss><channel><item><title>Oops</tit")
    r["/feeds/truncated.xml"] = Route(content_type=rss, body=(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<item><title>From the feed</title><link>{base}{FEED_ONLY_ARTICLE}</link></item>"
        f"<item><title>Cut</title><link>{base}/news/cu").encode())
    r["/feeds/binary.rss"] = Route(content_type=rss, body=random.Random(11).randbytes(20_000))
    r["/feeds/invalid.json"] = Route(content_type="application/feed+json",
                                     body=b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"url": ')
    r["/feeds/bomb.atom"] = Route(content_type="application/atom+xml", body=_bomb("gzip", 80 * MB),
                                  headers=[("Content-Encoding", "gzip")])
    for path, seed in ((SITEMAP_ONLY_ARTICLE, "sm"), (FEED_ONLY_ARTICLE, "feed"), (HUGE_SITEMAP_ARTICLE, "huge")):
        r[path] = Route(body=article_html(f"Story found via {seed}", en(seed)).encode())
    return r


# ----------------------------------------------------------------------------------------
def build_hostile_site(base_url: str, groups: Iterable[str] = ALL_GROUPS, *, big_size: int = 50 * MB,
                       bomb_size: int = 64 * MB, flood_links: int = 100_000,
                       huge_sitemap_urls: int = 50_000) -> dict[str, Route]:
    """Route table of the hostile site for the given groups (see the module docstring)."""
    base = base_url.rstrip("/")
    groups = tuple(groups)
    unknown = set(groups) - set(ALL_GROUPS)
    if unknown:
        raise ValueError(f"unknown groups {sorted(unknown)}")
    routes: dict[str, Route] = dict(_good_routes())
    links: list[str] = list(GOOD_PATHS)
    head = ""
    robots = "User-agent: *\nDisallow: /private/\n"
    if "content" in groups:
        c = _content_routes()
        routes.update(c)
        links += list(c)
    if "limits" in groups:
        c = _limit_routes(big_size, bomb_size)
        routes.update(c)
        links += list(c)
    if "redirects" in groups:
        c = _redirect_routes()
        routes.update(c)
        links += ["/urls.html", *REDIRECT_LOOPS, REDIRECT_LONG_CHAIN, REDIRECT_SHORT_CHAIN,
                  *REDIRECT_ODD, REDIRECT_NO_LOCATION]
    if "traps" in groups:
        routes.update(_trap_routes())
        links += list(TRAP_NAV)
    if "flood" in groups:
        routes.update(_flood_routes(flood_links))
        links.append(FLOOD_PATH)
    if "discovery" in groups:
        routes.update(_discovery_routes(base, huge_sitemap_urls))
        robots += "".join(f"Sitemap: {base}{p}\n" for p in BROKEN_SITEMAPS + GOOD_SITEMAPS)
        head = "".join(
            f'<link rel="alternate" type="{t}" href="{p}">\n' for p, t in zip(BROKEN_FEEDS, (
                "application/rss+xml", "application/rss+xml", "application/rss+xml",
                "application/feed+json", "application/atom+xml")))
    routes["/"] = Route(body=listing_html(f"{SITE}: front page", links, head).encode())
    routes["/robots.txt"] = Route(body=robots.encode(), content_type="text/plain")
    return routes


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.demo.hostile",
                                     description="Serve the hostile test site on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--groups", default=",".join(ALL_GROUPS))
    args = parser.parse_args(list(argv) if argv is not None else None)
    srv = HostileServer(port=args.port).start()
    srv.routes.update(build_hostile_site(srv.base_url, args.groups.split(",")))
    try:
        print(f"Hostile site at {srv.base_url}/  (Ctrl-C to stop)", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":  # pragma: no cover
    from crawler.demo.hostile import main as _main

    raise SystemExit(_main())
