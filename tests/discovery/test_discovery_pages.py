import pytest

from crawler.discovery.pages import url_kind

CASES = {
    "listing": [
        "https://news.example.com",
        "https://news.example.com/",
        "https://news.example.com/index.html",
        "https://news.example.com/default.aspx",
        "https://news.example.com/news/index.php",
        "https://news.example.com/tag/climate-change-policy-news",
        "https://news.example.com/tags/eu",
        "https://news.example.com/category/world/europe",
        "https://news.example.com/categories/sport",
        "https://news.example.com/section/business",
        "https://news.example.com/topic/elections",
        "https://news.example.com/topics/ai/",
        "https://news.example.com/author/jane-mary-doe",
        "https://news.example.com/authors/",
        "https://news.example.com/category/news/page/2",
        "https://news.example.com/page/17/",
        "https://news.example.com/news?page=3",
        "https://news.example.com/search?q=flood",
        "https://news.example.com/?s=flood",
        "https://news.example.com/archive/",
        "https://news.example.com/2026/",
        "https://news.example.com/2026/01/",
        "https://news.example.com/2026/01/15/",
        "https://news.example.com/2026/01/15/index.html",
        "https://news.example.com/world/2026/jan/15/",
        # multilingual
        "https://www.example.de/rubrik/politik",
        "https://www.example.de/thema/klimawandel-und-energie",
        "https://www.example.de/schlagwort/bundestag",
        "https://www.example.de/autor/max-mustermann",
        "https://www.example.de/politik/seite/2",
        "https://www.example.fr/categorie/societe",
        "https://www.example.fr/auteur/jean-dupont",
        "https://www.example.es/etiqueta/elecciones-generales-2026",
        "https://www.example.it/argomenti/politica",
    ],
    "article": [
        "https://news.example.com/2026/01/15/city-council-approves-budget/",
        "https://news.example.com/2026/01/city-council-approves-budget",
        "https://news.example.com/world/2026/jan/15/uk-floods-latest",
        "https://news.example.com/category/world/2026/01/15/big-storm-hits",
        "https://news.example.com/2026/01/15/story?page=2",  # paginated article
        "https://news.example.com/2026-01-15-city-council-approves-budget",
        "https://news.example.com/politics/city-council-approves-budget",
        "https://news.example.com/news/world-europe-12345678",
        "https://news.example.com/a/12345678",
        "https://news.example.com/politik/brexit-deal.html",
        "https://news.example.com/politik/article123456.ece",
        "https://www.example.de/politik/%C3%BCber-die-grenze-gehen",
        "https://news.example.com/?p=123",
    ],
    "asset": [
        "https://news.example.com/files/report.PDF",
        "https://cdn.example.com/img/photo.jpg",
        "https://cdn.example.com/img/photo.jpeg?w=800",
        "https://cdn.example.com/img/logo.svg",
        "https://cdn.example.com/img/a.webp",
        "https://cdn.example.com/static/app.css",
        "https://cdn.example.com/static/app.js",
        "https://cdn.example.com/media/podcast-episode-12.mp3",
        "https://cdn.example.com/media/clip.mp4",
        "https://cdn.example.com/dl/archive.zip",
        "https://cdn.example.com/fonts/x.woff2",
    ],
    "feed": [
        "https://news.example.com/feed",
        "https://news.example.com/feed/",
        "https://news.example.com/rss",
        "https://news.example.com/rss.xml",
        "https://news.example.com/atom.xml",
        "https://news.example.com/index.xml",
        "https://news.example.com/feeds/all.atom.xml",
        "https://news.example.com/category/world/feed/",
        "https://news.example.com/feed/atom/",
        "https://news.example.com/news.rss",
        "https://news.example.com/sitemap.xml",
        "https://news.example.com/sitemap-2026-01.xml.gz",
        "https://news.example.com/feed.json",
        "https://news.example.com/?feed=rss2",
    ],
    "unknown": [
        "https://news.example.com/politics/",
        "https://news.example.com/about",
        "https://news.example.com/privacy-policy",
        "https://news.example.com/terms-and-conditions/",
        "https://news.example.com/contact",
        "https://news.example.com/news/article.php?id=12",
        "https://news.example.com/2026/01/15/12",
    ],
}


@pytest.mark.parametrize("kind,url", [(k, u) for k, urls in CASES.items() for u in urls])
def test_url_kind(kind, url):
    assert url_kind(url) == kind


def test_url_kind_never_raises():
    for junk in ["", "not a url", "http://[::1/", "mailto:x@y", "////", "?page=2"]:
        assert url_kind(junk) in {"listing", "article", "asset", "feed", "unknown"}
