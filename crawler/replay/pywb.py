"""Replay the store's WARCs in a browser with pywb.

:class:`ReplayServer` writes a pywb configuration into a work folder and runs pywb's
``wayback`` server from the tools venv (:mod:`crawler.tools`; pywb is never
imported into the crawler's own environment) as a subprocess bound to
``127.0.0.1``.

Work folder layout::

    config.yaml        one collection (``archive``): index_paths + archive_paths
    indexes/           one CDXJ per WARC: a symlink to the store's index file
                       (local store), a downloaded copy (remote store), or built
                       here when the store has none for that WARC
    warc-paths.txt     sorted ``<warc name>\\t<location>`` lines (pywb's
                       PathIndexResolver): the WARC file in the store folder
                       (local store: nothing is copied), else a URL / cached copy
    wayback.log        pywb's output

Remote stores (S3, later): :meth:`ReplayServer._warc_location` is the one place
to change.  pywb reads ``s3://bucket/key`` archive paths itself when ``boto3``
is installed in the tools venv (``ensure_tools_venv(DEFAULT_PACKAGES +
("boto3",))``) and ``http(s)://`` URLs (e.g. presigned) natively; the generic
fallback here downloads the WARC into ``<work>/cache/``.

Replay URLs: ``http://127.0.0.1:<port>/archive/<timestamp><mode>/<url>``; mode
``""`` is framed replay with pywb's banner, ``"mp_"`` the rewritten page itself,
``"id_"`` the archived payload as is (no rewriting; pywb removes the chunked
transfer coding, and keeps a gzip/br Content-Encoding body encoded).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import errno
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

from crawler.archive.cdxj import (LocalCopy, index_warc, parse_line, read_index_lines,
                                  split_warc_key, warc_keys)
from crawler.clierror import cli_error
from crawler.storage import layout
from crawler.tools import DEFAULT_PACKAGES, ensure_tools_venv, tool_path

logger = logging.getLogger(__name__)

COLLECTION = "archive"
LOOPBACK = "127.0.0.1"
HTML_MIMES = ("text/html", "application/xhtml+xml")


class ReplayError(RuntimeError):
    pass


class PortInUse(ReplayError):
    """The port asked for is taken (checked before pywb starts, and pywb's own bind)."""


def check_port_free(host: str, port: int) -> None:
    """PortInUse when something listens on ``host:port`` (a bind fails) -- checked
    before pywb starts, so the error is one clear line, not pywb's traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as pywb's server does
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                what = "already in use" if exc.errno == errno.EADDRINUSE else "not allowed (privileged)"
                raise PortInUse(f"port {port} on {host} is {what}: choose another with --port "
                                f"(--port 0: any free port)") from None
            raise ReplayError(f"cannot bind {host}:{port}: {exc.strerror or exc}") from None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: SIGTERM the pywb child when its parent dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port(host: str = LOOPBACK) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _yaml_str(value: str) -> str:
    return json.dumps(value)  # JSON strings are valid YAML scalars


class ReplayServer:
    """pywb serving a store's WARCs (one crawl or all).

    ::

        with ReplayServer(store) as rs:
            urllib.request.urlopen(rs.url_for("http://example.com/", mode="id_"))
    """

    def __init__(self, store, crawl_id: str | None = None, *, port: int | None = None,
                 host: str = LOOPBACK, workdir: Path | None = None,
                 collection: str = COLLECTION, startup_timeout: float = 90.0,
                 tools_packages: tuple[str, ...] = DEFAULT_PACKAGES):
        self.store = store
        self.crawl_id = crawl_id
        self.host = host
        self.port = port or 0
        self.collection = collection
        self.startup_timeout = startup_timeout
        self.tools_packages = tools_packages
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir else None
        self.proc: subprocess.Popen | None = None
        self.warc_count = 0
        self.index_count = 0

    # -- configuration ---------------------------------------------------------------
    def prepare(self) -> Path:
        """Write the collection config; returns the work folder."""
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="newsarchiver-replay-"))
        work = self.workdir
        idx_dir = work / "indexes"
        if idx_dir.exists():
            shutil.rmtree(idx_dir)
        idx_dir.mkdir(parents=True)
        paths: list[tuple[str, str]] = []
        keys = warc_keys(self.store, self.crawl_id)
        if not keys:
            what = f"crawl {self.crawl_id}" if self.crawl_id else "the store"
            raise ReplayError(f"no WARC files in {what} ({self.store.uri})")
        for n, key in enumerate(keys):
            cid, name = split_warc_key(key)
            paths.append((name, self._warc_location(key)))
            self._place_index(key, cid, name, idx_dir / f"{n:05d}-{name}.cdxj")
        self.warc_count = len(keys)
        self.index_count = len(keys)
        paths.sort()
        (work / "warc-paths.txt").write_text(
            "".join(f"{name}\t{loc}\n" for name, loc in paths), encoding="utf-8")
        config = "\n".join([
            "# written by newsarchiver (crawler.replay.pywb)",
            "collections:",
            f"  {self.collection}:",
            f"    index_paths: {_yaml_str(str(idx_dir))}",
            f"    archive_paths: {_yaml_str(str(work / 'warc-paths.txt'))}",
            "enable_memento: true",
            "framed_replay: true",
            "",
        ])
        (work / "config.yaml").write_text(config, encoding="utf-8")
        return work

    def _warc_location(self, key: str) -> str:
        """Where pywb reads a WARC: the store's own file when local, else a copy in
        the work folder's cache.  (S3: return ``s3://bucket/<key>`` here instead
        and install boto3 in the tools venv.)"""
        path = self.store.local_path(key)
        if path is not None and Path(path).is_file():
            return str(Path(path).resolve())
        assert self.workdir is not None
        cache = self.workdir / "cache" / key
        if not cache.exists():
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_name(cache.name + ".part")
            with self.store.open_read(key) as src, open(tmp, "wb") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)
            os.replace(tmp, cache)
        return str(cache)

    def _place_index(self, warc_key: str, crawl_id: str, name: str, dest: Path) -> None:
        ikey = layout.index_key(crawl_id, name)
        if self.store.exists(ikey):
            src = self.store.local_path(ikey)
            if src is not None and Path(src).is_file():
                try:
                    dest.symlink_to(Path(src).resolve())
                    return
                except OSError:
                    shutil.copyfile(src, dest)
                    return
            with self.store.open_read(ikey) as fh, open(dest, "wb") as out:
                shutil.copyfileobj(fh, out, 1024 * 1024)
            return
        # No index stored for this WARC (crawl made before indexing was wired, or
        # interrupted): index it now, into the work folder only.
        logger.info("no CDXJ stored for %s: indexing it for this replay session", warc_key)
        with LocalCopy(self.store, warc_key) as warc:
            lines = index_warc(warc, filename=name)
        dest.write_text("".join(lines), encoding="utf-8")

    # -- process ---------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host = self.host if self.host not in ("0.0.0.0", "::", "") else LOOPBACK
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def collection_url(self) -> str:
        return f"{self.base_url}/{self.collection}/"

    def url_for(self, url: str, timestamp: str | None = None, mode: str = "") -> str:
        """Replay URL of ``url`` (closest capture to ``timestamp``, latest when
        None).  ``mode``: ``""`` framed, ``"mp_"`` unframed rewritten page,
        ``"id_"`` the original payload."""
        ts = (timestamp or "") + (mode or "")
        if ts:
            return f"{self.base_url}/{self.collection}/{ts}/{url}"
        return f"{self.base_url}/{self.collection}/{url}"

    def start(self) -> "ReplayServer":
        if self.proc is not None:
            return self
        venv = ensure_tools_venv(self.tools_packages)
        wayback = tool_path("wayback", venv)
        if not wayback.exists():
            raise ReplayError(f"pywb's wayback not found in the tools venv ({wayback})")
        try:
            work = self.prepare()
            fixed_port = bool(self.port)
            if fixed_port:
                check_port_free(self.host or LOOPBACK, self.port)
            attempts = 1 if fixed_port else 5
            for attempt in range(attempts):
                if not fixed_port:
                    self.port = free_port(self.host if self.host not in ("0.0.0.0", "::", "") else LOOPBACK)
                try:
                    self._spawn(wayback, work)
                    return self
                except _PortTaken:
                    if attempt + 1 == attempts:
                        raise PortInUse(f"port {self.port} on {self.host} is already in use: choose another "
                                        f"with --port (--port 0: any free port)") from None
        except BaseException:
            self.stop()  # also removes a temporary work folder
            raise
        return self

    def _spawn(self, wayback: Path, work: Path) -> None:
        log_path = work / "wayback.log"
        log = open(log_path, "ab")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        env["PYTHONUNBUFFERED"] = "1"
        cmd = [str(wayback), "--bind", self.host, "--port", str(self.port), "--directory", str(work)]
        kwargs: dict[str, Any] = {}
        if os.name == "posix":
            # its own session: Ctrl-C in the terminal goes to us only, and stop() ends the
            # whole process group; it also dies with us if we are killed outright
            kwargs["start_new_session"] = True
            if sys.platform.startswith("linux"):
                kwargs["preexec_fn"] = _die_with_parent
        self.proc = subprocess.Popen(cmd, cwd=work, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env, **kwargs)
        log.close()
        deadline = time.monotonic() + self.startup_timeout
        probe = f"{self.base_url}/"
        while True:
            if self.proc.poll() is not None:
                text = log_path.read_text(errors="replace")
                self.proc = None
                if "Address already in use" in text or "EADDRINUSE" in text:
                    raise _PortTaken()
                raise ReplayError(f"pywb exited on start-up; log {log_path}:\n" + "\n".join(
                    text.splitlines()[-30:]))
            try:
                with urllib.request.urlopen(probe, timeout=2) as resp:
                    # pywb's home page lists the collection: not another server on the port
                    if resp.status == 200 and self.collection.encode() in resp.read(65536) \
                            and self.proc.poll() is None:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise ReplayError(f"pywb did not answer on {probe} within "
                                  f"{self.startup_timeout:.0f}s; see {log_path}")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop pywb -- its whole process group (it runs in a session of its own, so a
        signal to it alone could leave children serving) -- and remove a temporary work
        folder."""
        proc, self.proc = self.proc, None
        if proc is not None:
            self._signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=10)
            # anything left in the group (the leader gone first)
            self._signal_group(proc, signal.SIGKILL)
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    @staticmethod
    def _signal_group(proc: subprocess.Popen, sig: int) -> None:
        try:
            if os.name == "posix":
                os.killpg(proc.pid, sig)  # pgid == pid: start_new_session
            elif proc.poll() is None:
                proc.send_signal(sig)
        except (ProcessLookupError, PermissionError):
            pass

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _PortTaken(Exception):
    pass


