"""The frontier's order: one table of request priorities (``Request.priority``, higher
is fetched first; FIFO among equal priorities, see :mod:`crawler.discovery.frontier`).

Tiers, best first (issue 16):

====================  ===========  ==============================================
tier                  priority     what
====================  ===========  ==============================================
``discovery``         250          robots.txt, sitemaps (indexes and url sets), feeds
``listed``            151 – 164    URLs listed in a (news) sitemap or a feed, newest
                                   first: ``listed + freshness bucket`` (see
                                   :func:`listed_priority`); 150 when undated
``seed``              120          the seeds
``resource``          110          page resources (stylesheets, images, scripts, fonts:
                                   hop ``E``): a page's resources come right after it,
                                   before the links still queued
``link``              20 – 99      links, breadth-first: ``link - 2 * hops``, plus 1
                                   for a listing page (section, tag, pagination), so
                                   at equal hops listing pages come first
``demoted``           10           a request whose host or path pattern keeps
                                   failing (404/410/5xx, non-HTML), see
                                   :class:`crawler.discovery.frontier.FailureTracker`
====================  ===========  ==============================================

Every value is a small integer (0 – 255), so a score of the form
``priority, insertion order`` expresses the whole order (a Redis sorted set:
``score = -priority * 2**40 + sequence``).
"""

from __future__ import annotations

from datetime import datetime, timezone

#: The table: tier name -> base priority.
PRIORITY: dict[str, int] = {
    "discovery": 250,
    "listed": 150,
    "seed": 120,
    "resource": 110,
    "link": 100,
    "demoted": 10,
}

PRIO_DISCOVERY = PRIORITY["discovery"]
PRIO_LISTED = PRIORITY["listed"]
PRIO_SEED = PRIORITY["seed"]
PRIO_RESOURCE = PRIORITY["resource"]
PRIO_LINK = PRIORITY["link"]
PRIO_DEMOTED = PRIORITY["demoted"]

#: Hop counts beyond this share the last priority of the link tier.
MAX_LINK_HOPS = 40

#: Freshness buckets of listed URLs: upper bounds of the age, in hours.  A URL younger
#: than the first bound gets ``PRIO_LISTED + len(FRESHNESS_HOURS) + 1``, one older
#: than the last ``PRIO_LISTED + 1``; undated URLs ``PRIO_LISTED``.  Within a bucket
#: the order is FIFO, and each sitemap/feed is enqueued newest first.
FRESHNESS_HOURS = (1, 3, 6, 12, 24, 48, 72, 168, 336, 720, 2160, 4320, 8760)

#: ``request.meta["source"]`` values (also the ``frontier/fetched/source/<src>`` stats).
SOURCES = ("robots", "sitemap", "feed", "seed", "listing", "link", "resource")


def listed_priority(date: datetime | None, now: datetime | None = None) -> int:
    """Priority of a URL listed in a sitemap or feed with this publication date /
    lastmod (newer is better)."""
    if date is None:
        return PRIO_LISTED
    now = now or datetime.now(timezone.utc)
    if date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc)
    age_hours = (now - date).total_seconds() / 3600.0
    for i, bound in enumerate(FRESHNESS_HOURS):
        if age_hours < bound:
            return PRIO_LISTED + len(FRESHNESS_HOURS) + 1 - i
    return PRIO_LISTED + 1


def link_priority(hops: int, listing: bool = False) -> int:
    """Priority of a link found ``hops`` link hops from its seed (breadth-first; at
    equal hops a listing page first)."""
    return PRIO_LINK - 2 * min(max(hops, 0), MAX_LINK_HOPS) + (1 if listing else 0)


def is_upgradable(priority: int) -> bool:
    """Requests queued at this priority may be replaced by a better sighting (a link
    that a sitemap or feed lists too)."""
    return priority < PRIO_SEED
