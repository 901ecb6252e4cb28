"""Run page jobs (article extraction, out-links) in a pool of worker processes.

* Workers are started with the ``spawn`` (default) or ``forkserver`` multiprocessing
  context, never ``fork``: the caller runs inside a Twisted/asyncio reactor.  ``nice``
  (default 0) lowers their CPU priority below the crawl engine's.  Measured on the
  benchmark it buys nothing when extraction is the bottleneck, and on a machine loaded by
  other work starved workers run into the (wall-clock) timeouts, hence the default.
* One socket pair per worker; the parent side is driven by an asyncio event loop in a
  background thread of its own ("extraction-io"): sends never block (the transport
  buffers), results are read as they arrive, no executor thread and queue-feeder thread per
  page.  Each worker has up to ``depth`` jobs (default 2) in flight, so it starts the next
  page the moment it has sent a result instead of waiting for the parent's round trip.
* Workers are recycled to bound memory: after ``max_tasks_per_child`` jobs (default 10,000)
  or when their resident memory exceeds ``max_worker_rss`` (default 1 GiB).  The
  replacement starts before the old worker leaves.
* Per-page timeout (default 30 s), enforced twice:

  - *soft*: inside the worker a ``setitimer`` alarm raises an exception around the job;
    the page comes back as ``ExtractResult(None, "error", "extraction timed out after Ns")``;
  - *hard*: the parent arms a timer when a job starts running in a worker (it is sent to an
    idle worker, or the result of the job before it arrives); a job still running
    ``timeout + hard_grace`` seconds later (stuck in C code where signals are not
    delivered) gets that error, its worker is killed and replaced, and the job queued
    behind it goes to another worker.

  A worker that dies (``kill -9``, segfault, out of memory) is replaced; the job it was
  running is retried once (a page caught in a second crash is reported as an error), jobs
  queued behind it are resubmitted.  Workers that die before finishing a single job three
  times in a row mark the pool broken: every page then gets an error instead of a hang.
* ``workers=0`` runs everything inline in the calling process (tests, debugging).

API: ``await pool.extract(page)`` (asyncio), ``pool.extract_sync(page)``,
``pool.submit(page)`` (a :class:`concurrent.futures.Future`), ``pool.close()``; also a
(sync) context manager.  Every call takes ``article=False`` (no article extraction) and
``links=LinkSpec(...)`` (also return the page's out-links, see :mod:`crawler.discovery.links`).
Futures never raise: failures come back as ``ExtractResult(kind="error")``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import multiprocessing
import multiprocessing.util
import os
import pickle
import signal
import socket
import struct
import threading
import time
import weakref
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Iterator

from ..record import FetchedPage
from .decode import normalise_encoding
from .extractor import ExtractResult, ParsedPage, extract_page, parse_page

__all__ = ["ExtractionPool", "ExtractionTimeout", "DEFAULT_TIMEOUT", "DEFAULT_MAX_TASKS_PER_CHILD",
           "DEFAULT_MAX_WORKER_RSS", "DEFAULT_NICE", "run_job"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_TASKS_PER_CHILD = 10_000
DEFAULT_MAX_WORKER_RSS = 1024 * 1024 * 1024
DEFAULT_HARD_GRACE = 5.0
DEFAULT_NICE = 0
DEFAULT_DEPTH = 2
#: Workers that die before completing a job this many times in a row break the pool.
MAX_START_FAILURES = 3

_HEADER = struct.Struct("!i")  # multiprocessing.Connection framing (4-byte signed length)
_BIG = struct.Struct("!Q")
_PICKLE = pickle.HIGHEST_PROTOCOL
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class ExtractionTimeout(BaseException):
    """Raised inside a worker by the soft-timeout alarm.

    A ``BaseException`` so that ``except Exception`` blocks in the extraction code (and in
    libraries) do not swallow it.
    """


def _timeout_reason(timeout: float) -> str:
    return f"extraction timed out after {timeout:g}s"


# -- the job (runs in the worker, or inline) ---------------------------------------------------


class _Links:
    """Out-links of a job, kept apart so that they survive a timeout of the article part."""

    __slots__ = ("links", "error")

    def __init__(self) -> None:
        self.links: list | None = None
        self.error: str | None = None


def _job(page: FetchedPage, article: bool, links: Any, found: _Links) -> ExtractResult:
    # one parse of the page for its out-links and its article
    parsed = parse_page(page) if article else None
    if links is not None:
        # first: cheap, and a page whose article extraction times out keeps its links
        from crawler.discovery.links import outlinks_of_page

        try:
            found.links = outlinks_of_page(page.url, page.body or b"", links, _shared_root(parsed, links))
        except (RecursionError, MemoryError) as exc:
            found.error = f"{type(exc).__name__} while parsing for links (page too complex)"
        except Exception as exc:  # noqa: BLE001 - one bad page must never stop the crawl
            found.error = f"{type(exc).__name__}: {exc}"[:500]
    if article:
        result = extract_page(page, parsed)
        if result.article is not None and result.signature is None:
            from crawler.dedup.near import band_keys, signature

            # near-duplicate signature: CPU work that belongs here, not on the reactor
            result.signature = signature(result.article.text)
            if result.signature is not None:
                result.band_keys = band_keys(result.signature)
    else:
        result = ExtractResult(None, "skipped", "article not requested")
    return result


def _shared_root(parsed: Any, links: Any) -> Any:
    """The article's parsed tree, when the link extractor would have parsed the same text:
    the page decoded with the encoding the spider's response has (else None: the links
    parse the response's own text)."""
    if not isinstance(parsed, ParsedPage) or not links.encoding:
        return None
    return parsed.tree if normalise_encoding(links.encoding) == parsed.encoding else None


