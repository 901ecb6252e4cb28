"""Crawl scope (domains, allow/deny patterns, depth) and crawler-trap guards.

Offline only: the public-suffix data comes from tldextract's *bundled*
snapshot (``suffix_list_urls=()`` and ``cache_dir=None`` => no download and no
cache file).  PSL *private* domains are honoured, so ``alice.github.io`` and
``bob.github.io`` are different sites (good for scoping blog hosts).
"""

from __future__ import annotations

import ipaddress
import re
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import tldextract

__all__ = [
    "SESSION_PARAMS",
    "Scope",
    "ScopeRules",
    "TrapGuard",
    "normalize_host",
    "registered_domain",
]

_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(),  # never fetch the PSL
    cache_dir=None,  # never read/write a cache directory
    fallback_to_snapshot=True,  # use the snapshot shipped with the package
    include_psl_private_domains=True,
)

_HTTP_SCHEMES = frozenset({"http", "https"})


def normalize_host(host: str) -> str:
    """Lower-case, strip brackets/trailing dot/port-less; IDN -> punycode."""
    h = host.strip().lower().rstrip(".")
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    if h.isascii():
        return h
    try:
        return h.encode("idna").decode("ascii")
    except UnicodeError:
        return h


@lru_cache(maxsize=65536)
def registered_domain(host: str) -> str:
    """eTLD+1 of *host* (``news.bbc.co.uk`` -> ``bbc.co.uk``).

    IP addresses, ``localhost`` and hosts without a known public suffix are
    returned (normalised) as-is.  Cached (LRU, 64k hosts).
    """
    h = normalize_host(host)
    if not h or h == "localhost" or h.endswith(".localhost"):
        return h
    try:
        ipaddress.ip_address(h)
        return h
    except ValueError:
        pass
    ext = _EXTRACT.extract_str(h)
    return ext.top_domain_under_public_suffix or h


# --------------------------------------------------------------------------
# Scope
# --------------------------------------------------------------------------


@dataclass
class ScopeRules:
    """Declarative scope.

    ``allowed_domains``: registered domains or hosts; a URL is on-site when its
    host equals one of them or is a subdomain of one.  An *empty* set means no
    domain restriction (as in Scrapy's ``allowed_domains``).  Use
    :meth:`from_seeds` for the default (registered domains of the seeds).
    ``allow`` / ``deny``: regexes searched in the full URL; deny wins; when
    ``allow`` is non-empty a URL must match one of them.
    ``max_depth``: ``None`` = unlimited; depth > max_depth is rejected.
    """

    allowed_domains: set[str] = field(default_factory=set)
    allow: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)
    max_depth: int | None = None

    @classmethod
    def from_seeds(
        cls,
        seeds: Iterable[str],
        allow: Iterable[str] = (),
        deny: Iterable[str] = (),
        max_depth: int | None = None,
    ) -> ScopeRules:
        domains = set()
        for seed in seeds:
            host = urlsplit(seed.strip()).hostname
            if host:
                domains.add(registered_domain(host))
        return cls(domains, list(allow), list(deny), max_depth)


class Scope:
    """Compiled :class:`ScopeRules`.  ``in_scope`` returns ``(ok, reason)``;
    reason is ``"ok"`` or one of ``"scheme"``, ``"invalid-url"``, ``"off-site"``,
    ``"denied-pattern"``, ``"not-allowed-pattern"``, ``"too-deep"``."""

    def __init__(self, rules: ScopeRules):
        self.rules = rules
        self._domains = frozenset(normalize_host(d).lstrip(".") for d in rules.allowed_domains if d)
        self._allow = [re.compile(p) for p in rules.allow]
        self._deny = [re.compile(p) for p in rules.deny]
        self._max_depth = rules.max_depth

    def _on_site(self, host: str) -> bool:
        if not self._domains:
            return True
        h = normalize_host(host)
        if h in self._domains:
            return True
        i = h.find(".")
        while i != -1:  # walk parent domains: a.b.example.com -> b.example.com -> ...
            if h[i + 1 :] in self._domains:
                return True
            i = h.find(".", i + 1)
        return False

    def denied(self, url: str) -> bool:
        """Whether a ``CRAWLER_DENY`` pattern excludes ``url`` (the one scope rule that
        applies to page resources, which may be hosted anywhere)."""
        return any(rx.search(url) for rx in self._deny)

    def in_scope(self, url: str, depth: int = 0) -> tuple[bool, str]:
        try:
            parts = urlsplit(url.strip())
            host = parts.hostname
        except ValueError:
            return False, "invalid-url"
        if parts.scheme.lower() not in _HTTP_SCHEMES:
            return False, "scheme"
        if not host:
            return False, "invalid-url"
        if not self._on_site(host):
            return False, "off-site"
        for rx in self._deny:
            if rx.search(url):
                return False, "denied-pattern"
        if self._allow and not any(rx.search(url) for rx in self._allow):
            return False, "not-allowed-pattern"
        if self._max_depth is not None and depth > self._max_depth:
            return False, "too-deep"
        return True, "ok"


