"""Prometheus metrics of the long-running commands (``--metrics-port``).

* :mod:`crawler.metrics.crawl` -- the Scrapy extension of ``crawl``, ``run`` (its crawl)
  and ``worker``: one :class:`~prometheus_client.CollectorRegistry` per crawl, served
  on ``CRAWLER_METRICS_HOST:CRAWLER_METRICS_PORT`` while the crawl runs;
* :mod:`crawler.metrics.schedule` -- the scheduler's per-job outcomes;
* :mod:`crawler.metrics.server` -- the HTTP endpoint and reading an endpoint back
  (the dashboard's live progress).

Metric names are documented in the README ("Metrics").
"""
