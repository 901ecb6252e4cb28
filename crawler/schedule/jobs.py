"""Crawl jobs: TOML files (``settings/jobs/<name>.toml``) validated with pydantic.

A job says *what* to crawl (seeds, scope, limits, politeness), *where* the results go
(``store``) and optionally *when* (``[schedule]``).  :func:`load_job` reads and checks
a file; every problem is reported with the file and the dotted key, e.g.::

    settings/jobs/x.toml: discovery.depht: unknown key (did you mean 'depth'?)

:meth:`Job.to_overrides` turns the job into the setting names of
:mod:`crawler.defaults`, the same dictionary ``crawler crawl`` builds from its flags.

Relative paths: ``seeds_file`` is relative to the job file's folder; ``store`` (a
folder path or ``file://`` URI, ``${VAR}`` / ``${VAR:-default}`` expanded from the
environment) is relative to the working directory, like ``crawler crawl --store``.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from crawler import __version__

#: Where ``load_job("demo")`` looks: ``<repo>/settings/jobs``.
JOBS_DIR = Path(__file__).resolve().parents[2] / "settings" / "jobs"

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SETTING_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class JobError(ValueError):
    """A job file is missing, unreadable or invalid.  ``str()`` is the full report."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


# -- small parsers -------------------------------------------------------------------
def parse_duration(text: str) -> timedelta:
    """``"15m"``, ``"1h"``, ``"2d"``, ``"1h30m"``, ``"45s"``, ``"1w"`` -> timedelta."""
    raw = str(text).strip().lower()
    pos, total = 0, 0.0
    for m in _DURATION_RE.finditer(raw):
        if raw[pos:m.start()].strip():
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if not raw or pos == 0 or raw[pos:].strip():
        raise ValueError(f"bad duration {text!r} (expected e.g. '45s', '15m', '1h', '2d', '1h30m')")
    return timedelta(seconds=total)


def _check_since(value: str) -> str:
    v = value.strip()
    if v[-1:] in ("d", "h") and v[:-1].isdigit():
        return v
    try:
        datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"bad value {value!r} (expected '2d', '12h' or an ISO date like '2026-11-01')") from None
    return v


def expand_env(text: str) -> str:
    """Expand ``${VAR}`` and ``${VAR:-default}``; an unset variable without default is an error."""
    def sub(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        value = os.environ.get(name)
        if value is None or (value == "" and default is not None):
            if default is None:
                raise ValueError(f"environment variable {name} is not set (use ${{{name}:-default}} for a default)")
            return default
        return value

    return _ENV_RE.sub(sub, text)


def _regex_list(values: list[str]) -> list[str]:
    for i, pattern in enumerate(values):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"item {i}: invalid regular expression {pattern!r}: {exc}") from None
    return values


# -- models --------------------------------------------------------------------------
class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Discovery(_Section):
    sitemaps: bool | None = None
    feeds: bool | None = None
    follow_links: bool | None = None
    depth: int | None = Field(None, ge=-1, description="link hops from a seed; -1 = unlimited")
    allow: list[str] | None = None
    deny: list[str] | None = None
    sitemap_since: str | None = None

    @field_validator("allow", "deny")
    @classmethod
    def _regexes(cls, v: list[str] | None) -> list[str] | None:
        return v if v is None else _regex_list(v)

    @field_validator("sitemap_since")
    @classmethod
    def _since(cls, v: str | None) -> str | None:
        return None if v is None else _check_since(v)


class Limits(_Section):
    max_pages: int | None = Field(None, ge=0)
    max_pages_per_host: int | None = Field(None, ge=0)
    download_maxsize: int | None = Field(None, ge=0, description="bytes; 0 = no limit")
    timeout: float | None = Field(None, gt=0, description="seconds per download")


class Resources(_Section):
    """Page resources (stylesheets, images, scripts, fonts, icons of each archived page)."""

    enabled: bool | None = None
    max_per_page: int | None = Field(None, ge=0, description="resources per page; 0 = no limit")
    max_size: int | None = Field(None, ge=0, description="bytes per resource; 0 = no limit")


