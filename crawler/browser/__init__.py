"""Optional browser capture (``crawl --browser``) and the browser side of the replay check.

Nothing here is imported by a crawl without ``--browser``: Playwright and Pillow are
optional (extra ``browser``), and every module that needs them imports them itself.

* :mod:`crawler.browser.chromium` -- launching Debian's Chromium through Playwright, the
  page-settling and screenshot steps shared by the capture and the replay check;
* :mod:`crawler.browser.render` -- :class:`BrowserRenderer`: renders each HTML page of a
  crawl with every request the browser makes routed through the crawler's downloader (so
  archived by the same byte-exact capture), stores a full-page screenshot record, hands
  the rendered DOM to extraction.
"""
