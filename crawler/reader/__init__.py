"""Reading the archive back: article records, runs, store statistics, captures.

Everything here goes through the :class:`~crawler.storage.base.Store` interface
(``list``, ``open_read``; optionally ``read_range`` / ``local_path``), so it works the
same on a local folder and on an object store.

* :func:`read_articles` streams records part file by part file, line by line: memory
  stays flat whatever the size of the store.  Date and site filters select the
  ``articles/date=.../site=...`` partitions from their keys before any file is opened.
* ``since`` gives incremental consumption from the run manifests: only the article
  files listed by runs that *finished* after the given run (or timestamp).
* :func:`show_capture` returns the archived HTTP response of a URL by reading only the
  WARC record's byte range (``Store.read_range`` when the backend has it), resolving
  deduplicated ``revisit`` records to their original.
* :func:`list_runs` / :func:`store_stats` summarise the manifests and the records.

Modules: ``base`` (store, part keys, bounds, manifests, lines), ``versions`` (which
version of a record is the latest), ``articles`` (:func:`read_articles`), ``runs``
(:func:`list_runs`, :func:`store_stats`), ``captures`` (:func:`show_capture`).  The
names below are re-exported so ``from crawler.reader import ...`` keeps working.
"""

from __future__ import annotations

from crawler.reader.articles import article_from_dict, read_articles
from crawler.reader.base import (
    CRAWL_ID_RE, ArticleKey, ReaderError, open_any_store, parse_article_key, site_partition,
)
from crawler.reader.captures import (
    REVISIT_NOT_MODIFIED, Capture, find_capture, find_captures, read_range, show_capture,
    warc_record_block,
)
from crawler.reader.runs import list_runs, store_stats
from crawler.reader.versions import version_rank

__all__ = [
    "ReaderError", "read_articles", "list_runs", "store_stats", "show_capture",
    "find_capture", "find_captures", "article_from_dict", "open_any_store", "Capture",
    # helpers other packages use
    "ArticleKey", "CRAWL_ID_RE", "REVISIT_NOT_MODIFIED", "parse_article_key", "read_range",
    "site_partition", "version_rank", "warc_record_block",
]
