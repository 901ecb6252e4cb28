"""newsarchiver: a news archival crawler (Scrapy + warcio + trafilatura).

The package folders follow the pipeline: ``discovery`` (what to fetch),
``archive`` (byte-exact WARC capture), ``extract`` (clean article JSON),
``dedup``, ``storage``, ``schedule`` and ``replay``.
"""

__version__ = "0.1.0"