# -- what was archived ---------------------------------------------------------------
def _ts14(iso: str | None) -> str:
    digits = "".join(ch for ch in (iso or "") if ch.isdigit())
    return (digits + "00000000000000")[:14] if digits else ""


def _iso_of_ts(ts: str) -> str:
    ts = (ts + "00000000000000")[:14]
    return f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]}T{ts[8:10]}:{ts[10:12]}:{ts[12:14]}Z"


def crawl_ids(store) -> list[str]:
    ids = {k.split("/")[1] for k in warc_keys(store)}
    for key in store.list(layout.MANIFESTS_PREFIX + "/"):
        name = key.rsplit("/", 1)[-1]
        if name.endswith(".json"):
            ids.add(name[: -len(".json")])
    return sorted(ids)


def _article_keys(store, crawl_id: str) -> list[str]:
    mkey = layout.manifest_key(crawl_id)
    if not store.exists(mkey):
        return []
    with store.open_read(mkey) as fh:
        try:
            manifest = json.load(fh)
        except ValueError:
            return []
    return [f["key"] for f in manifest.get("files", []) if f.get("kind") == "articles" and f.get("key")]


def iter_articles(store, crawl_id: str) -> Iterator[dict[str, Any]]:
    """Article records (url, title, fetched_at, warc...) listed in a crawl's manifest."""
    for key in _article_keys(store, crawl_id):
        if not store.exists(key):
            continue
        with store.open_read(key) as raw:
            fh = gzip.open(raw, "rt", encoding="utf-8") if key.endswith(".gz") else \
                io.TextIOWrapper(raw, encoding="utf-8")
            with fh:
                for line in fh:
                    if line.strip():
                        try:
                            yield json.loads(line)
                        except ValueError:
                            continue


