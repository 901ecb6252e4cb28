"""Discovery: what to fetch (seeds, robots.txt, sitemaps, feeds, links, trap guards)."""
