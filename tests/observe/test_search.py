"""Full-text search: ranking, filters, incremental updates, versions, the CLI."""

from __future__ import annotations

import json

import pytest

from crawler.cli import main
from crawler.search.index import SearchError, SearchIndex, open_index
from crawler.search.query import QueryError, to_match
from crawler.storage.base import LocalStore
from tests.observe.corpus import PAGES_A, PAGES_B, RUN_A, RUN_B, build_corpus
from tests.reader.storebuilder import write_run
from tests.reader.test_versions import write_reprocess

FLOOD, BUDGET = PAGES_A[0].url, PAGES_A[1].url
OUTLOOK, HAFEN = PAGES_B[0].url, PAGES_B[1].url


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "archive"
    ids = build_corpus(path)
    return path, ids


def _index(path) -> SearchIndex:
    index = open_index(LocalStore(path))
    index.update(path)
    return index


def test_query_in_title_and_text_ranks_first(store):
    path, ids = store
    with _index(path) as index:
        hits, total = index.search("flooding")
    urls = [h.url for h in hits]
    assert urls[0] == FLOOD  # in the title and twice in the text
    assert set(urls) == {FLOOD, BUDGET, OUTLOOK, HAFEN} and total == 4
    assert PAGES_A[2].url not in urls
    first = hits[0]
    assert first.id == ids[FLOOD] and first.site == "news.example.com" and first.day == "2026-11-20"
    assert "[Flooding]" in first.snippet_text() or "[flooding]" in first.snippet_text()
    assert first.replay_path() == f"archive/20261120080100/{FLOOD}"


def test_filters_site_since_language(store):
    path, _ = store
    with _index(path) as index:
        assert [h.url for h in index.search("flooding", sites=["www.other.example.org"])[0]] in (
            [OUTLOOK, HAFEN], [HAFEN, OUTLOOK])
        assert {h.url for h in index.search("flooding", since="2026-11-26")[0]} == {OUTLOOK, HAFEN}
        assert {h.url for h in index.search("flooding", since="2026-11-26T09:01:00Z")[0]} == {HAFEN}
        assert [h.url for h in index.search("flooding", languages=["de"])[0]] == [HAFEN]
        assert [h.url for h in index.search("flooding", languages=["en"], sites=["news.example.com"],
                                            limit=1)[0]] == [FLOOD]
        # diacritics folded; phrases; exclusions; OR
        assert [h.url for h in index.search("uberschwemmung")[0]] == [HAFEN]
        assert [h.url for h in index.search('"ferry terminal"')[0]] == [FLOOD]
        assert {h.url for h in index.search("flooding -harbour")[0]} == {BUDGET, OUTLOOK, HAFEN}
        assert {h.url for h in index.search("derby OR forecasters")[0]} == {PAGES_A[2].url, OUTLOOK}
        with pytest.raises(SearchError):
            index.search("flooding", since="last tuesday")
        with pytest.raises(SearchError):
            index.search("  -- ")


def test_incremental_update_reads_only_new_parts(tmp_path):
    path = tmp_path / "archive"
    build_corpus(path, second_run=False)
    with open_index(LocalStore(path)) as index:
        first = index.update(path)
        assert (first.parts, first.records) == (1, 3)
        assert index.search("weather")[1] == 0
        write_run(path, RUN_B, PAGES_B)
        second = index.update(path)
        assert second.parts == 1 and second.records == 2  # the new run's part, and only it
        assert index.update(path).parts == 0
        assert [h.url for h in index.search("weather")[0]] == [OUTLOOK]
        assert index.stats()["articles"] == 5


def test_latest_version_only(store):
    path, ids = store
    with _index(path) as index:
        from crawler.reader import read_articles

        originals = [r for r in read_articles(path) if r["crawl_id"] == RUN_A]
        write_reprocess(path, "20261201T100000Z-cccccc", originals[:1], "2.0")
        result = index.update(path)
        assert result.replaced == 1
        hits, total = index.search("harbour")
        assert total == 1 and hits[0].id == ids[FLOOD] and hits[0].title.endswith("(2.0)")
        assert index.stats()["articles"] == 5
    # a rebuild meets the parts in key order whatever: same answer
    with open_index(LocalStore(path), reindex=True) as index:
        index.update(path)
        hits, total = index.search("harbour")
        assert total == 1 and hits[0].title.endswith("(2.0)")


def test_query_syntax_never_errors():
    assert to_match('C++ "central bank" rate* OR cut -poll') == (
        '("C++" AND "central bank" AND ("rate"* OR "cut")) NOT "poll"')
    assert to_match('AT&T U.S. "say ""hi"""') == '"AT&T" AND "U.S." AND "say" AND "hi"'
    with pytest.raises(QueryError):
        to_match("-only -exclusions")


def test_cli_search(store, capsys):
    path, ids = store
    assert main(["search", "flooding", "--store", str(path), "--json", "--limit", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == 4 and len(out["hits"]) == 2
    assert out["hits"][0]["url"] == FLOOD and out["hits"][0]["id"] == ids[FLOOD]
    assert out["hits"][0]["replay"] == f"http://127.0.0.1:8080/archive/20261120080100/{FLOOD}"
    assert (path / "state" / "search.sqlite3").is_file()
    assert main(["search", "flooding", "--store", str(path), "--site", "other.example.org",
                 "--language", "de"]) == 0
    text = capsys.readouterr().out
    assert "Überschwemmung im Hafen" in text and "Harbour" not in text and "1-1 of 1" in text
    assert main(["search", "volcano", "--store", str(path)]) == 1
    assert "no article matches" in capsys.readouterr().err
    assert main(["search", "flooding", "--store", str(path), "--since", "someday"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crawler: error: --since") and "Traceback" not in err
    assert main(["search", "--store", str(path)]) == 2
    assert main(["search", "x", "--store", str(path / "missing")]) == 3
    assert main(["search", "--reindex", "--store", str(path)]) == 0
    assert "indexed 5 article(s)" in capsys.readouterr().err
