"""``crawler dashboard``: a read-only web view of a store (local or S3).

Flask app (:mod:`crawler.dashboard.app`) with server-rendered Jinja2 pages and SVG
charts (:mod:`crawler.charts`); the data it shows comes from the store through the
readers (:mod:`crawler.dashboard.data`), the search index (read-only) and the
metrics endpoints of running crawls.  It never writes to the store.
"""
