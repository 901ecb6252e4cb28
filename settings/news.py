"""Scrapy project settings (``scrapy crawl news -a seeds=URL``): the package defaults.

Override anything here or with ``-s NAME=VALUE``; crawl jobs live in ``settings/jobs/``.
"""

from crawler.defaults import *  # noqa: F401,F403
