"""The Redis side of a distributed crawl: one object per worker process.

Keys of a job ``J`` (all under the Redis Cluster hash tag ``{J}`` so the Lua
scripts touch one slot)::

    newsarchiver:crawl:{J}:crawl_id        the crawl id every worker writes under (SET NX by the first)
    newsarchiver:crawl:{J}:started_at      when the crawl id was claimed (epoch seconds)
    newsarchiver:crawl:{J}:seeded          set once seeds were enqueued (workers wait for it)
    newsarchiver:crawl:{J}:seeds           set of seed URLs (for the manifest)
    newsarchiver:crawl:{J}:domains         set of registered domains in scope (from the seeds)
    newsarchiver:crawl:{J}:start_urls      scrapy-redis start-URL list: JSON {"url":..,"meta":{..}}
    newsarchiver:crawl:{J}:requests        the shared frontier: a sorted set, score -priority * 2**40 + push_seq
    newsarchiver:crawl:{J}:push_seq        sequence of pushes (FIFO among equal priorities)
    newsarchiver:crawl:{J}:budget          fetches reserved so far (--max-pages is the crawl's budget)
    newsarchiver:crawl:{J}:budget:max_pages   the crawl's --max-pages (set by the first worker given one)
    newsarchiver:crawl:{J}:host_budget     hash host -> fetches reserved (CRAWLER_MAX_PAGES_PER_HOST)
    newsarchiver:crawl:{J}:robots_paid     hash host -> 1 once that host's robots.txt fetch is reserved
    newsarchiver:crawl:{J}:dropped_host_budget  requests dropped because their host's budget was spent
    newsarchiver:crawl:{J}:dupefilter      scrapy-redis request fingerprints
    newsarchiver:crawl:{J}:workers         hash worker name -> {index, host, pid, started_at}
    newsarchiver:crawl:{J}:hb:<worker>     heartbeat, expires after CRAWLER_WORKER_TIMEOUT
    newsarchiver:crawl:{J}:idle            hash worker name -> 1 (idle) / 0 (busy)
    newsarchiver:crawl:{J}:inflight:<w>    hash "<seq>:<score>" -> serialized request popped by <w>
    newsarchiver:crawl:{J}:epoch           bumped by every push/pop/requeue (termination check)
    newsarchiver:crawl:{J}:files           list of stored files (JSON manifest entries), all workers
    newsarchiver:crawl:{J}:parts           hash worker -> its manifest part (stats, files, status)
    newsarchiver:crawl:{J}:closed          set of workers that closed
    newsarchiver:crawl:{J}:requeued        list of URLs re-queued from dead/closing workers
    newsarchiver:crawl:{J}:finished        set when the crawl is complete
    newsarchiver:crawl:{J}:claimed         set of "METHOD URL" taken by a worker (no URL is fetched twice)
    newsarchiver:crawl:{J}:dropped         count of queued copies of claimed URLs dropped at pop
    newsarchiver:crawl:{J}:robots          hash host -> robots.txt as fetched once for the crawl (JSON)
    newsarchiver:crawl:{J}:robots_lock     hash host -> the worker fetching that host's robots.txt
    newsarchiver:crawl:{J}:merge:<id>      lock: the worker that merges crawl <id>'s manifest (1 day)

Politeness keys are per host and shared by every job (see :mod:`.politeness`); the
dedup index (``DEDUP_BACKEND``, default: the same Redis, namespace ``J``) lives under
``newsarchiver:{J}:*`` and persists across crawls.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import time
from typing import Any, Iterable
from urllib.parse import urlsplit, urlunsplit

logger = logging.getLogger(__name__)

_ATTR = "_newsarchiver_coordinator"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")

DEFAULT_JOB = "news"

# Pop the best request and record it as in flight for the worker, atomically.  The
# request's URL is *claimed* in the same step (a set of "METHOD URL"): a URL that some
# worker already took is dropped here, whatever let a second copy into the queue (two
# pushes racing past the dupefilter, a redirect landing on a URL also linked, a copy
# re-queued while its first fetch was under way).  Only Scrapy's retries of a failed
# fetch (meta.retry_times) may take a claimed URL again; re-queued requests give
# their claim back (``_REQUEUE_LUA``).
# Budgets are the crawl's, not a worker's: each request taken reserves one fetch of
# ``--max-pages`` (ARGV[2]) and of its host's budget (ARGV[3]), plus one for the
# host's robots.txt when it is the first request of the host (ARGV[4]: robots obeyed),
# so the crawl never fetches more than the budget.  Returns {field, request}, false
# (nothing to take now) or {'', 'budget'} (the budget is spent).
_POP_LUA = """
local max_pages = tonumber(redis.call('GET', KEYS[12]) or ARGV[2])
local max_host = tonumber(ARGV[3])
local obey = ARGV[4] == '1'
local used = tonumber(redis.call('GET', KEYS[8]) or '0')
if max_pages > 0 and used >= max_pages then return {'', 'budget'} end
local entries = redis.call('ZRANGE', KEYS[1], 0, 99, 'WITHSCORES')
for i = 1, #entries, 2 do
  local member, score = entries[i], entries[i + 1]
  local ok, req = pcall(cjson.decode, member)
  local claim, host = nil, nil
  local retry = false
  if ok and type(req) == 'table' and type(req['url']) == 'string' then
    claim = (req['method'] or 'GET') .. ' ' .. req['url']
    host = string.lower(string.match(req['url'], '^[%w+.-]+://([^/?#]+)') or '')
    retry = type(req['meta']) == 'table' and (tonumber(req['meta']['retry_times']) or 0) > 0
  end
  local take = true
  if claim and not retry and redis.call('SISMEMBER', KEYS[6], claim) == 1 then
    redis.call('ZREM', KEYS[1], member)
    redis.call('INCR', KEYS[7])
    redis.call('INCR', KEYS[4])
    take = false
  end
  local cost = 1
  if take and host and obey and redis.call('HEXISTS', KEYS[10], host) == 0 then cost = 2 end
  if take and host and max_host > 0 then
    local done = tonumber(redis.call('HGET', KEYS[9], host) or '0')
    if done >= max_host then
      redis.call('ZREM', KEYS[1], member)
      redis.call('INCR', KEYS[11])
      take = false
    elseif done + cost > max_host then
      take = false
    end
  end
  if take and max_pages > 0 and used + cost > max_pages then take = false end
  if take then
    redis.call('ZREM', KEYS[1], member)
    if claim then redis.call('SADD', KEYS[6], claim) end
    if cost == 2 then redis.call('HSET', KEYS[10], host, '1') end
    redis.call('INCRBY', KEYS[8], cost)
    if host then redis.call('HINCRBY', KEYS[9], host, cost) end
    local n = redis.call('INCR', KEYS[3])
    local field = n .. ':' .. score
    redis.call('HSET', KEYS[2], field, member)
    redis.call('INCR', KEYS[4])
    redis.call('HSET', KEYS[5], ARGV[1], '0')
    return {field, member}
  end
