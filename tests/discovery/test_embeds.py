"""Page resources found in HTML and CSS (pure functions: crawler.discovery.embeds and the
resource half of crawler.discovery.links.outlinks)."""

from __future__ import annotations

from scrapy.http import HtmlResponse

from crawler.discovery.embeds import css_embeds, srcset_urls
from crawler.discovery.links import embeds_of_css, hash64, outlinks, outlinks_of_page, link_spec
from crawler.discovery.urls import canonicalize_url

PAGE = b"""<!DOCTYPE html><html><head>
<base href="http://site.test/news/">
<meta property="og:image" content="http://cdn.test/og.jpg">
<meta name="twitter:image" content="/tw.jpg">
<link rel="stylesheet" href="../css/main.css">
<link rel="alternate stylesheet" href="/alt.css">
<link rel="alternate" type="application/rss+xml" href="/feed.xml">
<link rel="shortcut icon" href="/favicon.ico">
<link rel="apple-touch-icon" href="//cdn.test/touch.png">
<link rel="preload" as="font" href="/f.woff2" crossorigin>
<link rel="preload" as="fetch" href="/api.json">
<link rel="canonical" href="http://site.test/news/story.html">
<script src="app.js"></script>
<script>var x = "<img src=nope.png>";</script>
<style>@import "print.css"; .a { background: url(bg.png) } /* url(comment.png) */</style>
</head><body background="body.png">
<a href="other.html">a link</a>
<img src="a.jpg" srcset="a-2x.jpg 2x, a-3x.jpg 3x">
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="lazy.jpg" data-srcset="lazy-1.jpg 1x, lazy-2.jpg 2x">
<img data-lazy-src="wp-lazy.jpg"><img data-original="jq-lazy.jpg">
<picture><source srcset="p.webp" type="image/webp"><source media="(min-width:9px)" srcset="p-wide.jpg 900w, p-wide2.jpg 1800w"><img src="p.jpg"></picture>
<video poster="poster.jpg" src="movie.mp4"><source src="movie.webm"></video>
<div style="background-image: url('inline.png')">x</div>
<div class="lazy" data-bg="bg-lazy.jpg">y</div>
<input type="image" src="button.png">
<img src="a.jpg"><img src="javascript:void(0)"><img src="#frag">
<a href="other.html"><img src="a.jpg?utm_source=x"></a>
</body></html>"""


def resources_of(body: bytes = PAGE, url: str = "http://site.test/news/story.html"):
    resp = HtmlResponse(url=url, body=body, encoding="utf-8")
    links = outlinks(resp, (), resources=True)
    return [(link.url, link.embed) for link in links if link.embed], [link.url for link in links if not link.embed]


def test_every_kind_of_embed_found_once_resolved_against_base():
    embeds, links = resources_of()
    urls = [u for u, _ in embeds]
    assert len(urls) == len(set(urls))
    kinds = dict(embeds)
    b = "http://site.test/news/"
    expected = {
        "http://cdn.test/og.jpg": "img", "http://site.test/tw.jpg": "img",
        "http://site.test/css/main.css": "css", "http://site.test/favicon.ico": "icon",
        "http://cdn.test/touch.png": "icon", "http://site.test/f.woff2": "font",
        b + "app.js": "js", b + "print.css": "css", b + "bg.png": "img", b + "body.png": "img",
        b + "a.jpg": "img", b + "a-2x.jpg": "img", b + "a-3x.jpg": "img",
        b + "lazy.jpg": "img", b + "lazy-1.jpg": "img", b + "lazy-2.jpg": "img",
        b + "wp-lazy.jpg": "img", b + "jq-lazy.jpg": "img",
        b + "p.webp": "img", b + "p-wide.jpg": "img", b + "p-wide2.jpg": "img", b + "p.jpg": "img",
        b + "poster.jpg": "img", b + "inline.png": "img", b + "bg-lazy.jpg": "img", b + "button.png": "img",
        b + "a.jpg?utm_source=x": "img",
    }
    assert kinds == expected
    # not resources: alternate stylesheets, feeds, canonical, fetch preloads, video files,
    # data:/javascript:/fragment URLs, markup inside scripts and CSS comments
    for absent in ("alt.css", "feed.xml", "api.json", "movie.mp4", "movie.webm", "nope.png", "comment.png"):
        assert not any(absent in u for u in urls), absent
    # the links are exactly those without resources=True
    assert links == [link.url for link in outlinks(HtmlResponse(url="http://site.test/news/story.html",
                                                                 body=PAGE, encoding="utf-8"))]
    assert links == [b + "other.html"]