def crawl_index_lines(store: Any, crawl_id: str) -> Iterator[tuple[str, str]]:
    """(WARC key, CDXJ line) of a crawl's WARCs: the stored index, or computed when not stored."""
    for key in warc_keys(store, crawl_id):
        cid, name = split_warc_key(key)
        ikey = layout.index_key(cid, name)
        if store.exists(ikey):
            lines: Any = read_index_lines(store, ikey)
            for line in lines:
                yield key, line
        else:
            with LocalCopy(store, key) as warc:
                for line in index_warc(warc, filename=name):
                    yield key, line


def iter_html_captures(store, crawl_id: str) -> Iterator[dict[str, Any]]:
    """HTML 200 responses of a crawl's CDXJ indexes (computed when not stored)."""
    for _key, line in crawl_index_lines(store, crawl_id):
        _, ts, fields = parse_line(line)
        if str(fields.get("status")) == "200" and fields.get("mime") in HTML_MIMES:
            yield {"url": fields["url"], "timestamp": ts, "filename": fields.get("filename")}


def list_captures(store, crawl_id: str | None = None) -> list[dict[str, Any]]:
    """Archived articles (or, for crawls without article records, HTML pages).

    Each dict: ``url``, ``timestamp`` (14 digits), ``date`` (ISO), ``title``,
    ``crawl_id``, ``source`` (``"articles"``/``"cdxj"``) and ``replay_path``
    (``"<collection>/<timestamp>/<url>"``, to append to the server's base URL).
    Sorted by crawl, then URL.
    """
    out: list[dict[str, Any]] = []
    for cid in ([crawl_id] if crawl_id else crawl_ids(store)):
        seen: set[str] = set()
        entries: list[dict[str, Any]] = []
        for art in iter_articles(store, cid):
            url = art.get("url")
            if not url or url in seen:
                continue
            seen.add(url)
            ts = _ts14(art.get("fetched_at"))
            entries.append({"url": url, "timestamp": ts, "date": _iso_of_ts(ts) if ts else None,
                            "title": art.get("title"), "crawl_id": cid, "source": "articles"})
        if not entries:
            for cap in iter_html_captures(store, cid):
                if cap["url"] in seen:
                    continue
                seen.add(cap["url"])
                entries.append({"url": cap["url"], "timestamp": cap["timestamp"],
                                "date": _iso_of_ts(cap["timestamp"]), "title": None,
                                "crawl_id": cid, "source": "cdxj"})
        for e in entries:
            e["replay_path"] = f"{COLLECTION}/{e['timestamp']}/{e['url']}"
        out += sorted(entries, key=lambda e: e["url"])
    return out


