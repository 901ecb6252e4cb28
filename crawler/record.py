"""The typed records that flow through the pipeline.

``FetchedPage`` is what the fetch/archive stage hands to extraction (picklable, so it
can cross into the extraction process pool).  ``Article`` is the cleaned record that
lands in the JSON Lines files; its JSON form is described by
``crawler/schema/article.schema.json`` and the README.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

#: Version of the JSON record contract (``crawler schema`` prints the schema).
#: Additive changes bump the minor part; a breaking change bumps the major part.
SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class WarcPointer:
    """Where the raw capture an article came from lives."""

    filename: str
    offset: int
    length: int
    record_id: str
    payload_digest: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"filename": self.filename, "offset": self.offset, "length": self.length,
                "record_id": self.record_id, "payload_digest": self.payload_digest}


@dataclass
class FetchedPage:
    """One successful HTML fetch, as handed to extraction.

    ``body`` is the content-decoded entity (gzip/br removed), ``headers`` the response
    headers with lower-case names.  Everything here comes from the WARC record, so
    offline re-extraction rebuilds the exact same object.
    """

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: str
    crawl_id: str
    warc: WarcPointer | None = None
    encoding: str | None = None
    #: Discovery hints: ``source`` (seed/link/sitemap/news-sitemap/feed), ``depth``,
    #: ``via``, ``news_title``, ``news_published`` ...
    hints: dict[str, Any] = field(default_factory=dict)
    #: The :class:`~crawler.extract.extractor.ExtractResult`, when the page was already
    #: extracted (the spider has the article and the out-links of a page made in one
    #: extraction-worker job); the extraction pipeline then takes it over as it is.
    extracted: Any = field(default=None, repr=False, compare=False)


@dataclass
class Article:
    """The cleaned article record (one JSON line)."""

    id: str
    url: str
    canonical_url: str | None
    site: str
    title: str | None
    author: str | None
    authors: list[str]
    published: str | None
    modified: str | None
    language: str | None
    sitename: str | None
    description: str | None
    tags: list[str]
    categories: list[str]
    image: str | None
    text: str
    word_count: int
    fetched_at: str
    http_status: int
    crawl_id: str
    warc: WarcPointer | None
    extractor_version: str
    schema_version: str = SCHEMA_VERSION
    text_digest: str | None = None
    duplicate_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # field by field (dataclasses.asdict deep-copies recursively: 10x slower); the
        # lists are copied so the dict never aliases the record
        data = {name: getattr(self, name) for name in _ARTICLE_FIELDS}
        for name in ("authors", "tags", "categories"):
            data[name] = list(data[name])
        data["warc"] = self.warc.to_dict() if self.warc else None
        return data


_ARTICLE_FIELDS = tuple(f.name for f in dataclasses.fields(Article))


def article_id(record_id: str | None, url: str) -> str:
    """Stable article id: derived from the WARC record id (or the URL when absent)."""
    basis = record_id or url
    return hashlib.sha1(basis.encode("utf-8")).hexdigest()[:20]