def _on_alarm(signum, frame):  # pragma: no cover - runs in the worker
    raise ExtractionTimeout()


def run_job(page: FetchedPage, timeout: float | None = None, *, article: bool = True,
            links: Any = None) -> ExtractResult:
    """One page job with a soft ``setitimer`` timeout (main thread of a POSIX process;
    elsewhere without one)."""
    found = _Links()
    usable = (
        timeout is not None
        and timeout > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        result = _job(page, article, links, found)
    else:
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                result = _job(page, article, links, found)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except ExtractionTimeout:
            result = ExtractResult(None, "error", _timeout_reason(timeout))
        finally:
            signal.signal(signal.SIGALRM, previous)
    if links is not None:
        result.links = found.links
        result.links_error = None if found.links is not None else (found.error or result.reason)
    return result


# -- the worker process ------------------------------------------------------------------------


def _die_with_parent() -> None:  # pragma: no cover - runs in the worker
    """Ask Linux to SIGKILL this worker when its parent dies (even by SIGKILL / OOM)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


#: Signals that stop the crawl, handled by the parent only (workers ignore them).
_PARENT_SIGNALS = {signal.SIGINT, signal.SIGTERM}

#: Pools not closed yet. A process that exits without closing its pool (a forced stop: a second
#: Ctrl-C makes Scrapy stop the reactor without closing the pipelines) would hang at exit:
#: multiprocessing's exit handler SIGTERMs its daemon children and joins them, and the workers
#: ignore SIGTERM. This exit finalizer runs first (exit priority >= 0) and SIGKILLs them.
_OPEN_POOLS: weakref.WeakSet = weakref.WeakSet()


def _kill_open_pools() -> None:
    for pool in list(_OPEN_POOLS):
        try:
            pool._abandon()
        except Exception:  # noqa: BLE001 - at exit: never block it
            pass


multiprocessing.util.Finalize(None, _kill_open_pools, exitpriority=100)


@contextlib.contextmanager
def _parent_signals_blocked() -> Iterator[None]:
    """Block SIGINT/SIGTERM in this thread while a worker is started: the child inherits the
    mask across fork and exec, so the signals stay pending until the worker ignores them,
    instead of killing it while it is still importing."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    try:  # started first: starting it unblocks SIGINT/SIGTERM in the calling thread
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
    except Exception:  # noqa: BLE001 - the worker start reports real problems
        pass
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _PARENT_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _worker_main(conn: Any, parent_pid: int, nice: int) -> None:  # pragma: no cover - runs in the worker
    _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before PR_SET_PDEATHSIG took effect
        return
    # The parent decides when workers stop (EOF on the socket, or SIGKILL). Ctrl-C reaches the
    # whole foreground process group, and `systemctl stop`, `timeout` or `kill -TERM -PGID` send
    # SIGTERM to every process of the crawl: a worker dying on it would fail the pages in flight
    # while the crawler is finishing them gracefully. The worker was started with these signals
    # blocked (see _spawn), so one sent while it was starting is pending: ignoring it first
    # discards it.
    for sig in _PARENT_SIGNALS:
        try:
            signal.signal(sig, signal.SIG_IGN)
        except (ValueError, OSError):
            pass
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _PARENT_SIGNALS)
    if nice:
        try:
            os.nice(nice)
        except OSError:
            pass
    # warm up the heavy imports and the models before the first page (extractor.warm_up)
    try:
        import crawler.discovery.links  # noqa: F401

        from .extractor import warm_up

        warm_up()
    except Exception:  # noqa: BLE001
        pass
    try:
        conn.send_bytes(pickle.dumps((None, "ready"), _PICKLE))
    except OSError:
        return
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return  # the parent closed our socket: retire
        key, page, timeout, article, links = pickle.loads(data)
        try:
            result = run_job(page, timeout, article=article, links=links)
        except BaseException as exc:  # noqa: BLE001 - report, never die on one page
            result = ExtractResult(None, "error", f"{type(exc).__name__}: {exc}"[:500])
        try:
            payload = pickle.dumps((key, result), _PICKLE)
        except Exception as exc:  # noqa: BLE001
            payload = pickle.dumps((key, ExtractResult(None, "error", f"unpicklable result: {exc}"[:500])), _PICKLE)
        try:
            conn.send_bytes(payload)
        except OSError:
            return


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


