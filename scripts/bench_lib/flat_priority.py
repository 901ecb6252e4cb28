"""Spider middleware for scripts/bench_frontier: every request the spider yields gets
priority 0, i.e. Scrapy's default order (no priorities; LIFO with Scrapy's queues)."""

from __future__ import annotations

from typing import Any, AsyncIterator

from scrapy import Request


class FlatPriority:
    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for r in result:
            if isinstance(r, Request):
                r.priority = 0
            yield r

    def process_spider_output(self, response: Any, result: Any, spider: Any = None) -> Any:
        for r in result:
            if isinstance(r, Request):
                r.priority = 0
            yield r
