import pytest

from crawler.discovery.urls import canonicalize_url, is_http_url


@pytest.mark.parametrize(
    "url,expected",
    [
        # scheme/host case, default port, fragment, query sorting, path case kept
        ("HTTP://Example.COM:80/Path/To?b=2&a=1#frag", "http://example.com/Path/To?a=1&b=2"),
        ("https://Example.com:443/", "https://example.com/"),
        ("https://example.com:80/", "https://example.com:80/"),  # not the default for https
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("http://example.com:443/x", "http://example.com:443/x"),
        # empty path
        ("https://example.com", "https://example.com/"),
        ("https://example.com?b=1", "https://example.com/?b=1"),
        # hashbang fragments are dropped too
        ("https://example.com/#!/story/123", "https://example.com/"),
        ("https://example.com/app?x=1#!state", "https://example.com/app?x=1"),
        # tracking params: prefixes, exact names, upper case
        ("https://example.com/a?utm_source=tw&UTM_Medium=x&Utm_Campaign=y&id=5", "https://example.com/a?id=5"),
        ("https://example.com/a?fbclid=1&gclid=2&dclid=3&msclkid=4&_ga=5&igshid=6&yclid=7", "https://example.com/a"),
        ("https://example.com/a?mc_cid=1&mc_eid=2&mc_whatever=3&ref_src=twsrc&cmpid=rss&ocid=x&keep=1",
         "https://example.com/a?keep=1"),
        ("https://example.com/a?utm_source=x", "https://example.com/a"),
        ("https://example.com/a?utm%5Fsource=x&q=1", "https://example.com/a?q=1"),  # encoded name
        # not tracking: names that merely contain the prefix
        ("https://example.com/a?xutm_source=1&summary=2", "https://example.com/a?summary=2&xutm_source=1"),
        # duplicate params are kept (sorted, stable by value)
        ("https://example.com/a?tag=b&tag=a&tag=b", "https://example.com/a?tag=a&tag=b&tag=b"),
        # blank values kept
        ("https://example.com/a?flag&x=", "https://example.com/a?flag=&x="),
        # IDN -> punycode, UTF-8 path percent-encoded (upper-case escapes)
        ("https://Bücher.example/Straße?q=ä", "https://xn--bcher-kva.example/Stra%C3%9Fe?q=%C3%A4"),
        ("https://xn--bcher-kva.example/Stra%c3%9fe", "https://xn--bcher-kva.example/Stra%C3%9Fe"),
        # percent-encoded unreserved chars decoded, reserved kept encoded
        ("https://example.com/%7Euser/%41bc", "https://example.com/~user/Abc"),
        ("https://example.com/a%2Fb?x=%26y&z=%3D", "https://example.com/a%2Fb?x=%26y&z=%3D"),
        ("https://example.com/a%2fb", "https://example.com/a%2Fb"),
        # dot segments and whitespace
        ("  https://example.com/a/./b/../c  ", "https://example.com/a/c"),
        # trailing dot on host
        ("https://example.com./x", "https://example.com/x"),
        # IPv6 with default port
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
    ],
)
def test_canonicalize_url(url, expected):
    assert canonicalize_url(url) == expected


def test_canonicalize_is_idempotent():
    for url in [
        "HTTP://Example.COM:80/Path/To?b=2&a=1&utm_source=x#frag",
        "https://Bücher.example/Straße?q=ä&fbclid=1",
        "https://example.com/a%2Fb?x=%26y",
    ]:
        once = canonicalize_url(url)
        assert canonicalize_url(once) == once


def test_extra_tracking_params_case_insensitive():
    url = "https://example.com/a?Campaign=1&src=rss&id=2"
    assert canonicalize_url(url, extra_tracking_params=["campaign", "SRC"]) == "https://example.com/a?id=2"
    assert canonicalize_url(url) == "https://example.com/a?Campaign=1&id=2&src=rss"


@pytest.mark.parametrize(
    "url,expected",
    [
        ("http://example.com", True),
        ("HTTPS://example.com/x", True),
        (" https://example.com/x ", True),
        ("https://", False),
        ("https:///path", False),
        ("ftp://example.com/", False),
        ("mailto:a@example.com", False),
        ("javascript:alert(1)", False),
        ("//example.com/x", False),
        ("/relative", False),
        ("http://[::1/", False),
        ("", False),
    ],
)
def test_is_http_url(url, expected):
    assert is_http_url(url) is expected