# -- the parent side ---------------------------------------------------------------------------


@dataclass(eq=False)
class _Task:
    key: int
    page: FetchedPage
    outer: Future
    timeout: float
    article: bool = True
    links: Any = None
    restarts: int = 0
    timer: Any = None  # asyncio.TimerHandle of the hard timeout while running


@dataclass
class _Stats:
    submitted: int = 0
    completed: int = 0
    hard_timeouts: int = 0
    restarts: int = 0  # workers replaced after a crash or a hard timeout
    crashes: int = 0
    recycled: int = 0  # workers replaced after max_tasks_per_child / max_worker_rss


@dataclass(eq=False)
class _Worker:
    number: int
    process: Any
    transport: Any = None
    inflight: collections.deque = field(default_factory=collections.deque)
    done: int = 0
    retiring: bool = False
    dead: bool = False
    killed_for: str | None = None  # why the parent killed it (hard timeout), None for a crash


class _WorkerProtocol(asyncio.Protocol):
    """Frames of the worker's results (multiprocessing.Connection format)."""

    def __init__(self, pool: ExtractionPool, worker: _Worker):
        self.pool, self.worker = pool, worker
        self.buf = bytearray()

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        while True:
            if len(buf) < 4:
                return
            (size,) = _HEADER.unpack_from(buf)
            start = 4
            if size == -1:
                if len(buf) < 12:
                    return
                (size,) = _BIG.unpack_from(buf, 4)
                start = 12
            end = start + size
            if len(buf) < end:
                return
            frame = bytes(buf[start:end])
            del buf[:end]
            self.pool._on_result(self.worker, frame)

    def connection_lost(self, exc: Exception | None) -> None:
        self.pool._on_worker_lost(self.worker)


def _frame(payload: bytes) -> bytes:
    n = len(payload)
    if n > 0x7FFFFFFF:
        return _HEADER.pack(-1) + _BIG.pack(n) + payload
    return _HEADER.pack(n) + payload


