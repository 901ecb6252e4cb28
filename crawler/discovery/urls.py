"""URL canonicalisation applied before scheduling (dedup keys build on it).

:func:`canonicalize_url` delegates the heavy lifting to
:func:`w3lib.url.canonicalize_url` (percent-encoding normalisation to
upper-case UTF-8 escapes, unreserved-char unescaping, query sorting, IDN ->
punycode, scheme/host lower-casing, dot-segment removal, fragment removal;
the *path case is kept*) and adds:

* removal of tracking parameters (case-insensitive; ``utm_*`` and ``mc_*``
  by prefix, plus a configurable list),
* removal of default ports (``:80`` for http, ``:443`` for https),
* trailing-dot removal on the host (``example.com.`` -> ``example.com``),
* empty path -> ``/`` and no dangling ``?``.

Note: query values keep w3lib's form (``?a`` becomes ``?a=``), and ``#!``
"hashbang" fragments are dropped like any other fragment.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as _w3lib_canonicalize

__all__ = [
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "canonicalize_url",
    "is_http_url",
    "normalize_seed",
]

#: Exact (lower-case) names of tracking parameters that are always dropped.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "yclid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "ref_url",
        "cmpid",
        "ocid",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt_mc",
        "at_medium",
        "at_campaign",
    }
)
#: Lower-case name prefixes of tracking parameters (covers mc_cid, mc_eid...).
TRACKING_PREFIXES = ("utm_", "mc_")

_DEFAULT_PORTS = {"http": "80", "https": "443"}


def is_http_url(url: str) -> bool:
    """True for absolute ``http://`` / ``https://`` URLs that have a host."""
    if not isinstance(url, str):
        return False
    u = url.strip()
    low = u[:8].lower()
    if not (low.startswith("http://") or low.startswith("https://")):
        return False
    try:
        return bool(urlsplit(u).hostname)
    except ValueError:  # e.g. invalid IPv6 literal / port
        return False


_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*)://", re.IGNORECASE)
#: ``http//host``, ``http:/host``, ``https:host``: a scheme with its ``://`` mistyped.
_SCHEME_TYPO = re.compile(r"^(https?)(?::/?|//?)(?=[^/])(.+)$", re.IGNORECASE)
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$", re.IGNORECASE)


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return bool(ascii_host) and all(_LABEL.match(label) for label in ascii_host.split("."))


def normalize_seed(text: str) -> str:
    """A seed as given by a user -> an absolute http(s) URL; ``ValueError`` with a
    one-line reason (and the likely fix) when it is not one.

    ``news.example.com/`` gets ``http://``; ``http//host/`` is a mistyped scheme, not a
    host called ``http`` (it would become ``http://http//host/``)."""
    s = text.strip()
    if not s:
        raise ValueError("empty URL")
    if any(c.isspace() for c in s):
        raise ValueError("not a URL (contains spaces)")
    m = _SCHEME.match(s)
    added = False
    if m:
        scheme = m.group(1).lower()
        if scheme not in _DEFAULT_PORTS:
            raise ValueError(f"unsupported scheme '{scheme}' (only http:// and https:// are crawled)")
    else:
        typo = _SCHEME_TYPO.match(s)
        if typo:
            raise ValueError(f"not a URL (did you mean '{typo.group(1).lower()}://{typo.group(2)}'?)")
        s, added = "http://" + s, True
    try:
        parts = urlsplit(s)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError(f"not a valid URL ({exc})") from None
    if not host:
        raise ValueError("no host in the URL")
    if not _valid_host(host):
        raise ValueError(f"invalid host name {host!r}")
    if added and "." not in host and host != "localhost" and ":" not in host:
        raise ValueError("not a URL (expected e.g. https://news.example.com/)")
    return s


def _is_tracking(name: str, extra: frozenset[str]) -> bool:
    n = unquote(name).lower()
    return n in TRACKING_PARAMS or n in extra or n.startswith(TRACKING_PREFIXES)


def canonicalize_url(url: str, extra_tracking_params: Iterable[str] = ()) -> str:
    """Canonical form of *url* for scheduling and dedup.

    ``extra_tracking_params`` are matched case-insensitively by exact name.
    Non-http(s) URLs are only stripped of surrounding whitespace and fragment
    by w3lib; callers should filter them with :func:`is_http_url`.  Raises
    ``ValueError`` only for URLs that cannot be split (e.g. bad port).
    """
    canon = _w3lib_canonicalize(url.strip(), keep_fragments=False)
    parts = urlsplit(canon)
    scheme, netloc, path, query = parts.scheme, parts.netloc, parts.path, parts.query

    # host: w3lib already lower-cases and punycodes; drop trailing dot + default port
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):  # IPv6 literal
        host, _, port = hostport.partition("]")
        host += "]"
        port = port[1:] if port.startswith(":") else ""
    else:
        host, _, port = hostport.partition(":")
    host = host.rstrip(".") if host.endswith(".") and len(host) > 1 else host
    if port and port == _DEFAULT_PORTS.get(scheme):
        port = ""
    netloc = f"{userinfo}{at}{host}{':' + port if port else ''}"

    if query:
        extra = frozenset(p.lower() for p in extra_tracking_params)
        kept = [kv for kv in query.split("&") if kv and not _is_tracking(kv.partition("=")[0], extra)]
        query = "&".join(kept)  # still sorted: w3lib sorted it
    if not path and scheme in _DEFAULT_PORTS:
        path = "/"
    return urlunsplit((scheme, netloc, path, query, ""))
