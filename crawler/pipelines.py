"""Scrapy item pipelines: FetchedPage -> (extraction pool) -> Article -> JSON Lines.

Extraction never runs on the reactor thread: pages go to a process pool sized to the
CPU cores, so the engine keeps fetching on one core while the other extracts.  The pool
belongs to the crawl (``extraction_pool_of(crawler)``): the spider sends each HTML page
there once, for its article and its out-links together, and hands the result on with
the page (``FetchedPage.extracted``).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from scrapy.exceptions import DropItem

from crawler.context import RunContext, per_crawler
from crawler.record import Article, FetchedPage
from crawler.storage.articles import ArticleSink

logger = logging.getLogger(__name__)

_POOL_ATTR = "_newsarchiver_extraction_pool"


def _new_pool(crawler: Any) -> Any:
    from crawler.extract import ExtractionPool

    settings = crawler.settings
    workers = settings.getint("EXTRACT_WORKERS", -1)
    if workers < 0:
        workers = os.cpu_count() or 1
    return ExtractionPool(
        workers=workers,
        timeout=settings.getfloat("EXTRACT_TIMEOUT", 30.0),
        max_tasks_per_child=settings.getint("EXTRACT_MAX_TASKS_PER_CHILD", 10_000),
        max_worker_rss=settings.getint("EXTRACT_WORKER_MAX_RSS_MB", 1024) * 1024 * 1024,
        nice=settings.getint("EXTRACT_NICE", 0),
    )


def extraction_pool_of(crawler: Any) -> Any:
    """The crawl's extraction pool, or None when the crawl extracts nothing (no
    :class:`ExtractionPipeline`, e.g. a fetch-only crawl)."""
    return getattr(crawler, _POOL_ATTR, None)


class ExtractionPipeline:
    """Runs :func:`crawler.extract.extract_page` in a process pool."""

    def __init__(self, crawler: Any):
        settings = crawler.settings
        self.stats = crawler.stats
        self.dedup = None
        if settings.getbool("DEDUP_ENABLED", True):
            from crawler.dedup.service import Dedup

            self.dedup = Dedup.of(crawler)
        self.pool = per_crawler(crawler, _POOL_ATTR, _new_pool)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractionPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        result = item.extracted  # extracted with its links by the spider's pool job
        if result is None:
            result = await self.pool.extract(item)
        self.stats.inc_value(f"extract/{result.kind}")
        if result.article is None:
            if result.kind == "error":
                logger.warning("extraction failed for %s: %s", item.url, result.reason)
            raise DropItem(f"{item.url}: {result.kind} {result.reason}".strip(), log_level="DEBUG")
        article = result.article
        if self.dedup is not None:
            article.duplicate_of = self.dedup.near_duplicate_of(article, result.signature, result.band_keys)
            if article.duplicate_of:
                self.stats.inc_value("articles/near_duplicates")
                if self.dedup.near_mode == "suppress":
                    self.dedup.mark_article(article.url, article.id)
                    raise DropItem(f"{article.url}: near duplicate of {article.duplicate_of}",
                                   log_level="DEBUG")
        return article

    def close_spider(self) -> None:
        self.pool.close()


class ArticleStorePipeline:
    """Appends articles to the partitioned JSON Lines files of the run."""

    def __init__(self, crawler: Any):
        ctx = RunContext.of(crawler)
        self.stats = crawler.stats
        self.sink = ArticleSink(ctx, max_records=crawler.settings.getint("ARTICLES_PART_MAX_RECORDS", 50_000))
        self.dedup = None
        if crawler.settings.getbool("DEDUP_ENABLED", True):
            from crawler.dedup.service import Dedup

            self.dedup = Dedup.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArticleStorePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        self.sink.write(item)
        if self.dedup is not None:
            # Only once its JSON line is written does the URL count as done for later runs.
            self.dedup.mark_article(item.url, item.id)
        self.stats.inc_value("articles/written")
        return item

    def close_spider(self) -> None:
        self.sink.close()
