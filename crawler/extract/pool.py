"""Run :func:`extract_page` in a pool of worker processes.

* Workers are started with the ``spawn`` (default) or ``forkserver`` multiprocessing
  context, never ``fork``: the caller runs inside a Twisted/asyncio reactor.
* ``max_tasks_per_child`` (default 500) recycles workers to bound memory.
* Per-page timeout (default 30 s), enforced twice:

  - *soft*: inside the worker a ``setitimer`` alarm raises an exception around the
    extraction; the page comes back as ``ExtractResult(None, "error", "extraction timed out after Ns")``;
  - *hard*: a watchdog thread in the parent notices a page that is still running
    ``timeout + hard_grace`` seconds (default 5 s) after it was handed to a worker (e.g. stuck
    in C code where signals are not delivered); it kills the worker processes, starts a new
    executor and resubmits the other in-flight pages once.

  Worker crashes (``BrokenProcessPool``) are handled the same way: every in-flight page is
  resubmitted once; a page caught in a second crash/restart is reported as an error.
* The pool hands at most ``workers`` pages to the executor at a time and queues the rest
  itself, so a page's clock starts when a worker is free for it.
* ``workers=0`` runs everything inline in the calling process (tests, debugging).

API: ``await pool.extract(page)`` (asyncio, via :func:`asyncio.wrap_future`),
``pool.extract_sync(page)``, ``pool.submit(page)`` (a :class:`concurrent.futures.Future`),
``pool.close()``; also usable as a (sync) context manager.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from ..record import FetchedPage
from .extractor import ExtractResult, extract_page

__all__ = ["ExtractionPool", "ExtractionTimeout", "DEFAULT_TIMEOUT", "DEFAULT_MAX_TASKS_PER_CHILD"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_TASKS_PER_CHILD = 500
DEFAULT_HARD_GRACE = 5.0


class ExtractionTimeout(BaseException):
    """Raised inside a worker by the soft-timeout alarm.

    A ``BaseException`` so that ``except Exception`` blocks in the extraction code (and in
    libraries) do not swallow it.
    """


def _timeout_reason(timeout: float) -> str:
    return f"extraction timed out after {timeout:g}s"


def _on_alarm(signum, frame):  # pragma: no cover - runs in the worker
    raise ExtractionTimeout()


def run_with_soft_timeout(page: FetchedPage, timeout: float | None) -> ExtractResult:
    """Run :func:`extract_page` with a ``setitimer`` alarm (main thread of a POSIX process only)."""
    usable = (
        timeout is not None
        and timeout > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        return extract_page(page)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            return extract_page(page)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except ExtractionTimeout:
        return ExtractResult(None, "error", _timeout_reason(timeout))
    finally:
        signal.signal(signal.SIGALRM, previous)


def _die_with_parent() -> None:  # pragma: no cover - runs in the worker
    """Ask Linux to SIGKILL this worker when its parent dies (even by SIGKILL / OOM)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker_init() -> None:  # pragma: no cover - runs in the worker
    _die_with_parent()
    # the parent decides about interrupts; a Ctrl-C must not spray tracebacks from workers
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):
        pass
    # warm up the heavy imports and the language model so the first page's clock is fair
    try:
        import py3langid
        import trafilatura  # noqa: F401

        py3langid.classify("warm up the language identifier model")
    except Exception:  # noqa: BLE001
        pass


def with_signature(result: ExtractResult) -> ExtractResult:
    """Add the near-duplicate signature (CPU work that belongs in the worker, not the reactor)."""
    if result.article is not None and result.signature is None:
        from crawler.dedup.near import signature

        result.signature = signature(result.article.text)
    return result


def _worker_extract(page: FetchedPage, timeout: float | None, soft: bool) -> ExtractResult:  # pragma: no cover - worker
    if soft:
        return with_signature(run_with_soft_timeout(page, timeout))
    return with_signature(extract_page(page))


@dataclass(eq=False)
class _Task:
    key: int
    page: FetchedPage
    outer: Future
    timeout: float
    inner: Future | None = None
    deadline: float = 0.0
    restarts: int = 0


@dataclass
class _Stats:
    submitted: int = 0
    completed: int = 0
    hard_timeouts: int = 0
    restarts: int = 0
    crashes: int = 0


