"""A separate virtual environment for the replay/packaging tools (pywb, py-wacz).

pywb pins packages that clash with the crawler's own dependencies (``redis==2.10.6``
against scrapy-redis' ``redis>=4``, an old ``brotlipy``, its own ``werkzeug`` and
``gevent`` with ``patch_all()`` at import), so it must never be installed into the
crawler's environment.  It lives in its own venv and is only ever run as a
subprocess (``wayback``, ``wacz``, ``wb-manager``).

Location (:func:`tools_venv_dir`): ``$NEWSARCHIVER_TOOLS_VENV`` if set; else
``<checkout>/.venv-tools`` when running from a source checkout; else
``~/.local/share/newsarchiver/tools-venv``.

:func:`ensure_tools_venv` creates it on first use (``python -m venv`` + ``pip
install``; needs access to a package index, a minute or two), records what was
installed in a stamp file, and holds a file lock meanwhile so that concurrent
callers (pytest-xdist workers, two CLI runs) wait for one another instead of
racing.

Tested combination (CPython 3.11, Linux): ``pywb==2.10.0`` and ``wacz==0.6.0``
resolve together without extra constraints (pip picks redis 2.10.6, fakeredis
0.16, brotlipy 0.7, gevent 26.x, werkzeug 3.1, warcio 1.8, cdxj-indexer 1.5).
``setuptools`` is added explicitly: from Python 3.12 ``venv`` no longer seeds it,
and Py3AMF (cdxj-indexer -> wacz) and warcio's CLI still look for
``pkg_resources`` (removed from setuptools 81).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

ENV_VAR = "NEWSARCHIVER_TOOLS_VENV"
DEFAULT_PACKAGES: tuple[str, ...] = ("pywb==2.10.0", "wacz==0.6.0")
#: Always installed alongside the requested packages (see the module docstring).
EXTRA_CONSTRAINTS: tuple[str, ...] = ("setuptools<81",)
STAMP_NAME = ".newsarchiver-tools.json"
LOCK_TIMEOUT = 900.0


class ToolsVenvError(RuntimeError):
    """The tools environment could not be created or a tool is missing."""


def _checkout_root() -> Path | None:
    """The repository root when the package is imported from a source checkout."""
    pkg = Path(__file__).resolve().parent
    root = pkg.parent
    if "site-packages" in pkg.parts or "dist-packages" in pkg.parts:
        return None
    if (root / "pyproject.toml").is_file() and (root / "crawler").is_dir():
        return root
    return None


def tools_venv_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    root = _checkout_root()
    if root is not None:
        return root / ".venv-tools"
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "newsarchiver" / "tools-venv"


def _bin_dir(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def _venv_python(venv: Path) -> Path:
    return _bin_dir(venv) / ("python.exe" if os.name == "nt" else "python")


def tool_path(name: str, venv: Path | None = None) -> Path:
    """Path of an executable of the tools venv (``wayback``, ``wb-manager``, ``wacz``,
    ``python``...).  Does not create the venv; see :func:`ensure_tools_venv`."""
    venv = venv or tools_venv_dir()
    if name == "python":
        return _venv_python(venv)
    path = _bin_dir(venv) / (name + (".exe" if os.name == "nt" else ""))
    return path


@contextmanager
def _file_lock(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+b")
    try:
        if os.name == "nt":  # pragma: no cover - Windows
            import msvcrt

            def lock() -> None:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)

            def unlock() -> None:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)

            busy: type[OSError] = OSError
        else:
            import fcntl

            def lock() -> None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

            def unlock() -> None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

            busy = BlockingIOError
        deadline = time.monotonic() + timeout
        while True:
            try:
                lock()
                break
            except busy:
                if time.monotonic() > deadline:
                    raise ToolsVenvError(f"timed out waiting for lock {path}")
                time.sleep(0.5)
        try:
            yield
        finally:
            unlock()
    finally:
        fh.close()


def _wanted_stamp(packages: Sequence[str]) -> dict:
    return {
        "packages": sorted(packages),
        "constraints": list(EXTRA_CONSTRAINTS),
        "python": "%d.%d" % sys.version_info[:2],
    }


def _read_stamp(venv: Path) -> dict | None:
    try:
        return json.loads((venv / STAMP_NAME).read_text())
    except (OSError, ValueError):
        return None


def _is_ready(venv: Path, packages: Sequence[str]) -> bool:
    stamp = _read_stamp(venv)
    if not stamp or _venv_python(venv).exists() is False:
        return False
    wanted = _wanted_stamp(packages)
    return all(stamp.get(k) == v for k, v in wanted.items())


def _run(cmd: list[str], log: Path, what: str) -> None:
    with open(log, "ab") as out:
        out.write(("\n$ " + " ".join(cmd) + "\n").encode())
        out.flush()
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-25:]
        raise ToolsVenvError(
            f"{what} failed (exit {proc.returncode}); see {log}\n" + "\n".join(tail)
        )


def ensure_tools_venv(packages: Sequence[str] = DEFAULT_PACKAGES, *,
                      python: str | None = None, quiet: bool = False) -> Path:
    """Create (once) and return the tools venv with ``packages`` installed.

    Idempotent: a stamp file records the packages and Python version; when it
    matches, nothing is run.  A lock file next to the venv serialises concurrent
    callers.  On failure the half-built venv is removed and
    :class:`ToolsVenvError` raised with the tail of the install log.
    """
    packages = tuple(packages)
    venv = tools_venv_dir()
    if _is_ready(venv, packages):
        return venv
    lock = venv.parent / (venv.name + ".lock")
    with _file_lock(lock):
        if _is_ready(venv, packages):  # built by another process meanwhile
            return venv
        if not quiet:
            print(f"newsarchiver: setting up the tools environment in {venv} "
                  f"({', '.join(packages)}); this happens once and may take a minute or two...",
                  file=sys.stderr, flush=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        log = venv.parent / (venv.name + "-install.log")
        log.write_text("")
        py = python or os.environ.get("NEWSARCHIVER_TOOLS_PYTHON") or sys.executable
        fresh = not _venv_python(venv).exists()
        try:
            if not fresh:
                # Existing but out of date (other packages / Python): start over if
                # its interpreter no longer runs, else upgrade in place.
                ok = subprocess.run([str(_venv_python(venv)), "-c", "pass"],
                                    capture_output=True).returncode == 0
                if not ok:
                    shutil.rmtree(venv, ignore_errors=True)
                    fresh = True
            if fresh:
                if venv.exists():
                    shutil.rmtree(venv, ignore_errors=True)
                _run([py, "-m", "venv", str(venv)], log, "creating the tools venv")
            (venv / STAMP_NAME).unlink(missing_ok=True)
            vpy = str(_venv_python(venv))
            _run([vpy, "-m", "pip", "install", "--disable-pip-version-check", "--quiet",
                  "--upgrade", "pip"], log, "upgrading pip in the tools venv")
            _run([vpy, "-m", "pip", "install", "--disable-pip-version-check", "--quiet",
                  *packages, *EXTRA_CONSTRAINTS], log,
                 f"installing {' '.join(packages)} into the tools venv")
        except ToolsVenvError:
            if fresh:
                shutil.rmtree(venv, ignore_errors=True)
            raise
        except OSError as exc:
            if fresh:
                shutil.rmtree(venv, ignore_errors=True)
            raise ToolsVenvError(f"could not create the tools venv in {venv}: {exc}") from exc
        stamp = {**_wanted_stamp(packages), "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        tmp = venv / (STAMP_NAME + ".tmp")
        tmp.write_text(json.dumps(stamp, indent=2))
        os.replace(tmp, venv / STAMP_NAME)
        if not quiet:
            print(f"newsarchiver: tools environment ready in {venv}", file=sys.stderr, flush=True)
        return venv


def require_tool(name: str, packages: Sequence[str] = DEFAULT_PACKAGES) -> Path:
    """:func:`ensure_tools_venv` then the path of executable ``name`` (must exist)."""
    venv = ensure_tools_venv(packages)
    path = tool_path(name, venv)
    if not path.exists():
        raise ToolsVenvError(f"{name} not found in the tools venv {venv} (expected {path})")
    return path