class Politeness(_Section):
    concurrency_per_host: int | None = Field(None, ge=1)
    delay: float | None = Field(None, ge=0)
    autothrottle: bool | None = None
    obey_robots: bool | None = None
    user_agent: str | None = None
    contact_url: str | None = None

    @field_validator("contact_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^(https?://|mailto:)\S+$", v):
            raise ValueError(f"expected an http(s):// or mailto: URL, got {v!r}")
        return v


class Schedule(_Section):
    cron: str | None = None
    every: str | None = None
    timezone: str = "UTC"
    missed: Literal["skip", "run_once"] = "run_once"

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from croniter import croniter

        if not croniter.is_valid(v):
            raise ValueError(f"invalid cron expression {v!r} (expected 5 fields: "
                             "minute hour day-of-month month day-of-week, e.g. '0 * * * *')")
        return v

    @field_validator("every")
    @classmethod
    def _every(cls, v: str | None) -> str | None:
        if v is not None and parse_duration(v).total_seconds() < 1:
            raise ValueError("interval must be at least 1s")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (expected an IANA name such as "
                             "'UTC' or 'Europe/Paris')") from None
        return v

    @model_validator(mode="after")
    def _one_of(self) -> Schedule:
        if self.cron and self.every:
            raise ValueError("give either cron or every, not both")
        if not self.cron and not self.every:
            raise ValueError("needs cron = \"...\" or every = \"...\"")
        return self

    # -- helpers used by the scheduler
    @property
    def interval(self) -> timedelta | None:
        return parse_duration(self.every) if self.every else None

    def describe(self) -> str:
        if self.every:
            return f"every {self.every}"
        return f"cron '{self.cron}'" + ("" if self.timezone == "UTC" else f" ({self.timezone})")

    def next_after(self, when: datetime, anchor: datetime | None = None) -> datetime:
        """The first due time strictly after ``when`` (aware, UTC).

        Intervals are anchored on ``anchor`` (the last start) when given, so a skipped
        slot keeps the rhythm: anchor + k * interval."""
        when = _aware(when)
        if self.every:
            step = self.interval.total_seconds()  # type: ignore[union-attr]
            if anchor is None:
                return when + timedelta(seconds=step)
            anchor = _aware(anchor)
            k = max(1, math.floor((when - anchor).total_seconds() / step) + 1)
            return anchor + timedelta(seconds=k * step)
        from zoneinfo import ZoneInfo

        from croniter import croniter

        local = when.astimezone(ZoneInfo(self.timezone))
        nxt = croniter(self.cron, local).get_next(datetime)
        return nxt.astimezone(timezone.utc)


class Recrawl(_Section):
    refetch_younger_than: str | None = None

    @field_validator("refetch_younger_than")
    @classmethod
    def _dur(cls, v: str | None) -> str | None:
        if v is not None:
            parse_duration(v)
        return v


class Browser(_Section):
    """``[browser]``: render pages in headless Chromium (``crawler crawl --browser``)."""

    enabled: bool | None = None
    page_timeout: float | None = Field(None, gt=0, description="seconds for a page to load and settle")
    pages_per_browser: int | None = Field(None, ge=1, description="restart Chromium after this many pages")
    max_memory_mb: int | None = Field(None, ge=64, description="restart Chromium above this resident memory")
    concurrency: int | None = Field(None, ge=1, description="pages rendered at once")
    screenshot: bool | None = None


