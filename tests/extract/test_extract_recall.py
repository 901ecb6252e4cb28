"""No article cut short: an article body split over several containers of the same kind
(live blogs, bodies cut by embeds) is extracted whole (crawler/extract/recall.py)."""

from __future__ import annotations

from html import escape

from crawler.extract import extract_page

from _extract_cases import EN_1, EN_2, ps
from _extract_helpers import make_page

POSTS = [
    ("18:05", "The ferry crossed the bay in twelve minutes on its first scheduled run, two minutes quicker than the timetable promised and with every one of its ninety seats taken."),
    ("17:40", "Harbour master Ines Kowalski told passengers that the new pontoon will stay open until ten in the evening during the summer, when the last boat returns from the island."),
    ("17:15", "Residents of the old quay queued for an hour to try the crossing, and several said they would leave the car at home for the weekly trip to the market on the far shore."),
    ("16:50", "The operator confirmed that bicycles travel free until the end of September, after which a small fee will be charged to cover the cost of the racks on the upper deck."),
]
TEASERS = "".join(
    f'<div class="component"><p><a href="/news/2024/03/{i}/story">{t}</a></p></div>'
    for i, t in enumerate(["Council approves new tram depot after a long and heated debate in the chamber on Tuesday",
                           "Fishing fleet returns early as the winter storms close the harbour mouth for the third time",
                           "Winter storms close the pier and the promenade until engineers have inspected the railings"]))


def liveblog_html() -> str:
    """A summary, then posts that each hold their own body container of the same class."""
    summary = f'<div class="articleBodyText"><div class="component">{ps(EN_1)}</div></div>'
    posts = "".join(
        f'<div class="live-post"><h2 class="live-post__title">{t} update</h2><div class="live-post__body">'
        f'<div class="articleBodyText"><div class="component"><p>{escape(text)}</p><p>{escape(EN_2[i % len(EN_2)])}</p>'
        f'</div></div></div></div>'
        for i, (t, text) in enumerate(POSTS))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Ferry opening day: live</title>'
            f'<meta property="og:type" content="article"></head><body><header><nav><a href="/">Home</a> '
            f'<a href="/news/">News</a></nav></header><main class="container"><article class="grid"><div class="grid-col">'
            f'<h1>Ferry opening day: live updates</h1><p class="byline">By Ann Writer</p>{summary}</div></article>'
            f'<aside class="more"><div class="articleBodyText">{TEASERS}</div></aside></main>'
            f'<div class="liveblog-tab"><div class="live-stream">{posts}</div></div>'
            f'<footer><p>© Harbour News</p></footer></body></html>')


def test_live_blog_posts_in_their_own_body_containers_are_kept():
    res = extract_page(make_page("https://harbour-news.example/2024/03/12/ferry-opening-day-live/", liveblog_html()))
    assert res.kind == "article", res.reason
    text = res.article.text
    for p in EN_1:
        assert p in text
    for _, post in POSTS:
        assert post in text  # plain trafilatura keeps only the first container (the summary)
    # in document order: the summary first, the posts after it, newest first as on the page
    positions = [text.index(p) for p in (EN_1[0], POSTS[0][1], POSTS[1][1], POSTS[3][1])]
    assert positions == sorted(positions)
    # a container of the same class holding link teasers is not article text
    assert "Council approves new tram depot" not in text


def test_single_body_container_is_left_alone():
    html = liveblog_html().split('<div class="liveblog-tab">')[0] + "</body></html>"
    res = extract_page(make_page("https://harbour-news.example/2024/03/12/ferry-opening-day/", html))
    assert res.kind == "article", res.reason
    assert all(p in res.article.text for p in EN_1)
    assert not any(post in res.article.text for _, post in POSTS)
    assert "Council approves new tram depot" not in res.article.text