# -- CLI entry -----------------------------------------------------------------------
def run_replay(store_uri: str, port: int | None = 8080, host: str = LOOPBACK,
               list_only: bool = False, crawl_id: str | None = None) -> int:
    """``crawler replay``: serve the store with pywb until Ctrl-C (or, with
    ``list_only``, print the archived article URLs with their replay links)."""
    from crawler.storage import open_store

    store = open_store(store_uri)
    shown_host = host if host not in ("0.0.0.0", "::", "") else LOOPBACK
    if list_only:
        caps = list_captures(store, crawl_id)
        base = f"http://{shown_host}:{port or 8080}"
        for c in caps:
            title = f"  {c['title']}" if c.get("title") else ""
            print(f"{c['date'] or '-'}  {c['url']}{title}\n    {base}/{c['replay_path']}")
        print(f"{len(caps)} capture(s)", file=sys.stderr)
        return 0
    server = ReplayServer(store, crawl_id, port=port or None, host=host)
    previous = _stop_on_signals()
    try:
        return _serve(server, store, crawl_id)
    except _Stop as stop:
        print(f"\n{stop}: stopping pywb", file=sys.stderr)
        return 0
    except KeyboardInterrupt:
        print("\nstopping pywb", file=sys.stderr)
        return 0
    finally:
        # the pywb process group and the temporary folder, whatever happened; a second
        # signal must not cut this short
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        try:
            server.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


class _Stop(BaseException):
    """A stop signal (SIGTERM, SIGHUP) received by ``crawler replay``."""


def _stop_on_signals() -> dict[int, Any]:
    """SIGTERM and SIGHUP stop ``crawler replay`` as Ctrl-C does (SIGINT raises
    KeyboardInterrupt): the ``finally`` that stops pywb runs."""
    def handler(signum: int, frame: Any) -> None:
        raise _Stop(signal.Signals(signum).name)

    previous = {}
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            previous[sig] = signal.signal(sig, handler)
    return previous


def _serve(server: ReplayServer, store: Any, crawl_id: str | None) -> int:
    from crawler.exitcodes import EXIT_USAGE

    try:
        server.start()
    except PortInUse as exc:
        return cli_error(exc, EXIT_USAGE)
    except ReplayError as exc:
        return cli_error(exc, 1)
    print(f"pywb is serving {server.warc_count} WARC file(s) from {store.uri}")
    print(f"Open {server.collection_url}  (search a URL there, or append "
          f"<timestamp>/<url> to it)")
    caps = list_captures(store, crawl_id)[:10]
    for c in caps:
        print(f"  {server.base_url}/{c['replay_path']}")
    print("Press Ctrl-C to stop.", flush=True)
    while server.running():
        time.sleep(0.5)
    log = server.workdir / "wayback.log" if server.workdir else None
    tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log and log.exists() else []
    print("crawler: error: pywb stopped unexpectedly" + (f": {tail[0][:300]}" if tail else ""), file=sys.stderr)
    return 1
