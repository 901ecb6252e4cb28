"""SSRF guard: refuse private, loopback, link-local, multicast and reserved targets.

Two checks, both lifted by ``--allow-private`` (``CRAWLER_ALLOW_PRIVATE``); networks
listed in ``CRAWLER_ALLOWED_NETWORKS`` (CIDRs, e.g. an intranet news server) pass too:

* :class:`NetGuardMiddleware` refuses URLs whose host is an IP literal or a
  ``localhost`` name in a forbidden range, before anything is sent;
* the recording HTTP protocol (``crawler.archive.capture``) checks the *connected
  peer address* — i.e. after DNS resolution, on every request including each
  redirect hop, and immune to DNS rebinding — and aborts before a single request
  byte is written.

The opposite switch, ``CRAWLER_LOOPBACK_ONLY`` (or ``$NEWSARCHIVER_LOOPBACK_ONLY=1``, which
the test suite sets), refuses by name every host that is not ``localhost`` or a ``127.x``
literal, before any DNS lookup (stats ``netguard/refused/non_loopback``): tests, demos and
benches on a machine that must never contact another address.  ``--allow-private`` does
not lift it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)


class BlockedAddressError(IgnoreRequest):
    """The target resolves to an address the SSRF guard refuses."""


def parse_networks(values: Any) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(v, strict=False) for v in values or ())


def forbidden_reason(address: str, allowed: tuple = ()) -> str | None:
    """Why ``address`` must not be contacted, or ``None`` when it is a public address
    (or inside one of the explicitly ``allowed`` networks)."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in net for net in allowed if net.version == ip.version):
        return None
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "reserved"
    return None


LOOPBACK_ONLY_ENV = "NEWSARCHIVER_LOOPBACK_ONLY"


def loopback_only(settings: Any = None) -> bool:
    """Whether only loopback targets may be contacted (the setting, or the environment)."""
    if settings is not None and settings.getbool("CRAWLER_LOOPBACK_ONLY"):
        return True
    return os.environ.get(LOOPBACK_ONLY_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def is_loopback_name(host: str) -> bool:
    """``localhost`` (and ``*.localhost``) or a loopback IP literal -- decided without DNS."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def blocked_message(host: str, address: str, reason: str) -> str:
    where = host if host == address else f"{host} ({address})"
    return f"refused to connect to {reason} address {where}; pass --allow-private to allow it"


class NetGuardMiddleware:
    """Refuses literal private/loopback targets early (no connection attempt)."""

    def __init__(self, crawler: Any):
        self.allow_private = crawler.settings.getbool("CRAWLER_ALLOW_PRIVATE")
        self.allowed = parse_networks(crawler.settings.getlist("CRAWLER_ALLOWED_NETWORKS"))
        self.stats = crawler.stats
        self.loopback_only = loopback_only(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Any) -> NetGuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Any) -> None:
        if self.loopback_only:
            host = urlparse_cached(request).hostname or ""
            if not is_loopback_name(host):
                self.stats.inc_value("netguard/refused/non_loopback")
                msg = f"refused to contact non-loopback host {host} (loopback-only mode: {LOOPBACK_ONLY_ENV})"
                logger.info("%s: %s", request.url, msg)
                raise BlockedAddressError(msg)
        if self.allow_private:
            return None
        host = (urlparse_cached(request).hostname or "").lower()
        reason = forbidden_reason(host, self.allowed)
        if reason is None and (host == "localhost" or host.endswith(".localhost")):
            reason = "loopback"
        if reason:
            self.stats.inc_value(f"netguard/blocked/{reason}")
            msg = blocked_message(host, host, reason)
            # a refused seed is reported once, with the crawl's outcome (crawler.outcome)
            seed = request.meta.get("source") == "seed"
            logger.log(logging.INFO if seed else logging.WARNING, "%s: %s", request.url, msg)
            raise BlockedAddressError(msg)
        return None