class ExtractionPool:
    """Process pool for :func:`extract_page` with soft and hard per-page timeouts."""

    def __init__(
        self,
        workers: int | None = None,
        *,
        max_tasks_per_child: int | None = DEFAULT_MAX_TASKS_PER_CHILD,
        timeout: float = DEFAULT_TIMEOUT,
        hard_grace: float = DEFAULT_HARD_GRACE,
        soft_timeout: bool = True,
        mp_context: str = "spawn",
    ) -> None:
        if mp_context not in ("spawn", "forkserver"):
            raise ValueError("mp_context must be 'spawn' or 'forkserver' (fork is unsafe inside a reactor)")
        self.workers = (os.cpu_count() or 1) if workers is None else int(workers)
        if self.workers < 0:
            raise ValueError("workers must be >= 0")
        self.max_tasks_per_child = max_tasks_per_child
        self.timeout = float(timeout)
        self.hard_grace = float(hard_grace)
        self.soft_timeout = soft_timeout
        self.mp_context = mp_context
        self.stats = _Stats()
        self._lock = threading.RLock()
        self._executor: ProcessPoolExecutor | None = None
        self._pending: collections.deque[_Task] = collections.deque()
        self._running: dict[int, _Task] = {}
        self._keys = itertools.count()
        self._closed = False
        self._wake = threading.Event()
        self._watchdog: threading.Thread | None = None

    # -- public API ------------------------------------------------------------------------------

    def submit(self, page: FetchedPage, timeout: float | None = None) -> Future:
        """Queue one page; returns a future resolving to an :class:`ExtractResult` (never raising)."""
        timeout = self.timeout if timeout is None else float(timeout)
        outer: Future = Future()
        if self._closed:
            raise RuntimeError("ExtractionPool is closed")
        self.stats.submitted += 1
        if self.workers == 0:
            try:
                result = with_signature(run_with_soft_timeout(page, timeout) if self.soft_timeout
                                        else extract_page(page))
            except BaseException as exc:  # noqa: BLE001 - KeyboardInterrupt etc. still propagate below
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                result = ExtractResult(None, "error", f"{type(exc).__name__}: {exc}")
            self.stats.completed += 1
            outer.set_result(result)
            return outer
        with self._lock:
            self._pending.append(_Task(next(self._keys), page, outer, timeout))
            self._pump_locked()
        return outer

    async def extract(self, page: FetchedPage, timeout: float | None = None) -> ExtractResult:
        """Extract one page without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(page, timeout))

    def extract_sync(self, page: FetchedPage, timeout: float | None = None) -> ExtractResult:
        """Extract one page, blocking (offline use)."""
        return self.submit(page, timeout).result()

    def close(self, wait: bool = True) -> None:
        """Stop the pool.  With ``wait`` running pages may finish (bounded by the hard timeout)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pending = list(self._pending)
            self._pending.clear()
            running = list(self._running.values())
        for task in pending:
            self._resolve(task, ExtractResult(None, "error", "extraction pool closed"))
        if wait and running:
            deadline = max(t.deadline for t in running)
            for task in running:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    task.outer.result(timeout=remaining)
                except Exception:  # noqa: BLE001
                    break
        with self._lock:
            for task in list(self._running.values()):
                self._resolve(task, ExtractResult(None, "error", "extraction pool closed"))
            self._running.clear()
            executor, self._executor = self._executor, None
        self._wake.set()
        if executor is not None:
            self._kill_executor(executor, graceful=True)
        if self._watchdog is not None and self._watchdog is not threading.current_thread():
            self._watchdog.join(timeout=5)

    def __enter__(self) -> "ExtractionPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------------

    def _new_executor(self) -> ProcessPoolExecutor:
        ctx = multiprocessing.get_context(self.mp_context)
        kwargs = {"max_workers": self.workers, "mp_context": ctx, "initializer": _worker_init}
        if self.max_tasks_per_child and sys.version_info >= (3, 11):
            kwargs["max_tasks_per_child"] = self.max_tasks_per_child
        return ProcessPoolExecutor(**kwargs)

    def _ensure_watchdog_locked(self) -> None:
        if self._watchdog is None or not self._watchdog.is_alive():
            self._watchdog = threading.Thread(target=self._watch, name="extraction-pool-watchdog", daemon=True)
            self._watchdog.start()

    def _pump_locked(self) -> None:
        if self._closed:
            return
        while self._pending and len(self._running) < self.workers:
            if self._executor is None:
                self._executor = self._new_executor()
            task = self._pending.popleft()
            try:
                inner = self._executor.submit(_worker_extract, task.page, task.timeout, self.soft_timeout)
            except (BrokenProcessPool, RuntimeError) as exc:
                # the executor broke between two submissions: start over, once per page
                # (a pool that cannot start at all must not loop forever)
                reason = f"executor unusable ({type(exc).__name__}: {exc})"
                if task.restarts >= 1:
                    self._resolve(task, ExtractResult(None, "error", f"extraction failed: {reason}"[:500]))
                else:
                    task.restarts += 1
                    self._pending.appendleft(task)
                self._restart_locked(reason, expired=())
                continue
            task.inner = inner
            task.deadline = time.monotonic() + task.timeout + self.hard_grace
            self._running[task.key] = task
            inner.add_done_callback(lambda fut, task=task: self._on_done(task, fut))
        if self._running:
            self._ensure_watchdog_locked()
            self._wake.set()

    def _resolve(self, task: _Task, result: ExtractResult) -> None:
        if not task.outer.done():
            try:
                task.outer.set_result(result)
            except Exception:  # noqa: BLE001 - InvalidStateError on a race: already resolved
                pass

    def _on_done(self, task: _Task, fut: Future) -> None:
        with self._lock:
            if task.inner is not fut:
                return  # stale: the task was resubmitted or already resolved by the watchdog
            self._running.pop(task.key, None)
            task.inner = None
            if fut.cancelled():
                exc: BaseException | None = BrokenProcessPool("cancelled")
            else:
                exc = fut.exception()
            if exc is None:
                self.stats.completed += 1
                result = fut.result()
                self._resolve(task, result)
            elif isinstance(exc, BrokenProcessPool):
                self.stats.crashes += 1
                # every page in flight on the broken executor gets the same treatment
                self._running[task.key] = task
                self._restart_locked("worker process crashed", expired=())
            else:
                self.stats.completed += 1
                self._resolve(task, ExtractResult(None, "error", f"worker error: {type(exc).__name__}: {exc}"[:500]))
            self._pump_locked()

    def _restart_locked(self, reason: str, expired: tuple[_Task, ...] | list[_Task]) -> None:
        """Kill the executor's workers, fail ``expired`` tasks, resubmit the other in-flight ones once."""
        self.stats.restarts += 1
        log.warning("restarting extraction workers: %s", reason)
        executor, self._executor = self._executor, None
        expired_keys = {t.key for t in expired}
        in_flight = [t for t in self._running.values()]
        self._running.clear()
        for task in expired:
            task.inner = None
            self._resolve(task, ExtractResult(None, "error", _timeout_reason(task.timeout)))
        requeue: list[_Task] = []
        for task in in_flight:
            if task.key in expired_keys:
                continue
            task.inner = None
            if task.restarts >= 1:
                self._resolve(task, ExtractResult(None, "error", f"extraction failed: {reason} (after one retry)"))
                continue
            task.restarts += 1
            requeue.append(task)
        for task in reversed(requeue):
            self._pending.appendleft(task)
        if executor is not None:
            threading.Thread(target=self._kill_executor, args=(executor,), daemon=True).start()

    @staticmethod
    def _kill_executor(executor: ProcessPoolExecutor, graceful: bool = False) -> None:
        processes = list((getattr(executor, "_processes", None) or {}).values())
        if graceful:
            try:
                executor.shutdown(wait=False, cancel_futures=True)
            except Exception:  # noqa: BLE001
                pass
            deadline = time.monotonic() + 5
            for proc in processes:
                proc.join(timeout=max(0.0, deadline - time.monotonic()))
        for proc in processes:
            try:
                if proc.is_alive():
                    proc.kill()
            except Exception:  # noqa: BLE001
                pass
        for proc in processes:
            try:
                proc.join(timeout=5)
            except Exception:  # noqa: BLE001
                pass
        try:
            executor.shutdown(wait=False, cancel_futures=True)
        except Exception:  # noqa: BLE001
            pass

    def _watch(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                # Cleared under the lock: _pump_locked sets it under the same lock, so no
                # wake-up is lost — and the thread sleeps until the next deadline instead
                # of spinning (and taking the GIL from the reactor) while pages are in flight.
                self._wake.clear()
                now = time.monotonic()
                expired = [t for t in self._running.values() if now >= t.deadline]
                if expired:
                    self.stats.hard_timeouts += len(expired)
                    self._restart_locked(f"{len(expired)} page(s) exceeded the hard timeout", expired=expired)
                    self._pump_locked()
                    continue
                if not self._running and not self._pending:
                    self._wake.clear()
                    wait = None
                else:
                    wait = max(0.05, min(t.deadline for t in self._running.values()) - now) if self._running else 0.25
            self._wake.wait(timeout=wait if wait is not None else 1.0)
