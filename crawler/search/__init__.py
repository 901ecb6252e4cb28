"""Full-text search over the archived articles (SQLite FTS5, BM25 ranking, snippets).

:class:`~crawler.search.index.SearchIndex` keeps ``state/search.sqlite3`` up to date
from the JSON Lines parts (incrementally: parts already indexed are not read again;
only the latest version of each record is kept); :mod:`crawler.search.query` turns
what a user types into an FTS5 query; :mod:`crawler.search.cli` is ``crawler search``.
"""

from crawler.search.index import Hit, SearchError, SearchIndex, open_index

__all__ = ["Hit", "SearchError", "SearchIndex", "open_index"]