# --------------------------------------------------------------------------
# TrapGuard
# --------------------------------------------------------------------------

#: Parameter names that are session ids whatever their value.
SESSION_PARAMS = frozenset(
    {
        "jsessionid",
        "phpsessid",
        "aspsessionid",
        "sessionid",
        "session_id",
        "sessid",
        "sess_id",
        "cfid",
        "cftoken",
        "zenid",
        "oscsid",
        "sesskey",
        "s_id",
    }
)
#: Ambiguous names (``sid`` is a *story id* in PHP-Nuke style CMSs): treated as
#: session ids only when the value looks like a random token.
_AMBIGUOUS_SESSION_PARAMS = frozenset({"sid", "session", "sess", "s"})
_TOKEN_RE = re.compile(r"^(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{16,}$")
_PATH_SESSION_RE = re.compile(r";\s*(jsessionid|phpsessid|sid|sessionid)=", re.I)


def _has_session_id(path: str, query: str) -> bool:
    if ";" in path and _PATH_SESSION_RE.search(path):
        return True
    if not query:
        return False
    for kv in query.split("&"):
        name, _, value = kv.partition("=")
        n = unquote(name).strip().lower()
        if n in SESSION_PARAMS or (n.startswith("aspsessionid")):
            return True
        if n in _AMBIGUOUS_SESSION_PARAMS and _TOKEN_RE.match(unquote(value)):
            return True
    return False


class _CountMin:
    """Fixed-memory count-min sketch (conservative update).

    Never under-counts; may over-count on hash collisions, i.e. it can only
    err towards rejecting *earlier*.  With the defaults (4 rows x 2**17
    uint32 counters = 2 MiB) and a few million distinct keys, the expected
    over-count is a handful, far below typical limits.
    """

    __slots__ = ("_rows", "_mask", "_depth")

    def __init__(self, width_bits: int = 17, depth: int = 4):
        width = 1 << width_bits
        self._mask = width - 1
        self._depth = depth
        self._rows = [array("I", bytes(4 * width)) for _ in range(depth)]

    def slots(self, key: str) -> list[int]:
        """Counter positions for *key* (double hashing from one 64-bit hash).

        Python's ``hash`` of a str is salted per process, which is fine: the
        sketch lives only as long as the process.
        """
        h = hash(key) & 0xFFFFFFFFFFFFFFFF
        h1, h2 = h & 0xFFFFFFFF, (h >> 32) | 1
        mask = self._mask
        return [(h1 + i * h2) & mask for i in range(self._depth)]

    def get(self, slots: list[int]) -> int:
        return min(row[s] for row, s in zip(self._rows, slots))

    def add(self, slots: list[int]) -> None:
        new = self.get(slots) + 1
        if new > 0xFFFFFFFF:
            return
        for row, s in zip(self._rows, slots):
            if row[s] < new:
                row[s] = new


