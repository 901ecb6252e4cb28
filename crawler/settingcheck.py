"""Checks of setting overrides (``-s NAME=VALUE``, a job's ``[settings]``) before a crawl
starts: a wrong type or value is an error (exit 2, one line, before anything runs), an
unknown name a warning naming the nearest known setting (a typo like ``DOWNLOAD_DELAU``
would otherwise be ignored silently).

Known names: Scrapy's default settings, :mod:`crawler.defaults`, and the few settings the
crawler reads without a default (:data:`EXTRA_SETTINGS`).  ``tests/test_settingcheck.py``
checks that every setting the code reads is known here.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any, Callable

#: Settings read by the crawler (or common extensions) that have no entry in
#: :mod:`crawler.defaults`: set internally, or optional.
EXTRA_SETTINGS = frozenset({
    "CRAWLER_CRAWL_ID", "CRAWLER_SEEDS_FILE", "CRAWLER_OBEY_NOFOLLOW", "CRAWLER_PROGRESS",
    "CRAWLER_ARCHIVE_STORE", "CRAWLER_ARCHIVE_CRAWL", "CRAWLER_ARCHIVE_TIMESTAMP",
    "CRAWLER_RECOVER_SPOOL", "CRAWLER_WORKER_INDEX", "CRAWLER_DUPEFILTER_LOCAL_MAX",
    "CRAWLER_GLOBAL_LIMIT_POLL", "CRAWLER_WORKER_STATS_INTERVAL", "CRAWLER_METRICS_INTERVAL",
    "JOBDIR",
    # scrapy-redis
    "REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_PARAMS", "REDIS_START_URLS_KEY",
    "REDIS_START_URLS_AS_SET", "REDIS_ITEMS_KEY", "REDIS_ITEMS_SERIALIZER", "REDIS_ENCODING",
    "SCHEDULER_PERSIST", "SCHEDULER_QUEUE_KEY", "SCHEDULER_QUEUE_CLASS", "SCHEDULER_DUPEFILTER_KEY",
    "SCHEDULER_DUPEFILTER_CLASS", "SCHEDULER_FLUSH_ON_START", "SCHEDULER_IDLE_BEFORE_CLOSE",
    "SCHEDULER_SERIALIZER", "DUPEFILTER_KEY", "DUPEFILTER_DEBUG",
})


class SettingError(ValueError):
    """A setting override with a value of the wrong type or out of range."""


@functools.lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    import scrapy.settings.default_settings as scrapy_defaults

    from crawler import defaults

    out: dict[str, Any] = {}
    for module in (scrapy_defaults, defaults):
        out.update({k: getattr(module, k) for k in dir(module) if k.isupper() and not k.startswith("_")})
    return out


def known_settings() -> frozenset[str]:
    return frozenset(_defaults()) | EXTRA_SETTINGS


def suggest(name: str) -> str | None:
    """The known setting nearest to ``name`` (difflib), or None."""
    close = difflib.get_close_matches(name.upper(), sorted(known_settings()), n=1, cutoff=0.75)
    return close[0] if close else None


def unknown_setting_warning(name: str) -> str | None:
    """``"unknown setting (did you mean 'X'?)"`` for a name no component reads, else None."""
    if name in known_settings():
        return None
    near = suggest(name)
    return "unknown setting" + (f" (did you mean '{near}'?)" if near else
                                " (not a Scrapy or crawler setting; ignored unless an extension reads it)")


# -- value checks ------------------------------------------------------------------------
def _since(value: Any) -> None:
    from crawler.discovery.window import parse_since

    try:
        parse_since(str(value))
    except (ValueError, IndexError):
        raise SettingError(f"not a time window ('2d', '12h') or ISO date: {value!r}") from None


def _duration(value: Any) -> None:
    from crawler.dedup.service import parse_duration  # what the crawl reads them with

    try:
        parse_duration(value)
    except ValueError:
        raise SettingError(f"not a duration ('30m', '2d'): {value!r}") from None


def _choice(*choices: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value not in choices:
            raise SettingError(f"must be one of {', '.join(repr(c) for c in choices)}, not {value!r}")
    return check


def _at_least(low: float) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if float(value) < low:
            raise SettingError(f"must be >= {low:g}, not {value!r}")
    return check


def _near_dups(value: Any) -> None:
    if value not in ("mark", "suppress", "off", False, None):
        raise SettingError(f"must be 'mark', 'suppress' or 'off', not {value!r}")


#: Value rules beyond the type of the default.
RULES: dict[str, Callable[[Any], None]] = {
    "CRAWLER_SITEMAP_SINCE": _since,
    "CRAWLER_RECRAWL_YOUNGER_THAN": _duration,
    "CRAWLER_RECRAWL_MIN_AGE": _duration,
    "CRAWLER_MAX_PAGES": _at_least(0),
    "CRAWLER_MAX_DEPTH": _at_least(-1),
    "CRAWLER_MAX_PAGES_PER_HOST": _at_least(1),
    "CRAWLER_MAX_LINKS_PER_PAGE": _at_least(0),
    "DOWNLOAD_DELAY": _at_least(0),
    "DOWNLOAD_TIMEOUT": _at_least(0),
    "CONCURRENT_REQUESTS": _at_least(1),
    "CONCURRENT_REQUESTS_PER_DOMAIN": _at_least(1),
    "WARC_MAX_SIZE": _at_least(1),
    "WARC_GZIP_LEVEL": lambda v: _choice(*range(10))(int(v)),
    "WARC_DIGEST_ALGORITHM": _choice("sha1", "sha256"),
    "WARC_CHUNKED_PAYLOAD_DIGEST": _choice("stored", "entity"),
    "DEDUP_NEAR_DUPLICATES": _near_dups,
}


def _typed(default: Any, value: Any) -> None:
    """Raise SettingError when ``value`` cannot be read as the type of ``default``
    (with Scrapy's own getters, so what passes here is what the crawl will read)."""
    from scrapy.settings import BaseSettings

    s = BaseSettings({"X": value})
    try:
        if isinstance(default, bool):
            s.getbool("X")
        elif isinstance(default, int):
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            s.getint("X")
        elif isinstance(default, float):
            s.getfloat("X")
        elif isinstance(default, (list, tuple)):
            s.getlist("X")
        elif isinstance(default, dict):
            s.getdict("X")
        else:
            return
    except (ValueError, TypeError):
        kind = ("true/false" if isinstance(default, bool) else "a whole number" if isinstance(default, int)
                else "a number" if isinstance(default, float) else
                "a list" if isinstance(default, (list, tuple)) else "a JSON object")
        raise SettingError(f"expected {kind}, got {value!r}") from None


def check_value(name: str, value: Any) -> None:
    """Raise :class:`SettingError` (message without the name) for a bad value of ``name``."""
    if value is None:
        return
    default = _defaults().get(name)
    if default is not None:
        _typed(default, value)
    rule = RULES.get(name)
    if rule is not None:
        try:
            rule(value)
        except SettingError:
            raise
        except (ValueError, TypeError):
            raise SettingError(f"invalid value {value!r}") from None


def check_overrides(overrides: dict[str, Any], source: Callable[[str], str] | None = None
                    ) -> tuple[list[str], list[str]]:
    """(errors, warnings) for setting overrides; each message starts with ``source(name)``
    (default ``NAME``)."""
    where = source or (lambda name: name)
    errors: list[str] = []
    warnings: list[str] = []
    for name, value in overrides.items():
        try:
            check_value(name, value)
        except SettingError as exc:
            errors.append(f"{where(name)}: {exc}")
        warning = unknown_setting_warning(name)
        if warning:
            warnings.append(f"{where(name)}: {warning}")
    return errors, warnings


__all__ = ["SettingError", "check_overrides", "check_value", "known_settings", "suggest",
           "unknown_setting_warning", "EXTRA_SETTINGS"]