def test_resources_keep_the_url_as_written_and_the_canonical_key():
    resp = HtmlResponse(url="http://site.test/", body=b'<img src="/i.png?b=2&a=1&utm_medium=x">',
                        encoding="utf-8")
    (emb,) = [link for link in outlinks(resp, (), resources=True) if link.embed]
    assert emb.url == "http://site.test/i.png?b=2&a=1&utm_medium=x"  # what a browser asks for
    assert emb.canonical == canonicalize_url(emb.url) and emb.key == hash64(emb.canonical)


def test_worker_side_parse_gives_the_same_resources():
    resp = HtmlResponse(url="http://site.test/news/story.html", body=PAGE, encoding="utf-8")
    spec = link_spec(resp, (), resources=True)
    assert outlinks_of_page(resp.url, PAGE, spec) == outlinks(resp, (), resources=True)
    assert not any(link.embed for link in outlinks_of_page(resp.url, PAGE, link_spec(resp, ())))


def test_srcset_parsing():
    assert srcset_urls("a.jpg 1x, b.jpg 2x") == ["a.jpg", "b.jpg"]
    assert srcset_urls("a.jpg 480w,b.jpg 800w") == ["a.jpg", "b.jpg"]
    assert srcset_urls("a.jpg") == ["a.jpg"]
    # commas inside a URL (image CDNs) stay; a trailing comma ends it
    assert srcset_urls("https://i.test/w_640,h_360/x.jpg 640w, y.jpg, z.jpg 2x") == [
        "https://i.test/w_640,h_360/x.jpg", "y.jpg", "z.jpg"]
    assert srcset_urls("  ") == [] and srcset_urls(",,") == []


def test_css_embeds():
    css = """@charset "utf-8";
    @import url("base.css"); @import 'print.css' print;
    /* @import "commented.css"; url(commented.png) */
    body { background: #fff url(bg.png) repeat; }
    .q { content: "url(in-a-string.png)"; background-image: url( 'q.png' ); }
    @font-face { font-family: X; src: url(f.woff2) format("woff2"), url("f.woff") format("woff"); }
    @media (min-width: 10px) { .m { background: image-set("m1.png" 1x, url(m2.png) 2x); } }
    .d { background: url(data:image/png;base64,AAAA); }
    .e { background: url(\\"esc.png\\"); }
    """
    found = css_embeds(css)
    assert found[:3] == [("base.css", "css"), ("print.css", "css"), ("bg.png", "img")]
    urls = [u for u, _ in found]
    assert "q.png" in urls and "f.woff2" in urls and "f.woff" in urls and "m1.png" in urls and "m2.png" in urls
    assert dict(found)["f.woff2"] == "font"
    assert not any("commented" in u or "in-a-string" in u for u in urls)
    assert css_embeds("p { color: red }") == []
    # resolved against the stylesheet's URL; data: URLs dropped
    resolved = [e.url for e in embeds_of_css(css, "http://cdn.test/css/site.css")]
    assert resolved[:3] == ["http://cdn.test/css/base.css", "http://cdn.test/css/print.css",
                            "http://cdn.test/css/bg.png"]
    assert not any(u.startswith("data:") for u in resolved)
    assert all(e.embed for e in embeds_of_css(css, "http://cdn.test/css/site.css"))
