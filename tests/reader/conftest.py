"""Stores for the reader tests, written through the real write path (see storebuilder)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.reader.storebuilder import Page, write_run

RUN1 = "20261125T080000Z-aaaaaa"
RUN2 = "20261126T090000Z-bbbbbb"

RUN1_PAGES = [
    Page("https://www.alpha.example/2026/11/25/one", "2026-11-25T08:01:00Z", "en"),
    Page("https://www.alpha.example/2026/11/25/two", "2026-11-25T23:59:59Z", "en",
         tags=["economy"], authors=["Solo Writer"]),
    Page("https://alpha.example/2026/11/26/three", "2026-11-26T00:00:01Z", "en"),
    Page("https://beta.example/de/eins", "2026-11-26T09:00:00Z", "de", text="Ein Text, mit \"Zitat\"; und Ümlaut."),
    Page("https://beta.example/de/eins-kopie", "2026-11-26T09:05:00Z", "de", duplicate_of="0123456789abcdef0123"),
    Page("https://gamma.example/fr/un", "2026-11-27T12:00:00Z", "fr"),
    Page("https://alpha.example/section/", "2026-11-25T08:00:00Z", article=False),
]
RUN2_PAGES = [
    Page("https://www.alpha.example/2026/11/25/one", "2026-11-28T10:00:00Z", "en", text="Updated story."),
    Page("https://beta.example/de/zwei", "2026-11-28T10:30:00Z", "de"),
    Page("https://beta.example/de/zwei-kopie", "2026-11-28T10:31:00Z", "de", duplicate_of="abcdefabcdefabcdef01"),
    Page("https://delta.example/", "2026-11-28T11:00:00Z", None, text="No language detected here."),
    Page("https://beta.example/index.html", "2026-11-28T10:00:00Z", article=False),
]


@dataclass
class TwoRuns:
    store: Path
    run1: dict[str, Any]
    run2: dict[str, Any]

    @property
    def run1_urls(self) -> set[str]:
        return {p.url for p in RUN1_PAGES if p.article}

    @property
    def run2_urls(self) -> set[str]:
        return {p.url for p in RUN2_PAGES if p.article}


@pytest.fixture(scope="session")
def two_runs(tmp_path_factory) -> TwoRuns:
    """Run 1 (no CDXJ index) then run 2 (with a CDXJ index); small parts so that
    partitions hold several part files."""
    store = tmp_path_factory.mktemp("reader-store")
    r1 = write_run(store, RUN1, RUN1_PAGES, max_records=1)
    r2 = write_run(store, RUN2, RUN2_PAGES, cdxj=True)
    return TwoRuns(store, r1, r2)