class ExtractionPool:
    """Worker processes for page jobs, with soft and hard per-page timeouts."""

    def __init__(
        self,
        workers: int | None = None,
        *,
        max_tasks_per_child: int | None = DEFAULT_MAX_TASKS_PER_CHILD,
        max_worker_rss: int | None = DEFAULT_MAX_WORKER_RSS,
        timeout: float = DEFAULT_TIMEOUT,
        hard_grace: float = DEFAULT_HARD_GRACE,
        soft_timeout: bool = True,
        mp_context: str = "spawn",
        nice: int = DEFAULT_NICE,
        depth: int = DEFAULT_DEPTH,
    ) -> None:
        if mp_context not in ("spawn", "forkserver"):
            raise ValueError("mp_context must be 'spawn' or 'forkserver' (fork is unsafe inside a reactor)")
        self.workers = (os.cpu_count() or 1) if workers is None else int(workers)
        if self.workers < 0:
            raise ValueError("workers must be >= 0")
        self.max_tasks_per_child = max_tasks_per_child or 0
        self.max_worker_rss = max_worker_rss or 0
        self.timeout = float(timeout)
        self.hard_grace = float(hard_grace)
        self.soft_timeout = soft_timeout
        self.mp_context = mp_context
        self.nice = int(nice)
        self.depth = max(1, int(depth))
        self.stats = _Stats()
        _OPEN_POOLS.add(self)
        self._keys = itertools.count()
        self._closed = False
        self._broken: str | None = None
        self._start_failures = 0
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()  # guards starting the I/O thread
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        # owned by the I/O thread from here on
        self._pending: collections.deque[_Task] = collections.deque()
        self._pool: list[_Worker] = []
        #: a worker has finished starting up (imports and models loaded) at least once
        self.warm = False
        #: called with each page job's latency in seconds, submit to result (any thread;
        #: the crawl's metrics extension adds its histogram here)
        self.latency_observers: list[Any] = []

    # -- public API ------------------------------------------------------------------------------

    def submit(self, page: FetchedPage, timeout: float | None = None, *, article: bool = True,
               links: Any = None) -> Future:
        """Queue one page job; returns a future resolving to an :class:`ExtractResult` (never raising)."""
        timeout = self.timeout if timeout is None else float(timeout)
        if self._closed:
            raise RuntimeError("ExtractionPool is closed")
        self.stats.submitted += 1
        outer: Future = Future()
        if self.latency_observers:
            started = time.monotonic()
            outer.add_done_callback(lambda _f: self._observe(time.monotonic() - started))
        if self.workers == 0:
            try:
                result = run_job(page, timeout if self.soft_timeout else None, article=article, links=links)
            except BaseException as exc:  # noqa: BLE001 - KeyboardInterrupt etc. still propagate below
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                result = ExtractResult(None, "error", f"{type(exc).__name__}: {exc}")
            self.stats.completed += 1
            outer.set_result(result)
            return outer
        task = _Task(next(self._keys), page, outer, timeout, article, links)
        loop = self._ensure_loop()
        loop.call_soon_threadsafe(self._enqueue, task)
        return outer

    async def extract(self, page: FetchedPage, timeout: float | None = None, *, article: bool = True,
                      links: Any = None) -> ExtractResult:
        """Run one page job without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(page, timeout, article=article, links=links))

    def extract_sync(self, page: FetchedPage, timeout: float | None = None, *, article: bool = True,
                     links: Any = None) -> ExtractResult:
        """Run one page job, blocking (offline use)."""
        return self.submit(page, timeout, article=article, links=links).result()

    def _observe(self, seconds: float) -> None:
        for observe in list(self.latency_observers):
            try:
                observe(seconds)
            except Exception:  # noqa: BLE001 - an observer must not break extraction
                pass

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (tests, monitoring)."""
        return [w.process.pid for w in list(self._pool) if not w.dead and w.process.pid]

    def close(self, wait: bool = True) -> None:
        """Stop the pool.  With ``wait`` running pages may finish (bounded by the hard timeout)."""
        if self._closed:
            return
        self._closed = True
        _OPEN_POOLS.discard(self)
        loop = self._loop
        if loop is None:
            return
        done = threading.Event()
        try:
            loop.call_soon_threadsafe(lambda: asyncio.ensure_future(self._shutdown(wait, done)))
        except RuntimeError:  # loop already gone
            return
        done.wait(timeout=(self.timeout + self.hard_grace + 15) if wait else 15)
        try:
            loop.call_soon_threadsafe(loop.stop)
        except RuntimeError:
            pass
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- I/O thread ------------------------------------------------------------------------------

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        loop = self._loop
        if loop is not None:
            return loop
        with self._lock:
            if self._loop is None:
                ready = threading.Event()
                loop = asyncio.new_event_loop()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    try:
                        loop.run_forever()
                    finally:
                        self._kill_all()
                        loop.close()

                self._thread = threading.Thread(target=run, name="extraction-io", daemon=True)
                self._thread.start()
                ready.wait()
                self._loop = loop
        return self._loop

    def _enqueue(self, task: _Task) -> None:
        if self._closed or self._broken:
            self._resolve(task, ExtractResult(None, "error", self._broken or "extraction pool closed"))
            return
        self._pending.append(task)
        try:
            self._pump()
        except Exception as exc:  # noqa: BLE001 - a bug here must fail pages, never hang them
            log.exception("extraction pool failure")
            self._mark_broken(f"extraction pool failure: {type(exc).__name__}: {exc}")

    def _live(self) -> list[_Worker]:
        return [w for w in self._pool if not w.dead and not w.retiring]

    def _pump(self) -> None:
        if self._closed or self._broken:
            return
        while len(self._live()) < self.workers:
            if not self._spawn():
                return
        while self._pending:
            ready = [w for w in self._live() if w.transport is not None and len(w.inflight) < self.depth]
            if not ready:
                return
            worker = min(ready, key=lambda w: len(w.inflight))
            task = self._pending.popleft()
            try:
                data = pickle.dumps((task.key, task.page, task.timeout if self.soft_timeout else None,
                                     task.article, task.links), _PICKLE)
            except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable hint value
                self._resolve(task, ExtractResult(None, "error", f"cannot send page to a worker: {exc}"[:500]))
                continue
            worker.inflight.append(task)
            if len(worker.inflight) == 1:
                self._arm(worker, task)
            worker.transport.write(_frame(data))

    def _spawn(self) -> bool:
        ctx = multiprocessing.get_context(self.mp_context)
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        number = next(self._numbers)
        proc = ctx.Process(target=_worker_main, args=(child_conn, os.getpid(), self.nice),
                           name=f"extraction-worker-{number}", daemon=True)
        try:
            with _parent_signals_blocked():
                proc.start()
        except Exception as exc:  # noqa: BLE001 - e.g. out of processes / memory
            parent_conn.close()
            child_conn.close()
            self._mark_broken(f"cannot start extraction workers: {type(exc).__name__}: {exc}")
            return False
        child_conn.close()
        worker = _Worker(number, proc)
        self._pool.append(worker)
        sock = socket.socket(fileno=os.dup(parent_conn.fileno()))
        parent_conn.close()
        sock.setblocking(False)

        async def connect() -> None:
            try:
                transport, _ = await self._loop.connect_accepted_socket(
                    lambda: _WorkerProtocol(self, worker), sock)
            except Exception as exc:  # noqa: BLE001
                sock.close()
                log.warning("extraction worker %d: cannot connect: %s", number, exc)
                self._on_worker_lost(worker)
                return
            worker.transport = transport
            self._pump()

        asyncio.ensure_future(connect())
        return True

    def _arm(self, worker: _Worker, task: _Task) -> None:
        """The task is now running in the worker: start its hard-timeout clock."""
        task.timer = self._loop.call_later(task.timeout + self.hard_grace, self._hard_timeout, worker, task)

    def _on_result(self, worker: _Worker, frame: bytes) -> None:
        try:
            key, result = pickle.loads(frame)
        except Exception as exc:  # noqa: BLE001 - a garbled frame: treat like a crash
            log.warning("extraction worker %d sent an unreadable result (%s); replacing it", worker.number, exc)
            self._kill(worker, "unreadable result")
            return
        if key is None:  # start-up done (imports, language model)
            self.warm = True
            return
        if not worker.inflight or worker.inflight[0].key != key:
            return  # a result for a task already given up on (hard timeout raced with it)
        task = worker.inflight.popleft()
        if task.timer is not None:
            task.timer.cancel()
        worker.done += 1
        self._start_failures = 0
        self.stats.completed += 1
        self._resolve(task, result)
        if worker.inflight:
            self._arm(worker, worker.inflight[0])
        self._maybe_recycle(worker)
        self._pump()

    def _maybe_recycle(self, worker: _Worker) -> None:
        if worker.retiring:
            if not worker.inflight and worker.transport is not None:
                worker.transport.close()  # EOF: the worker exits
            return
        over_tasks = self.max_tasks_per_child and worker.done >= self.max_tasks_per_child
        over_rss = self.max_worker_rss and worker.done % 16 == 0 and _rss(worker.process.pid) > self.max_worker_rss
        if over_tasks or over_rss:
            self.stats.recycled += 1
            log.debug("recycling extraction worker %d after %d pages (%s)", worker.number, worker.done,
                      "task limit" if over_tasks else "memory limit")
            worker.retiring = True  # no new tasks; the replacement is started by _pump
            self._maybe_recycle(worker)

    def _hard_timeout(self, worker: _Worker, task: _Task) -> None:
        if worker.dead or not worker.inflight or worker.inflight[0] is not task:
            return
        self.stats.hard_timeouts += 1
        log.warning("extraction of %s exceeded the hard timeout (%gs); killing extraction worker %d",
                    task.page.url, task.timeout + self.hard_grace, worker.number)
        worker.inflight.popleft()
        self._resolve(task, ExtractResult(None, "error", _timeout_reason(task.timeout)))
        self._kill(worker, "hard timeout")

    def _kill(self, worker: _Worker, reason: str) -> None:
        worker.killed_for = reason
        self.stats.restarts += 1
        try:
            worker.process.kill()
        except Exception:  # noqa: BLE001
            pass
        if worker.transport is not None:
            worker.transport.abort()  # -> connection_lost -> _on_worker_lost
        else:
            self._on_worker_lost(worker)

    def _on_worker_lost(self, worker: _Worker) -> None:
        if worker.dead:
            return
        worker.dead = True
        proc = worker.process
        self._loop.run_in_executor(None, proc.join, 5)  # reap it off the loop
        if worker in self._pool:
            self._pool.remove(worker)
        inflight = list(worker.inflight)
        worker.inflight.clear()
        for t in inflight:
            if t.timer is not None:
                t.timer.cancel()
        if self._closed:
            for t in inflight:
                self._resolve(t, ExtractResult(None, "error", "extraction pool closed"))
            return
        if worker.retiring and not inflight and worker.killed_for is None:
            return  # a recycled worker left as asked
        if worker.killed_for is None:
            self.stats.crashes += 1
            self.stats.restarts += 1
            code = proc.exitcode
            log.warning("extraction worker %d died (exit code %s); replacing it", worker.number, code)
            if worker.done == 0:
                self._start_failures += 1
                if self._start_failures >= MAX_START_FAILURES:
                    self._mark_broken(f"extraction workers keep dying before finishing a page (exit code {code})")
                    for t in inflight:
                        self._resolve(t, ExtractResult(None, "error", self._broken))
                    return
        requeue: list[_Task] = []
        for i, t in enumerate(inflight):
            if i == 0 and worker.killed_for is None:
                # the page it was running may be what killed it: one more try, elsewhere
                if t.restarts >= 1:
                    self._resolve(t, ExtractResult(None, "error", "extraction failed: worker process crashed (after one retry)"))
                    continue
                t.restarts += 1
            requeue.append(t)
        for t in reversed(requeue):
            self._pending.appendleft(t)
        self._pump()

    def _mark_broken(self, reason: str) -> None:
        if self._broken:
            return
        self._broken = reason
        log.error("%s", reason)
        pending, self._pending = list(self._pending), collections.deque()
        for t in pending:
            self._resolve(t, ExtractResult(None, "error", reason))

    @staticmethod
    def _resolve(task: _Task, result: ExtractResult) -> None:
        if not task.outer.done():
            try:
                task.outer.set_result(result)
            except Exception:  # noqa: BLE001 - InvalidStateError on a race: already resolved
                pass

    async def _shutdown(self, wait: bool, done: threading.Event) -> None:
        try:
            pending, self._pending = list(self._pending), collections.deque()
            for t in pending:
                self._resolve(t, ExtractResult(None, "error", "extraction pool closed"))
            if wait:
                deadline = time.monotonic() + self.timeout + self.hard_grace
                while any(w.inflight for w in self._pool if not w.dead) and time.monotonic() < deadline:
                    await asyncio.sleep(0.02)
            for w in list(self._pool):
                for t in w.inflight:
                    self._resolve(t, ExtractResult(None, "error", "extraction pool closed"))
                if w.transport is not None:
                    w.transport.close()  # EOF: workers exit on their own
            deadline = time.monotonic() + 5
            while any(w.process.is_alive() for w in self._pool) and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        finally:
            self._kill_all()
            done.set()

    def _abandon(self) -> None:
        """At interpreter exit, for a pool never closed: stop the I/O thread first (so that it
        neither replaces the workers being killed nor reports their deaths), then kill."""
        self._closed = True
        _OPEN_POOLS.discard(self)
        loop, thread = self._loop, self._thread
        if loop is not None:
            try:
                loop.call_soon_threadsafe(loop.stop)
            except RuntimeError:  # loop already closed
                pass
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=2)
        self._kill_all()

    def _kill_all(self) -> None:
        for w in list(self._pool):
            try:
                if w.process.is_alive():
                    w.process.kill()
                w.process.join(timeout=5)
            except Exception:  # noqa: BLE001
                pass
