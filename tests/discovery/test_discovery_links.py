"""crawler.discovery.links: the same links as Scrapy's LinkExtractor, plus the facts the
spider schedules by; the same result in an extraction worker as on the reactor."""

from __future__ import annotations

import pickle

import pytest
from scrapy.http import HtmlResponse, XmlResponse
from scrapy.linkextractors import LinkExtractor

from crawler.discovery.links import LinkSpec, hash64, link_spec, outlinks, outlinks_of_page
from crawler.discovery.pages import url_kind
from crawler.discovery.urls import canonicalize_url

SCRAPY = LinkExtractor(deny_extensions=[], tags=("a", "area"), attrs=("href",))

PAGES = {
    "plain": b"""<html><body><nav><a href="/">Home</a><a href="/section/politics/">Politics</a></nav>
        <a href="/2026/11/30/council-approves-budget.html">Budget</a>
        <a href="/2026/11/30/council-approves-budget.html#comments">Budget again</a>
        <a href="https://www.example.com/2026/11/30/other-story?utm_source=x&b=2&a=1">Other</a>
        <a href="http://other.example.org/page">Elsewhere</a></body></html>""",
    "base_and_relative": b"""<html><head><base href="/sub/dir/"></head><body>
        <a href=" x.html ">padded</a><a href="../up.html">up</a><a href="?q=1">query</a>
        <a href="#frag">fragment</a><a href="//cdn.example.net/a.pdf">protocol-relative</a>
        <area href="/map/area.html" rel="NoFollow"><a href="x.html" rel="nofollow">duplicate</a>
        <a HREF="/caps.html">caps</a><a>no href</a></body></html>""",
    "schemes_and_bogus": b"""<html><body><a href="javascript:void(0)">js</a><a href="mailto:a@b.example">mail</a>
        <a href="tel:+123">tel</a><a href="ftp://files.example.com/f.txt">ftp</a>
        <a href="http://[::1:bad/">bad ipv6</a><a href="http://host:99999/">bad port</a>
        <a href="data:text/html,hi">data</a><svg><a xlink:href="/svg.html">svg</a></svg></body></html>""",
    "non_ascii": '<html><head><meta charset="utf-8"></head><body><a href="/caf\u00e9?\u00e4=1">e</a>'
                 '<a href="http://b\u00fccher.example/\u00fc">idn</a><a href="/%7Euser/%zz">pct</a>'
                 '<a href="/a b/c">space</a></body></html>'.encode("utf-8"),
    "cp1252": '<html><body><a href="/caf\u00e9-\u201cquoted\u201d.html">x</a></body></html>'.encode("cp1252"),
}


def _response(name: str, body: bytes, encoding: str | None = None, cls=HtmlResponse):
    url = "https://www.example.com/news/2026/11/30/page.html"
    return cls(url=url, body=body, encoding=encoding) if encoding else cls(url=url, body=body)


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("encoding", [None, "cp1252"])
def test_same_links_as_scrapy(name, encoding):
    response = _response(name, PAGES[name], encoding)
    expected = [(link.url, link.nofollow) for link in SCRAPY.extract_links(response)]
    ours = outlinks(response)
    assert [(o.url, o.nofollow) for o in ours] == expected
    assert expected, "the fixture page has links"


def test_facts_per_link():
    links = outlinks(_response("plain", PAGES["plain"]), ("b",))
    by_url = {o.url: o for o in links}
    other = by_url["https://www.example.com/2026/11/30/other-story?utm_source=x&b=2&a=1"]
    assert other.canonical == canonicalize_url(other.url, ("b",)) == "https://www.example.com/2026/11/30/other-story?a=1"
    assert other.key == hash64(other.canonical)
    assert other.kind == url_kind(other.url) == "article"
    assert by_url["https://www.example.com/section/politics/"].kind == "listing"
    bogus = outlinks(_response("schemes_and_bogus", PAGES["schemes_and_bogus"]))
    ftp = next(o for o in bogus if o.url.startswith("ftp:"))
    assert ftp.canonical is None and ftp.key == 0  # kept (Scrapy keeps ftp) but never scheduled


def test_nofollow_and_first_occurrence_kept():
    links = outlinks(_response("base_and_relative", PAGES["base_and_relative"]))
    urls = [o.url for o in links]
    assert urls.count("https://www.example.com/sub/dir/x.html") == 1
    x = next(o for o in links if o.url.endswith("/sub/dir/x.html"))
    assert x.nofollow is False  # the first <a> had no rel
    area = next(o for o in links if o.url.endswith("/map/area.html"))
    assert area.nofollow is True


@pytest.mark.parametrize("name", sorted(PAGES))
def test_worker_side_gives_the_same_result(name):
    # in an extraction worker the page arrives as URL + body + LinkSpec (pickled)
    response = _response(name, PAGES[name])
    spec = pickle.loads(pickle.dumps(link_spec(response, ("utm_source",))))
    assert spec.response_class == "scrapy.http.response.html.HtmlResponse"
    assert outlinks_of_page(response.url, response.body, spec) == outlinks(response, ("utm_source",))


def test_response_class_is_kept_and_checked():
    xml = _response("plain", PAGES["plain"], cls=XmlResponse)
    spec = link_spec(xml)
    assert spec.response_class.endswith("XmlResponse")
    assert outlinks_of_page(xml.url, xml.body, spec) == outlinks(xml)
    with pytest.raises(TypeError):
        outlinks_of_page(xml.url, xml.body, LinkSpec("builtins.dict", "utf-8"))
