"""newsarchiver: a news archival crawler (Scrapy + warcio + trafilatura).

The package folders follow the pipeline: ``discovery`` (what to fetch),
``archive`` (byte-exact WARC capture), ``extract`` (clean article JSON),
``dedup``, ``storage``, ``schedule`` and ``replay``.
"""

__version__ = "0.1.0"


def __getattr__(name: str):  # lazy: importing the package stays cheap
    if name in ("read_articles", "list_runs", "store_stats", "show_capture"):
        from crawler import reader

        return getattr(reader, name)
    raise AttributeError(name)
