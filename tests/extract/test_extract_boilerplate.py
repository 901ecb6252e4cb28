"""Boilerplate regression suite: hand-written pages in many CMS styles and languages.

For each page: (a) no boilerplate sentence survives in ``text``; (b) every article paragraph does.
"""

from __future__ import annotations

import pytest

from crawler.extract import extract_page
from crawler.extract.clean import postclean_blocks

from _extract_cases import CASES
from _extract_helpers import contains, make_page

RESULTS: dict[str, object] = {}


def _result(case):
    if case.name not in RESULTS:
        RESULTS[case.name] = extract_page(make_page(case.url, case.html))
    return RESULTS[case.name]


def test_enough_fixtures():
    assert len(CASES) >= 12
    assert {c.lang for c in CASES} >= {"en", "de", "fr", "es", "it", "pt", "nl"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_article_paragraph_kept(case):
    res = _result(case)
    assert res.kind == "article", res.reason
    text = res.article.text
    missing = [p for p in case.paragraphs if not contains(text, p)]
    assert not missing, f"dropped article paragraphs: {missing}\n--- text ---\n{text}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_no_boilerplate_left(case):
    res = _result(case)
    assert res.kind == "article", res.reason
    text = res.article.text
    leaked = [b for b in case.boilerplate if contains(text, b)]
    assert not leaked, f"boilerplate leaked: {leaked}\n--- text ---\n{text}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_language_and_paragraph_format(case):
    art = _result(case).article
    assert art.language == case.lang
    # paragraphs are separate blocks separated by a blank line
    blocks = art.text.split("\n\n")
    assert len(blocks) >= len(case.paragraphs)
    assert art.word_count >= 60


def test_title_not_repeated_in_text():
    case = next(c for c in CASES if c.name == "wordpress_classic")
    art = _result(case).article
    assert art.title == "Grain terminal to become market hall"
    assert not art.text.startswith("Grain terminal to become market hall")


def test_leaked_footer_example_lines_are_removed_by_postclean():
    # the shape of text a naive scraper produced (see shared/examples): article, then footer lines
    article = [
        "The council published its budget on Monday, and the opposition said the plans for the harbour were vague.",
        "Officials insisted the figures were cautious and that the harbour would be funded from the port's own revenue.",
    ]
    leaked = article + ["Similar Posts", "Leave a Reply", "Your email address will not be published. Required fields are marked *"]
    assert postclean_blocks(leaked) == article


def test_postclean_keeps_long_paragraph_with_trigger_words():
    para = (
        "Your email address will not be published anywhere, the bank promised customers in a letter that also said required fields "
        "in the new online form are marked with a star, a change that consumer groups said came far too late for the thousands "
        "of people whose data had already leaked in the breach last spring, according to the regulator's report on the incident."
    )
    assert postclean_blocks([para]) == [para]


def test_postclean_keeps_subheadings_after_related_line_when_prose_follows():
    blocks = ["Related", "The harbour plan", "A long paragraph of the article continues here with full sentences and a final period."]
    assert postclean_blocks(blocks) == blocks[1:]


def test_line_patterns_are_whole_line_only():
    from crawler.extract.patterns import is_boilerplate_line

    assert is_boilerplate_line("Credit: Getty Images")
    assert is_boilerplate_line("Share this:")
    assert is_boilerplate_line("Anzeige")
    assert not is_boilerplate_line("Source: Ministry of Health figures show that the rate fell.")
    assert not is_boilerplate_line("He said the company would share this information with regulators next week.")
    assert not is_boilerplate_line("Related measures will be debated in parliament next week.")