end
if max_pages > 0 and #entries > 0 and used + 1 >= max_pages then return {'', 'budget'} end
return false
"""

# Queue a request in FIFO order within its priority (the sequence breaks ties; the
# member is the serialized request, so an identical copy only moves to the back).
_PUSH_LUA = """
local seq = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], -tonumber(ARGV[1]) * 1099511627776 + seq, ARGV[2])
redis.call('INCR', KEYS[3])
return seq
"""

# Put every in-flight request of a worker back into the queue (no dupefilter).
_REQUEUE_LUA = """
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local score = string.match(all[i], ':(.*)$') or '0'
  redis.call('ZADD', KEYS[2], score, all[i + 1])
  local ok, req = pcall(cjson.decode, all[i + 1])
  if ok and type(req) == 'table' and type(req['url']) == 'string' then
    redis.call('SREM', KEYS[4], (req['method'] or 'GET') .. ' ' .. req['url'])
  end
end
redis.call('DEL', KEYS[1])
if #all > 0 then redis.call('INCR', KEYS[3]) end
local out = {}
for i = 2, #all, 2 do out[#out + 1] = all[i] end
return out
"""


def safe_name(value: str) -> str:
    return _SAFE.sub("_", value.strip()) or "_"


def redact_url(url: str) -> str:
    """The Redis URL without its password (for logs and manifests)."""
    parts = urlsplit(url)
    if parts.password:
        netloc = (parts.username or "") + ":***@" + (parts.hostname or "")
        if parts.port:
            netloc += f":{parts.port}"
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts._replace(query=""))


def default_worker_name() -> str:
    return f"{socket.gethostname().split('.')[0] or 'localhost'}-{os.getpid()}"


class Keys:
    def __init__(self, job: str):
        self.job = safe_name(job)
        p = self.prefix = f"newsarchiver:crawl:{{{self.job}}}"
        for name in ("crawl_id", "started_at", "seeded", "seeds", "domains", "start_urls", "requests",
                     "dupefilter", "workers", "worker_seq", "idle", "inflight_seq", "epoch", "files",
                     "parts", "closed", "requeued", "finished", "merge", "dead", "claimed", "dropped",
                     "robots", "robots_lock", "push_seq", "budget", "host_budget", "robots_paid",
                     "dropped_host_budget"):
            setattr(self, name, f"{p}:{name}")

    def hb(self, worker: str) -> str:
        return f"{self.prefix}:hb:{worker}"

    def inflight(self, worker: str) -> str:
        return f"{self.prefix}:inflight:{worker}"

    def crawl_keys(self, workers: Iterable[str]) -> list[str]:
        """Every key of the crawl (deleted once the merged manifest is written)."""
        keys = [self.crawl_id, self.started_at, self.seeded, self.seeds, self.domains, self.start_urls,
                self.requests, self.dupefilter, self.workers, self.worker_seq, self.idle,
                self.inflight_seq, self.epoch, self.files, self.parts, self.closed, self.requeued,
                self.finished, self.dead, self.claimed, self.dropped, self.robots,
                self.robots_lock, self.push_seq, self.budget, self.host_budget, self.robots_paid,
                self.dropped_host_budget, f"{self.budget}:max_pages"]
        for w in workers:
            keys += [self.hb(w), self.inflight(w)]
        return keys


def connect(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)


class Coordinator:
    """Crawl id, worker registry, heartbeats, in-flight bookkeeping, termination,
    and the shared file list / manifest parts of one distributed crawl."""

    def __init__(self, url: str, job: str = DEFAULT_JOB, *, worker: str | None = None,
                 index: int | None = None, heartbeat: float = 1.0, timeout: float = 15.0,
                 grace: float = 2.0, client: Any = None):
        self.url = url
        self.client = client if client is not None else connect(url)
        self.keys = Keys(job)
        self.job = self.keys.job
        self.worker = safe_name(worker or default_worker_name())
        self.index = index
        self.heartbeat_interval = heartbeat
        self.timeout = timeout
        self.grace = grace
        self.closing = False
        self._pop = self.client.register_script(_POP_LUA)
        self._requeue = self.client.register_script(_REQUEUE_LUA)
        self._push = self.client.register_script(_PUSH_LUA)
        self._quiet_since: float | None = None
        self._quiet_epoch: bytes | None = None
        self.crawl_id: str | None = None
        #: the crawl's budgets (0 = unlimited), enforced in the pop script
        self.max_pages = 0
        self.max_pages_per_host = 0
        self.obey_robots = True
        self.budget_spent = False

    @classmethod
    def from_settings(cls, settings: Any) -> Coordinator:
        url = settings.get("CRAWLER_REDIS_URL")
        if not url:
            raise ValueError("CRAWLER_REDIS_URL is not set")
        idx = settings.get("CRAWLER_WORKER_INDEX")
        coord = cls(url, settings.get("CRAWLER_REDIS_JOB") or DEFAULT_JOB,
                    worker=settings.get("CRAWLER_WORKER_NAME"),
                    index=int(idx) if idx not in (None, "") else None,
                    heartbeat=settings.getfloat("CRAWLER_WORKER_HEARTBEAT", 1.0),
                    timeout=settings.getfloat("CRAWLER_WORKER_TIMEOUT", 15.0),
                    grace=settings.getfloat("CRAWLER_WORKER_IDLE_GRACE", 2.0))
        coord.obey_robots = settings.getbool("ROBOTSTXT_OBEY", True)
        coord.crawl_id = coord.claim_crawl_id(settings.get("CRAWLER_CRAWL_ID"))
        coord.max_pages = coord.crawl_budget("max_pages", settings.getint("CRAWLER_MAX_PAGES", 0))
        coord.max_pages_per_host = max(settings.getint("CRAWLER_MAX_PAGES_PER_HOST", 0), 0)
        if coord.index is None:
            coord.register()
        return coord

    @classmethod
    def of(cls, crawler: Any) -> Coordinator:
        obj = getattr(crawler, _ATTR, None)
        if obj is None:
            obj = cls.from_settings(crawler.settings)
            setattr(crawler, _ATTR, obj)
        return obj

    # -- crawl id, seeds -------------------------------------------------------------
    def current_crawl_id(self) -> str | None:
        raw = self.client.get(self.keys.crawl_id)
        return raw.decode() if raw is not None else None

    def claim_crawl_id(self, wanted: str | None = None) -> str:
        """The job's crawl id: ``wanted`` (or a new one) if none is set yet.

        Raises :class:`ValueError` when ``wanted`` differs from the running crawl's id.
        """
        from crawler.context import new_crawl_id

        candidate = wanted or new_crawl_id()
        if self.client.set(self.keys.crawl_id, candidate, nx=True):
            self.client.set(self.keys.started_at, repr(time.time()))
            logger.info("job %s: new crawl %s", self.job, candidate)
        current = self.current_crawl_id() or candidate
        if wanted and current != wanted:
            raise ValueError(f"job {self.job!r} in Redis is running crawl {current}, not {wanted}")
        self.crawl_id = current
        return current

    def enqueue_seeds(self, seeds: list[str], domains: Iterable[str]) -> int:
        """Push seeds as scrapy-redis JSON start-URL items; returns how many."""
        pipe = self.client.pipeline()
        doms = [d for d in domains if d]
        if doms:
            pipe.sadd(self.keys.domains, *doms)
        for seed in seeds:
            item = {"url": seed, "meta": {"seed": seed, "hops": "", "source": "seed", "link_depth": 0}}
            pipe.rpush(self.keys.start_urls, json.dumps(item, sort_keys=True))
            pipe.sadd(self.keys.seeds, seed)
        pipe.incr(self.keys.epoch)
        pipe.set(self.keys.seeded, "1")
        pipe.execute()
        return len(seeds)

    def domains(self) -> set[str]:
        return {d.decode() for d in self.client.smembers(self.keys.domains)}

    def seeds(self) -> list[str]:
        return sorted(s.decode() for s in self.client.smembers(self.keys.seeds))

    def pop_start_items(self, count: int) -> list[bytes]:
        """Take up to ``count`` start-URL items (marks the worker busy, bumps the epoch)."""
        with self.client.pipeline() as pipe:
            pipe.lrange(self.keys.start_urls, 0, count - 1)
            pipe.ltrim(self.keys.start_urls, count, -1)
            pipe.incr(self.keys.epoch)
            pipe.hset(self.keys.idle, self.worker, "0")
            items, *_ = pipe.execute()
        return items

    # -- workers -----------------------------------------------------------------------
    def register(self) -> int:
        """Join the crawl: a worker index, a first heartbeat (long enough to cover startup)."""
        hb = self.keys.hb(self.worker)
        if self.client.exists(hb):
            raise ValueError(f"a worker named {self.worker!r} is alive in job {self.job!r}")
        # A previous process with this name died: give its requests back first.
        self.requeue(self.worker)
        self.index = int(self.client.incr(self.keys.worker_seq))
        info = {"index": self.index, "host": socket.gethostname(), "pid": os.getpid(),
                "started_at": time.time()}
        pipe = self.client.pipeline()
        pipe.hset(self.keys.workers, self.worker, json.dumps(info))
        pipe.hset(self.keys.idle, self.worker, "0")
        pipe.srem(self.keys.closed, self.worker)
        pipe.set(hb, "1", px=int(max(self.timeout, 30.0) * 1000))
        pipe.execute()
        return self.index

    @property
    def tag(self) -> str:
        return f"w{self.index}"

    def heartbeat(self) -> None:
        self.client.set(self.keys.hb(self.worker), "1", px=int(self.timeout * 1000))

    def workers(self) -> dict[str, dict[str, Any]]:
        raw = self.client.hgetall(self.keys.workers)
        return {k.decode(): json.loads(v) for k, v in raw.items()}

    def alive(self, names: list[str]) -> dict[str, bool]:
        if not names:
            return {}
        pipe = self.client.pipeline(transaction=False)
        for n in names:
            pipe.exists(self.keys.hb(n))
        return {n: bool(e) for n, e in zip(names, pipe.execute())}

    def reap_dead(self) -> list[str]:
        """Re-queue the in-flight requests of workers whose heartbeat expired; returns their URLs."""
        names = list(self.workers())
        closed = {c.decode() for c in self.client.smembers(self.keys.closed)}
        urls: list[str] = []
        for name, alive in self.alive([n for n in names if n != self.worker]).items():
            if alive:
                continue
            got = self.requeue(name)
            if got:
                self.client.sadd(self.keys.dead, name)
                logger.warning("worker %s is gone: re-queued %d in-flight request(s)", name, len(got))
                urls += got
            elif name not in closed:
                self.client.sadd(self.keys.dead, name)
        return urls

    def requeue(self, worker: str) -> list[str]:
        """Move ``worker``'s in-flight requests back to the queue; returns their URLs."""
        data = self._requeue(keys=[self.keys.inflight(worker), self.keys.requests, self.keys.epoch,
                                   self.keys.claimed])
        urls = []
        for raw in data or []:
            try:
                from crawler.distributed import serializer

                urls.append(serializer.loads(raw).get("url", "?"))
            except Exception:  # pragma: no cover - foreign serializer
                urls.append("?")
        if urls:
            self.client.rpush(self.keys.requeued, *urls)
        return urls

    # -- queue -------------------------------------------------------------------------
    def push(self, queue_key: str, data: bytes, priority: int) -> None:
        """Queue a request: higher ``priority`` first, first in first out among equals
        (score ``-priority * 2**40 + sequence``; priorities are small integers, see
        :mod:`crawler.discovery.priorities`, so the score stays exact in a double)."""
        self._push(keys=[queue_key, self.keys.push_seq, self.keys.epoch], args=[int(priority), data])

    def pop(self, queue_key: str) -> tuple[str, bytes] | None:
        res = self._pop(keys=[queue_key, self.keys.inflight(self.worker), self.keys.inflight_seq,
                              self.keys.epoch, self.keys.idle, self.keys.claimed, self.keys.dropped,
                              self.keys.budget, self.keys.host_budget, self.keys.robots_paid,
                              self.keys.dropped_host_budget, f"{self.keys.budget}:max_pages"],
                        args=[self.worker, self.max_pages, self.max_pages_per_host, int(self.obey_robots)])
        if res and not res[0]:
            self.budget_spent = True
            return None
        if not res:
            return None
        return res[0].decode(), res[1]

    def done(self, field: str) -> None:
        self.client.hdel(self.keys.inflight(self.worker), field)

    def crawl_budget(self, name: str, mine: int) -> int:
        """The crawl's budget ``name``: the first worker that gives one sets it for the
        crawl (workers given none, or another, follow it)."""
        key = f"{self.keys.budget}:{name}"
        if mine and mine > 0:
            self.client.set(key, int(mine), nx=True)
        value = self.client.get(key)
        if value is not None and mine and int(value) != mine:
            logger.warning("crawl %s has the budget %s=%s; this worker's %s is ignored",
                           self.crawl_id, name, int(value), mine)
        return int(value) if value is not None else 0

    def budget_used(self) -> int:
        """Fetches reserved against the crawl's budget so far (robots.txt included)."""
        return int(self.client.get(self.keys.budget) or 0)

    def end_by_budget(self) -> None:
        """The budget is spent: the crawl is complete (every worker ends "finished")."""
        self.budget_spent = True
        self.client.set(self.keys.finished, "1")

    def dropped(self) -> int:
        """Queued copies of already-claimed URLs dropped at pop (crawl total)."""
        return int(self.client.get(self.keys.dropped) or 0)

    # -- robots.txt, once per host per crawl ------------------------------------------------
    def shared_robots(self, host: str) -> dict[str, Any] | None:
        raw = self.client.hget(self.keys.robots, host)
        return json.loads(raw) if raw else None

    def claim_robots(self, host: str) -> bool:
        """True: this worker fetches ``host``'s robots.txt for the crawl.  A claim held by
        a worker that is gone (heartbeat expired) is taken over."""
        k = self.keys
        if self.client.hsetnx(k.robots_lock, host, self.worker):
            return True
        holder = self.client.hget(k.robots_lock, host)
        holder = holder.decode() if holder else ""
        if holder == self.worker:
            return True
        if holder and not self.alive([holder]).get(holder, False):
            # WATCH-free takeover: only one taker wins the compare-and-set below.
            script = ("if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then "
                      "redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) return 1 end return 0")
            return bool(self.client.eval(script, 1, k.robots_lock, host, holder, self.worker))
        return False

    def share_robots(self, host: str, entry: dict[str, Any]) -> None:
        self.client.hset(self.keys.robots, host, json.dumps(entry))

    def queue_size(self) -> int:
        return int(self.client.zcard(self.keys.requests))

    def pending_start_items(self) -> int:
        return int(self.client.llen(self.keys.start_urls))

    # -- termination -------------------------------------------------------------------
    def set_idle(self, idle: bool) -> None:
        self.client.hset(self.keys.idle, self.worker, "1" if idle else "0")

    def is_finished(self) -> bool:
        return bool(self.client.exists(self.keys.finished))

    def crawl_done(self) -> bool:
        """True once the frontier stayed empty, with every live worker idle and nothing in
        flight anywhere, for the grace period (and nothing was pushed or popped meanwhile)."""
        k = self.keys
        if self.client.exists(k.finished):
            return True
        pipe = self.client.pipeline(transaction=False)
        pipe.get(k.seeded)
        pipe.zcard(k.requests)
        pipe.llen(k.start_urls)
        pipe.get(k.epoch)
        pipe.hkeys(k.workers)
        pipe.hgetall(k.idle)
        pipe.smembers(k.closed)
        seeded, queued, starts, epoch, names, idle, closed = pipe.execute()
        names = [n.decode() for n in names]
        closed = {c.decode() for c in closed}
        pipe = self.client.pipeline(transaction=False)
        for n in names:
            pipe.exists(k.hb(n))
            pipe.hlen(k.inflight(n))
        res = pipe.execute()
        alive = dict(zip(names, res[0::2]))
        inflight = sum(res[1::2])
        busy = [n for n in names if alive[n] and n not in closed and idle.get(n.encode()) != b"1"]
        quiet = bool(seeded) and not queued and not starts and not inflight and not busy
        now = time.monotonic()
        if not quiet:
            self._quiet_since = None
            return False
        if self._quiet_since is None or epoch != self._quiet_epoch:
            self._quiet_since, self._quiet_epoch = now, epoch
            return False
        if now - self._quiet_since < self.grace:
            return False
        self.client.set(k.finished, "1")
        logger.info("job %s: frontier empty and every worker idle: crawl %s is complete",
                    self.job, self.crawl_id)
        return True

    # -- files and manifest parts ----------------------------------------------------------
    def add_file(self, entry: dict[str, Any]) -> None:
        self.client.rpush(self.keys.files, json.dumps({**entry, "crawl_id": self.crawl_id}))

    def files(self) -> list[dict[str, Any]]:
        out = []
        for raw in self.client.lrange(self.keys.files, 0, -1):
            entry = json.loads(raw)
            if entry.pop("crawl_id", self.crawl_id) == self.crawl_id:
                out.append(entry)
        return out

    def put_part(self, part: dict[str, Any]) -> None:
        self.client.hset(self.keys.parts, self.worker, json.dumps({**part, "crawl_id": self.crawl_id}))

    def parts(self) -> dict[str, dict[str, Any]]:
        out = {}
        for k, v in self.client.hgetall(self.keys.parts).items():
            part = json.loads(v)
            if part.get("crawl_id") == self.crawl_id:
                out[k.decode()] = part
        return out

    def requeued_urls(self) -> list[str]:
        return [u.decode() for u in self.client.lrange(self.keys.requeued, 0, -1)]

    def dead_workers(self) -> set[str]:
        return {d.decode() for d in self.client.smembers(self.keys.dead)}

    def close_worker(self) -> None:
        self.closing = True
        self.client.sadd(self.keys.closed, self.worker)

    def is_seeded(self) -> bool:
        return bool(self.client.exists(self.keys.seeded))

    def try_merge(self, lock: bool = True) -> bool | None:
        """True: every other worker closed or is dead and this one got the merge lock
        (``lock=False``: no lock taken).  False: some worker is still open and alive.
        None: another worker merges (or merged) this crawl."""
        k = self.keys
        if self.current_crawl_id() != self.crawl_id:
            return None  # merged and cleaned up already
        names = list(self.workers())
        closed = {c.decode() for c in self.client.smembers(k.closed)}
        open_ = [n for n in names if n not in closed]
        if any(self.alive(open_).values()):
            return False
        if not lock:
            return True
        # One lock per crawl, kept for a day: a late worker can never merge it again.
        if self.client.set(f"{k.merge}:{self.crawl_id}", self.worker, nx=True, ex=86400):
            return True
        return None

    def cleanup(self) -> None:
        """Delete the crawl's keys (the next ``crawl``/``enqueue`` starts a new crawl)."""
        names = list(self.workers())
        self.client.delete(*self.keys.crawl_keys(names))