class Job(_Section):
    name: str
    seeds: list[str] = Field(default_factory=list)
    seeds_file: str | None = None
    store: str = "./archive"
    discovery: Discovery = Field(default_factory=Discovery)
    limits: Limits = Field(default_factory=Limits)
    politeness: Politeness = Field(default_factory=Politeness)
    schedule: Schedule | None = None
    recrawl: Recrawl = Field(default_factory=Recrawl)
    resources: Resources = Field(default_factory=Resources)
    browser: Browser = Field(default_factory=Browser)
    settings: dict[str, Any] = Field(default_factory=dict)

    _path: Path | None = PrivateAttr(default=None)
    #: Problems that do not stop the job (an unknown setting name), ``file: key: message``.
    _warnings: list[str] = PrivateAttr(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return self._warnings

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME_RE.match(v):
            raise ValueError(f"invalid job name {v!r} (letters, digits, '.', '_' and '-' only)")
        return v

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v: list[str]) -> list[str]:
        from crawler.discovery.urls import normalize_seed

        out = []
        for i, seed in enumerate(v):
            seed = seed.strip()
            try:
                normalize_seed(seed)
            except ValueError as exc:
                raise ValueError(f"item {i}: {seed!r}: {exc}") from None
            out.append(seed)
        return out

    @field_validator("store")
    @classmethod
    def _store(cls, v: str) -> str:
        v = expand_env(v)
        if not v:
            raise ValueError("empty store")
        return v

    @field_validator("settings")
    @classmethod
    def _settings(cls, v: dict[str, Any]) -> dict[str, Any]:
        from crawler.settingcheck import SettingError, check_value

        problems = []
        for key, value in v.items():
            if not _SETTING_RE.match(key):
                problems.append(f"{key!r}: setting names are upper case, e.g. DOWNLOAD_DELAY")
                continue
            try:
                check_value(key, value)
            except SettingError as exc:
                problems.append(f"{key}: {exc}")
        if "CRAWLER_CRAWL_ID" in v:
            from crawler.crawlid import CrawlIdError, check_crawl_id

            try:
                check_crawl_id(v["CRAWLER_CRAWL_ID"], "CRAWLER_CRAWL_ID")
            except CrawlIdError as exc:
                problems.append(str(exc))
        if problems:
            raise ValueError("; ".join(problems))
        return v

    @model_validator(mode="after")
    def _need_seeds(self) -> Job:
        if not self.seeds and not self.seeds_file:
            raise ValueError("no seeds: give seeds = [\"https://...\"] and/or seeds_file = \"seeds.txt\"")
        return self

    # -- accessors ---------------------------------------------------------------------
    @property
    def path(self) -> Path | None:
        """The TOML file the job was loaded from (None for jobs built in code)."""
        return self._path

    def seeds_file_path(self) -> Path | None:
        if not self.seeds_file:
            return None
        p = Path(self.seeds_file).expanduser()
        if not p.is_absolute() and self._path is not None:
            p = self._path.parent / p
        return p

    def seeds_list(self) -> list[str]:
        """``seeds`` followed by the lines of ``seeds_file`` (blank lines and # comments skipped)."""
        seeds = list(self.seeds)
        f = self.seeds_file_path()
        if f is not None:
            for line in f.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    seeds.append(line)
        return seeds

    def to_overrides(self) -> dict[str, Any]:
        """The job as crawler setting overrides (names of :mod:`crawler.defaults`).

        Only keys set in the file appear (plus CRAWLER_STORE); ``[settings]`` is applied
        last and wins."""
        d, lim, pol, rc = self.discovery, self.limits, self.politeness, self.recrawl
        out: dict[str, Any] = {"CRAWLER_STORE": self.store}
        pairs: list[tuple[str, Any]] = [
            ("CRAWLER_SITEMAPS", d.sitemaps), ("CRAWLER_FEEDS", d.feeds),
            ("CRAWLER_FOLLOW_LINKS", d.follow_links), ("CRAWLER_MAX_DEPTH", d.depth),
            ("CRAWLER_ALLOW", d.allow), ("CRAWLER_DENY", d.deny),
            ("CRAWLER_SITEMAP_SINCE", d.sitemap_since),
            ("CRAWLER_MAX_PAGES", lim.max_pages), ("CRAWLER_MAX_PAGES_PER_HOST", lim.max_pages_per_host),
            ("DOWNLOAD_MAXSIZE", lim.download_maxsize), ("DOWNLOAD_TIMEOUT", lim.timeout),
            ("CONCURRENT_REQUESTS_PER_DOMAIN", pol.concurrency_per_host), ("DOWNLOAD_DELAY", pol.delay),
            ("AUTOTHROTTLE_ENABLED", pol.autothrottle), ("ROBOTSTXT_OBEY", pol.obey_robots),
            ("CRAWLER_CONTACT_URL", pol.contact_url),
            ("CRAWLER_RECRAWL_YOUNGER_THAN", rc.refetch_younger_than),
            ("CRAWLER_RESOURCES", self.resources.enabled),
            ("CRAWLER_RESOURCES_MAX_PER_PAGE", self.resources.max_per_page),
            ("CRAWLER_RESOURCES_MAX_SIZE", self.resources.max_size),
            ("CRAWLER_BROWSER", self.browser.enabled),
            ("CRAWLER_BROWSER_PAGE_TIMEOUT", self.browser.page_timeout),
            ("CRAWLER_BROWSER_PAGES_PER_BROWSER", self.browser.pages_per_browser),
            ("CRAWLER_BROWSER_MAX_RSS_MB", self.browser.max_memory_mb),
            ("CRAWLER_BROWSER_CONCURRENCY", self.browser.concurrency),
            ("CRAWLER_BROWSER_SCREENSHOT", self.browser.screenshot),
        ]
        for key, value in pairs:
            if value is not None:
                out[key] = value
        if pol.user_agent:
            out["USER_AGENT"] = pol.user_agent
        elif pol.contact_url:
            out["USER_AGENT"] = f"newsarchiver/{__version__} (+{pol.contact_url})"
        out.update(self.settings)
        return out


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


