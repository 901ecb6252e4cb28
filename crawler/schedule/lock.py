"""One run per job at a time, across processes: ``fcntl.flock`` on ``state/locks/<job>.lock``.

The kernel releases a ``flock`` when the last file descriptor of the open file
description closes, so a crashed holder (even ``SIGKILL``) never leaves a stale lock
behind.  The holder writes its pid, host and start time into the file for
diagnostics (``crawler run`` adds the pid of its crawl subprocess).  Lock files are
never deleted (unlinking a flock file races with processes opening it).

``crawler run`` passes the locked descriptor on to its crawl subprocess, so the lock
stays held while the crawl runs even if the ``crawler run`` process itself is killed.

POSIX only (``fcntl``).  The lock is local to one machine (and to one local state
folder): two hosts sharing an NFS store are *not* mutually excluded.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


class JobLockedError(RuntimeError):
    """Raised by ``with JobLock(...)`` when another process holds the lock."""

    def __init__(self, name: str, holder: dict[str, Any] | None):
        self.name = name
        self.holder = holder or {}
        pid = self.holder.get("pid", "?")
        super().__init__(f"job {name} is already running (pid {pid})")


def lock_path(state_dir: Path, name: str) -> Path:
    return Path(state_dir) / "locks" / f"{name}.lock"


class JobLock:
    """``flock``-based exclusive lock for one job.

    ``acquire(blocking=False) -> bool``; ``release()``; use as a context manager
    (non-blocking by default: raises :class:`JobLockedError` when held elsewhere)."""

    def __init__(self, path: str | os.PathLike[str], *, name: str | None = None, blocking: bool = False):
        self.path = Path(path)
        self.name = name or self.path.stem
        self.blocking = blocking
        self._fd: int | None = None
        self._info: dict[str, Any] = {}

    @classmethod
    def for_job(cls, name: str, state_dir: str | os.PathLike[str], **kw: Any) -> JobLock:
        return cls(lock_path(Path(state_dir), name), name=name, **kw)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def fileno(self) -> int:
        if self._fd is None:
            raise RuntimeError("lock not held")
        return self._fd

    def acquire(self, blocking: bool = False, timeout: float | None = None) -> bool:
        """Take the lock; ``False`` when another process holds it (non-blocking, or ``timeout`` hit)."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                try:
                    flags = fcntl.LOCK_EX | (0 if blocking and deadline is None else fcntl.LOCK_NB)
                    fcntl.flock(fd, flags)
                    break
                except BlockingIOError:
                    if not blocking or (deadline is not None and time.monotonic() >= deadline):
                        os.close(fd)
                        return False
                    time.sleep(0.05)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self._info = {}
        self.update(pid=os.getpid(), host=socket.gethostname(),
                    started=datetime.now(timezone.utc).isoformat(timespec="seconds"), job=self.name)
        return True

    def update(self, **info: Any) -> None:
        """Merge ``info`` into the diagnostics written inside the lock file."""
        if self._fd is None:
            raise RuntimeError("lock not held")
        self._info.update(info)
        data = json.dumps(self._info, sort_keys=True).encode() + b"\n"
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def is_locked(self) -> bool:
        """Is the lock held by anyone (this object included)?"""
        if self._fd is not None:
            return True
        if not self.path.exists():
            return False
        fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops our probe lock
        return False

    def holder(self) -> dict[str, Any] | None:
        """The diagnostics written by the current holder, or None when the lock is free."""
        if not self.is_locked():
            return None
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return {}
        try:
            return self._read_fd(fd)
        finally:
            os.close(fd)

    @staticmethod
    def _read_fd(fd: int) -> dict[str, Any]:
        try:
            raw = os.pread(fd, 65536, 0)
            return json.loads(raw) if raw.strip() else {}
        except (OSError, ValueError):
            return {}

    def __enter__(self) -> JobLock:
        if not self.acquire(blocking=self.blocking):
            raise JobLockedError(self.name, self.holder())
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def __del__(self) -> None:  # pragma: no cover - best effort
        try:
            self.release()
        except Exception:
            pass


__all__ = ["JobLock", "JobLockedError", "lock_path"]