class TrapGuard:
    """Stateful crawler-trap guard: call :meth:`check` once per URL you are
    about to schedule (after dedup); accepted URLs are recorded.

    Rejection reasons (counted, see :meth:`counts`):

    ``url-too-long``, ``invalid-url``, ``session-id`` (jsessionid, PHPSESSID,
    ... in query or ``;path`` params; ``sid``/``s`` only with token-like
    values), ``path-too-deep`` (> ``max_path_depth`` non-empty segments),
    ``repeated-segments`` (one segment occurring more than
    ``max_repeated_segments`` times: ``/a/a/a/``, ``/x/y/x/y/x/y/``),
    ``host-page-limit`` (> ``max_pages_per_host`` accepted),
    ``host-table-full`` (more than ``max_tracked_hosts`` distinct hosts),
    ``too-many-query-variants`` (> ``max_query_variants`` accepted URLs with a
    query string for one host+path: calendars, facets, session variants).

    Memory is bounded by design:

    * per host: an exact ``dict`` capped at ``max_tracked_hosts`` entries;
      once full, URLs on *new* hosts are rejected (``host-table-full``).
      News crawls are scoped to few hosts, so the cap is never hit in
      practice, and a runaway broad crawl cannot grow memory.
    * per host+path query variants: a fixed-size count-min sketch (2 MiB by
      default), so any number of paths costs no extra memory.  It never
      under-counts, so a trap is always stopped; rare collisions can only
      stop a path a little early.

    Note: the query-variant rule counts every accepted URL *with a query*
    for a host+path (duplicates are expected to be filtered upstream).
    Sites serving articles as ``/article.php?id=N`` need a higher
    ``max_query_variants`` (or ``None`` to disable the rule).
    """

    def __init__(
        self,
        max_url_length: int = 2048,
        max_repeated_segments: int = 2,
        max_path_depth: int = 16,
        max_query_variants: int | None = 50,
        max_pages_per_host: int | None = 50000,
        max_tracked_hosts: int = 100_000,
        sketch_width_bits: int = 17,
    ):
        self.max_url_length = max_url_length
        self.max_repeated_segments = max_repeated_segments
        self.max_path_depth = max_path_depth
        self.max_query_variants = max_query_variants
        self.max_pages_per_host = max_pages_per_host
        self.max_tracked_hosts = max_tracked_hosts
        self._hosts: dict[str, int] = {}
        self._variants = _CountMin(sketch_width_bits) if max_query_variants is not None else None
        self._rejected: Counter[str] = Counter()
        self.accepted = 0

    def _reject(self, reason: str) -> tuple[bool, str]:
        self._rejected[reason] += 1
        return False, reason

    def check(self, url: str) -> tuple[bool, str]:
        """``(True, "ok")`` and record the URL, or ``(False, reason)``."""
        if len(url) > self.max_url_length:
            return self._reject("url-too-long")
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            return self._reject("invalid-url")
        if not host:
            return self._reject("invalid-url")
        path, query = parts.path, parts.query
        if _has_session_id(path, query):
            return self._reject("session-id")

        segments = [s for s in path.split("/") if s]
        if len(segments) > self.max_path_depth:
            return self._reject("path-too-deep")
        if len(segments) > self.max_repeated_segments:
            seen: dict[str, int] = {}
            limit = self.max_repeated_segments
            for seg in segments:
                c = seen.get(seg, 0) + 1
                if c > limit:
                    return self._reject("repeated-segments")
                seen[seg] = c

        host_count = self._hosts.get(host)
        if host_count is None:
            if len(self._hosts) >= self.max_tracked_hosts:
                return self._reject("host-table-full")
            host_count = 0
        if self.max_pages_per_host is not None and host_count >= self.max_pages_per_host:
            return self._reject("host-page-limit")

        slots = None
        if query and self._variants is not None:
            slots = self._variants.slots(f"{host}\x00{path}")
            if self._variants.get(slots) >= self.max_query_variants:  # type: ignore[operator]
                return self._reject("too-many-query-variants")

        # accepted: record
        self._hosts[host] = host_count + 1
        if slots is not None:
            self._variants.add(slots)  # type: ignore[union-attr]
        self.accepted += 1
        return True, "ok"

    def counts(self) -> dict[str, int]:
        """Rejections by reason (for the crawl summary)."""
        return dict(self._rejected)

    def host_counts(self) -> dict[str, int]:
        """Accepted URLs per host (copy)."""
        return dict(self._hosts)
