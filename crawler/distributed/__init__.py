"""Distributed crawls on scrapy-redis: many workers, one frontier, one dedup index, one store.

* :mod:`.run` -- ``crawler crawl --redis`` / ``crawler worker`` / ``crawler enqueue``; settings.
* :mod:`.scheduler` -- scrapy-redis scheduler + per-worker in-flight hash in Redis.
* :mod:`.dupefilter` -- scrapy-redis dupefilter with a local memory of known fingerprints.
* :mod:`.spider` -- the ``news`` spider reading JSON seeds from the scrapy-redis start-URL key.
* :mod:`.politeness` -- global per-host concurrency and delay (Redis leases).
* :mod:`.coordinator` -- crawl id, workers, heartbeats, re-queueing, end of crawl, key layout.
* :mod:`.context` -- per-worker spool and keys, merged manifest, dead workers' spools.
* :mod:`.worker` -- heartbeat / reaper / wake-up loop (extension).
* :mod:`.serializer` -- JSON (not pickle) requests in the queue.
* :mod:`.localsite` -- private redis-server and a timed local news site (tests, benchmark).
"""
