"""A small article corpus written through the real write path (tests.reader.storebuilder)."""

from __future__ import annotations

from pathlib import Path

from tests.reader.storebuilder import Page, write_run

RUN_A = "20261120T080000Z-a1a1a1"
RUN_B = "20261126T080000Z-b2b2b2"

PAGES_A = [
    Page("https://news.example.com/2026/11/20/harbour-flooding.html", "2026-11-20T08:01:00Z",
         title="Harbour flooding closes the ferry terminal",
         text="Flooding in the harbour closed the ferry terminal on Thursday.\n"
              "Port officials said the flooding was the worst in a decade."),
    Page("https://news.example.com/2026/11/20/council-budget.html", "2026-11-20T08:02:00Z",
         title="Council approves the budget after a long debate",
         text="The council approved next year's budget. Spending on roads rises.\n"
              "Flooding defences get a small share, the treasurer said."),
    Page("https://news.example.com/2026/11/20/football.html", "2026-11-20T08:03:00Z",
         title="Late goal settles the derby",
         text="A late goal settled the derby in front of a full stadium.\nThe coach praised the defence."),
]
PAGES_B = [
    Page("https://www.other.example.org/weather/outlook.html", "2026-11-26T09:00:00Z",
         title="Weather outlook for the weekend",
         text="Rain returns on Saturday. Forecasters see no risk of flooding this time.\nSunday stays dry."),
    Page("https://www.other.example.org/de/hafen.html", "2026-11-26T09:05:00Z", language="de",
         title="Überschwemmung im Hafen",
         text="Die Überschwemmung im Hafen legte den Fährverkehr lahm.\nDie Behörden sprechen von flooding."),
]


def build_corpus(store: Path, *, second_run: bool = True) -> dict[str, str]:
    """Write the corpus; returns {url: record id}."""
    ids = dict(write_run(store, RUN_A, PAGES_A)["ids"])
    if second_run:
        ids.update(write_run(store, RUN_B, PAGES_B)["ids"])
    return ids