# -- loading -------------------------------------------------------------------------
def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _fields_of(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Known keys of the (sub)model that ``loc`` points into."""
    current: Any = model
    for part in loc[:-1]:
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        ann = field.annotation
        for cand in (ann, *getattr(ann, "__args__", ())):
            if isinstance(cand, type) and issubclass(cand, BaseModel):
                current = cand
                break
        else:
            return []
    return list(getattr(current, "model_fields", {}))


def _problems(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        where = ".".join(str(p) for p in loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            known = _fields_of(Job, loc)
            close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else (
                f" (known keys: {', '.join(known)})" if known else "")
            msg = f"unknown key{hint}"
        elif kind == "missing":
            msg = "required key is missing"
        else:
            msg = err["msg"]
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, "):]
            if "input" in err and kind not in ("value_error", "assertion_error") and not isinstance(
                    err["input"], (dict, list)):
                msg += f" (got {err['input']!r})"
        problems.append(f"{where}: {msg}" if where else msg)
    return problems


def resolve_job_path(path_or_name: str | os.PathLike[str], jobs_dir: Path | None = None) -> Path:
    """``demo`` -> ``<jobs_dir>/demo.toml``; an existing path is used as is."""
    jobs_dir = Path(jobs_dir) if jobs_dir is not None else JOBS_DIR
    text = os.fspath(path_or_name)
    p = Path(text).expanduser()
    if p.is_file():
        return p
    if "/" not in text and os.sep not in text:
        for cand in (jobs_dir / text, jobs_dir / f"{text}.toml"):
            if cand.is_file():
                return cand
    known = sorted(f.stem for f in jobs_dir.glob("*.toml")) if jobs_dir.is_dir() else []
    hint = f" (jobs in {_display(jobs_dir)}: {', '.join(known)})" if known else ""
    raise JobError(text, [f"no such job file or job name{hint}"])


def load_job(path_or_name: str | os.PathLike[str], jobs_dir: Path | None = None) -> Job:
    """Read and validate a job file (or a job name in ``jobs_dir``); raises :class:`JobError`."""
    path = resolve_job_path(path_or_name, jobs_dir)
    source = _display(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise JobError(source, [f"invalid TOML: {exc}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise JobError(source, [f"cannot read: {exc}"]) from None
    data.setdefault("name", path.stem)
    try:
        job = Job.model_validate(data)
    except ValidationError as exc:
        raise JobError(source, _problems(exc)) from None
    job._path = path.resolve()
    sf = job.seeds_file_path()
    if sf is not None and not sf.is_file():
        raise JobError(source, [f"seeds_file: no such file {sf}"])
    from crawler.settingcheck import unknown_setting_warning

    for key in job.settings:
        warning = unknown_setting_warning(key)
        if warning:
            job.warnings.append(f"{source}: settings.{key}: {warning}")
    return job


def list_job_files(jobs_dir: Path | None = None) -> list[Path]:
    jobs_dir = Path(jobs_dir) if jobs_dir is not None else JOBS_DIR
    return sorted(jobs_dir.glob("*.toml")) if jobs_dir.is_dir() else []


__all__ = ["Job", "JobError", "Browser", "Discovery", "Limits", "Politeness", "Schedule", "Recrawl",
           "load_job", "resolve_job_path", "list_job_files", "parse_duration", "expand_env", "JOBS_DIR"]
