import socket
import sys

import pytest

from crawler.discovery import scope as scope_mod
from crawler.discovery.scope import Scope, ScopeRules, TrapGuard, registered_domain


@pytest.mark.parametrize(
    "host,expected",
    [
        ("news.bbc.co.uk", "bbc.co.uk"),
        ("WWW.Example.COM", "example.com"),
        ("example.com.", "example.com"),
        ("a.b.c.example.de", "example.de"),
        ("alice.github.io", "alice.github.io"),  # PSL private suffix honoured
        ("x.y.blogspot.com", "y.blogspot.com"),
        ("münchen.de", "xn--mnchen-3ya.de"),
        ("www.xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
        ("localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("intranet", "intranet"),
    ],
)
def test_registered_domain(host, expected):
    assert registered_domain(host) == expected


def test_tldextract_is_offline(monkeypatch):
    ext = scope_mod._EXTRACT
    assert tuple(ext.suffix_list_urls) == ()
    assert ext._cache.enabled is False  # no cache dir read or written
    # tldextract swallows fetch errors and silently falls back to its snapshot,
    # so *record* attempts instead of relying on an exception.
    attempts = []
    monkeypatch.setattr(socket.socket, "connect", lambda *a, **k: attempts.append(a))
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: attempts.append(a) or [])
    import requests

    monkeypatch.setattr(requests.Session, "send", lambda *a, **k: attempts.append(a))
    monkeypatch.setattr(ext, "_extractor", None)  # force a reload of the suffix list
    registered_domain.cache_clear()
    assert registered_domain("foo.bar.example.co.jp") == "example.co.jp"
    assert ext._extractor is not None
    assert attempts == []


def _scope(**kw):
    return Scope(ScopeRules.from_seeds(["https://www.example.com/news/", "http://other.org"], **kw))


def test_from_seeds_uses_registered_domains():
    rules = ScopeRules.from_seeds(["https://www.example.com/news/", "http://blog.other.org:8080/x"])
    assert rules.allowed_domains == {"example.com", "other.org"}


@pytest.mark.parametrize(
    "url,expected",
    [
        ("https://www.example.com/a", (True, "ok")),
        ("https://example.com/a", (True, "ok")),
        ("https://deep.sub.example.com/a", (True, "ok")),
        ("HTTPS://WWW.EXAMPLE.COM/a", (True, "ok")),
        ("https://example.com.evil.net/a", (False, "off-site")),
        ("https://notexample.com/a", (False, "off-site")),
        ("https://other.org/", (True, "ok")),
        ("mailto:desk@example.com", (False, "scheme")),
        ("javascript:void(0)", (False, "scheme")),
        ("tel:+4912345", (False, "scheme")),
        ("data:text/html,hi", (False, "scheme")),
        ("ftp://example.com/file", (False, "scheme")),
        ("/relative/path", (False, "scheme")),
        ("http:///nohost", (False, "invalid-url")),
        ("http://[::1/", (False, "invalid-url")),
    ],
)
def test_in_scope_domains_and_schemes(url, expected):
    assert _scope().in_scope(url) == expected


def test_allow_deny_and_depth():
    s = _scope(allow=[r"/news/", r"/\d{4}/"], deny=[r"/news/live/", r"\?replytocom="], max_depth=2)
    assert s.in_scope("https://example.com/news/a") == (True, "ok")
    assert s.in_scope("https://example.com/2026/01/x") == (True, "ok")
    assert s.in_scope("https://example.com/about") == (False, "not-allowed-pattern")
    assert s.in_scope("https://example.com/news/live/123") == (False, "denied-pattern")  # deny wins
    assert s.in_scope("https://example.com/news/a?replytocom=5") == (False, "denied-pattern")
    assert s.in_scope("https://example.com/news/a", depth=2) == (True, "ok")
    assert s.in_scope("https://example.com/news/a", depth=3) == (False, "too-deep")
    # off-site is reported before patterns
    assert s.in_scope("https://elsewhere.net/news/a") == (False, "off-site")


def test_empty_allowed_domains_means_unrestricted():
    s = Scope(ScopeRules())
    assert s.in_scope("https://anything.example.net/") == (True, "ok")
    assert s.in_scope("mailto:x@y.z") == (False, "scheme")


def test_explicit_host_restriction_and_idn():
    s = Scope(ScopeRules(allowed_domains={"news.example.com", "Bücher.de"}))
    assert s.in_scope("https://news.example.com/x")[0]
    assert s.in_scope("https://live.news.example.com/x")[0]
    assert s.in_scope("https://example.com/x") == (False, "off-site")
    assert s.in_scope("https://www.bücher.de/x")[0]
    assert s.in_scope("https://www.xn--bcher-kva.de/x")[0]


# ---------------------------------------------------------------- TrapGuard


def test_trapguard_accepts_normal_urls_and_counts():
    g = TrapGuard()
    assert g.check("https://example.com/2026/01/15/story") == (True, "ok")
    assert g.check("https://example.com/2026/01/01/new-year") == (True, "ok")  # "01" twice is fine
    assert g.accepted == 2
    assert g.counts() == {}
    assert g.host_counts() == {"example.com": 2}


def test_trapguard_url_length_and_depth():
    g = TrapGuard(max_url_length=100, max_path_depth=4)
    assert g.check("https://example.com/" + "a" * 100) == (False, "url-too-long")
    assert g.check("https://example.com/a/b/c/d") == (True, "ok")
    assert g.check("https://example.com/a/b/c/d/e") == (False, "path-too-deep")
    assert g.counts() == {"url-too-long": 1, "path-too-deep": 1}


@pytest.mark.parametrize(
    "path,ok",
    [
        ("/a/a/", True),
        ("/a/a/a/", False),
        ("/x/y/x/y/", True),
        ("/x/y/x/y/x/y/", False),
        ("/news/page/1/page/2/page/3", False),
        ("/a/b/c/a/d/e/a/", False),
        ("/a//a//b", True),  # empty segments ignored
    ],
)
def test_trapguard_repeated_segments(path, ok):
    g = TrapGuard()
    result = g.check("https://example.com" + path)
    assert result == ((True, "ok") if ok else (False, "repeated-segments"))


@pytest.mark.parametrize(
    "url,trap",
    [
        ("https://example.com/a;jsessionid=ABC123", True),
        ("https://example.com/a;JSESSIONID=ABC123?x=1", True),
        ("https://example.com/a?PHPSESSID=0123456789abcdef", True),
        ("https://example.com/a?sessionid=1", True),
        ("https://example.com/a?session_id=1", True),
        ("https://example.com/a?ASPSESSIONIDQABCDEFG=XYZ", True),
        ("https://example.com/a?osCsid=abc", True),
        ("https://example.com/a?sid=a8f5f167f44f4964e6c998dee827110c", True),
        ("https://example.com/a?s=a8f5f167f44f4964e6c998dee827110c", True),
        # PHP-Nuke style story id and WordPress search: not session ids
        ("https://example.com/modules.php?name=News&file=article&sid=1234", False),
        ("https://example.com/?s=climate+change", False),
        ("https://example.com/a?side=left", False),
    ],
)
def test_trapguard_session_ids(url, trap):
    g = TrapGuard()
    assert g.check(url) == ((False, "session-id") if trap else (True, "ok"))


def test_trapguard_query_variants_per_host_path():
    g = TrapGuard(max_query_variants=5)
    for m in range(5):
        assert g.check(f"https://example.com/calendar?month={m}") == (True, "ok")
    assert g.check("https://example.com/calendar?month=99") == (False, "too-many-query-variants")
    # other path / host unaffected; query-less URL on the same path unaffected
    assert g.check("https://example.com/events?month=1") == (True, "ok")
    assert g.check("https://other.example/calendar?month=1") == (True, "ok")
    assert g.check("https://example.com/calendar") == (True, "ok")
    assert g.counts() == {"too-many-query-variants": 1}


def test_trapguard_query_rule_can_be_disabled():
    g = TrapGuard(max_query_variants=None)
    assert all(g.check(f"https://example.com/article.php?id={i}")[0] for i in range(500))


def test_trapguard_pages_per_host():
    g = TrapGuard(max_pages_per_host=3)
    assert [g.check(f"https://a.example/p{i}")[0] for i in range(5)] == [True, True, True, False, False]
    assert g.check("https://b.example/p1") == (True, "ok")
    assert g.counts() == {"host-page-limit": 2}


def test_trapguard_host_table_is_bounded():
    g = TrapGuard(max_tracked_hosts=3)
    for i in range(3):
        assert g.check(f"https://h{i}.example/") == (True, "ok")
    assert g.check("https://h9.example/") == (False, "host-table-full")
    assert g.check("https://h0.example/again") == (True, "ok")  # known hosts still fine
    assert len(g.host_counts()) == 3


def test_trapguard_memory_is_fixed_for_many_paths():
    g = TrapGuard(max_query_variants=3, sketch_width_bits=12)
    before = sum(sys.getsizeof(r) for r in g._variants._rows)
    for i in range(20_000):
        g.check(f"https://example.com/p{i}?q=1")
    after = sum(sys.getsizeof(r) for r in g._variants._rows)
    assert before == after
    # a trap path is still stopped after its budget, even with a saturated sketch
    results = [g.check(f"https://example.com/trap?d={i}")[0] for i in range(10)]
    assert results.count(True) <= 3 and results[-1] is False


def test_trapguard_invalid():
    g = TrapGuard()
    assert g.check("not a url") == (False, "invalid-url")
    assert g.check("http://[::1/") == (False, "invalid-url")
    assert g.counts() == {"invalid-url": 2}
