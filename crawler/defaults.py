"""Default Scrapy settings of the news crawler (``settings/news.py`` re-exports them).

Every ``CRAWLER_*``/``WARC_*``/``EXTRACT_*`` setting is documented in the README.
"""

from crawler import __version__

BOT_NAME = "newsarchiver"
SPIDER_MODULES = ["crawler.discovery"]
NEWSPIDER_MODULE = "crawler.discovery"

#: Contact URL put in the User-Agent; set it to a page that says who runs the crawl.
CRAWLER_CONTACT_URL = "https://github.com/newsarchiver/newsarchiver"
USER_AGENT = f"newsarchiver/{__version__} (+{CRAWLER_CONTACT_URL})"

# --- where and what ---------------------------------------------------------------
CRAWLER_STORE = "./archive"
CRAWLER_SEEDS = []
CRAWLER_MAX_DEPTH = -1           # link hops from a seed; -1 = unlimited
CRAWLER_MAX_PAGES = 0            # fetches (robots.txt, redirects, retries included); 0 = unlimited; exact
CRAWLER_MAX_PAGES_PER_HOST = 0   # fetch budget per host (host[:port]); 0 = unlimited; exact
CRAWLER_ALLOWED_DOMAINS = []     # domains in scope besides the seeds' registered domains
CRAWLER_ALLOW = []               # regexes a URL must match (empty = all in scope)
CRAWLER_DENY = []                # regexes that exclude a URL
CRAWLER_FOLLOW_LINKS = True
CRAWLER_SITEMAPS = True
CRAWLER_GUESS_SITEMAPS = True    # try /sitemap.xml when robots.txt names none
CRAWLER_FEEDS = True
CRAWLER_SITEMAP_SINCE = None     # e.g. "2d" or "2026-11-01": window on lastmod/publication_date
CRAWLER_TRACKING_PARAMS = []     # extra query parameters to drop (utm_* etc. always dropped)
CRAWLER_ALLOW_PRIVATE = False    # allow private/loopback/link-local targets
CRAWLER_ALLOWED_NETWORKS = []    # CIDRs allowed even without CRAWLER_ALLOW_PRIVATE
CRAWLER_LOOPBACK_ONLY = False    # refuse every host but localhost/127.x by name, before DNS ($NEWSARCHIVER_LOOPBACK_ONLY=1)
CRAWLER_MAX_URL_LENGTH = 2048
CRAWLER_MAX_REPEATED_SEGMENTS = 2
CRAWLER_MAX_QUERY_VARIANTS = 50
CRAWLER_MAX_URLS_PER_HOST = 50000   # trap guard: distinct URLs queued per host name
CRAWLER_MAX_LINKS_PER_PAGE = 5000   # links followed per page (link floods)
CRAWLER_RESOURCES = True         # fetch what each HTML page needs to render (--no-resources: off)
CRAWLER_RESOURCES_MAX_PER_PAGE = 200          # resources requested per page or stylesheet
CRAWLER_RESOURCES_MAX_SIZE = 10 * 1024 * 1024  # bytes per resource (larger ones are cut)

CRAWLER_FAILING_MIN = 5          # failures (404/410/5xx, non-HTML) before a path pattern is demoted (host: twice)

# --- frontier (crawler.discovery.frontier): order, fairness between hosts, budgets ----------
SCHEDULER = "crawler.discovery.frontier.FrontierScheduler"
SCHEDULER_PRIORITY_QUEUE = "crawler.discovery.frontier.HostQueues"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_START_MEMORY_QUEUE = None
SCHEDULER_START_DISK_QUEUE = None

# --- politeness ---------------------------------------------------------------------
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CRAWLER_MAX_CRAWL_DELAY = 30.0
CRAWLER_MAX_RETRY_AFTER = 120.0
RETRY_TIMES = 2
COOKIES_ENABLED = False
DEPTH_LIMIT = 0

# --- fetch limits -------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
HTTPERROR_ALLOWED_CODES = []

# --- archive ------------------------------------------------------------------------
WARC_ENABLED = True
WARC_PREFIX = "news"
WARC_MAX_SIZE = 1024 ** 3
WARC_DIGEST_ALGORITHM = "sha1"   # or "sha256"
WARC_GZIP_LEVEL = 6              # zlib level of the gzip members (1 fastest ... 9 smallest)
WARC_CHUNKED_PAYLOAD_DIGEST = "stored"  # "stored" (what warcio check / FastWARC verify) or "entity" (WARC 1.1 text)
DOWNLOAD_HANDLERS = {
    "http": "crawler.archive.capture.ArchivingDownloadHandler",
    "https": "crawler.archive.capture.ArchivingDownloadHandler",
}

# --- browser capture (crawl --browser; crawler.browser, needs the [browser] extra) -----------
CRAWLER_BROWSER = False          # render each HTML page in headless Chromium
CRAWLER_BROWSER_EXECUTABLE = "/usr/bin/chromium"   # Debian's chromium; never 'playwright install'
CRAWLER_BROWSER_CONCURRENCY = 2  # pages rendered at once
CRAWLER_BROWSER_PAGE_TIMEOUT = 30.0  # seconds for a page to load and settle
CRAWLER_BROWSER_IDLE_WAIT = 2.0  # at most this long waiting for the network to go idle (twice)
CRAWLER_BROWSER_PAGES_PER_BROWSER = 100   # restart Chromium after this many pages ...
CRAWLER_BROWSER_MAX_RSS_MB = 1024         # ... or once its processes use more memory
CRAWLER_BROWSER_MAX_REQUESTS_PER_PAGE = 300
CRAWLER_BROWSER_SCREENSHOT = True          # full-page PNG as a WARC resource record
CRAWLER_BROWSER_SCREENSHOT_MAX_HEIGHT = 10000
CRAWLER_BROWSER_CACHE_MB = 64    # resources kept in memory so each is fetched once per crawl

# --- deduplication and incremental recrawls --------------------------------------------
DEDUP_ENABLED = True
DEDUP_BACKEND = None             # None = SQLite in the store's state/ folder; "redis://host:6379/0"
DEDUP_MIN_REVISIT_SIZE = 256     # payloads smaller than this are stored in full anyway
DEDUP_NEAR_DUPLICATES = "mark"   # "mark" (duplicate_of), "suppress" (no record) or "off"
CRAWLER_RECRAWL_YOUNGER_THAN = "2d"  # re-check archived articles whose payload changed this recently
CRAWLER_RECRAWL_MIN_AGE = "30m"      # ... but not those captured less than this ago (crash resume)

# --- distributed crawls (crawler.distributed, scrapy-redis) -------------------------------
CRAWLER_REDIS_URL = None         # "redis://host:6379/0": crawl/worker share this Redis frontier
CRAWLER_REDIS_JOB = "news"       # namespace of the job's Redis keys
CRAWLER_WORKER_NAME = None       # default HOST-PID
CRAWLER_WORKER_HEARTBEAT = 1.0   # seconds between heartbeats
CRAWLER_WORKER_TIMEOUT = 15.0    # a worker silent this long is dead: its requests are re-queued
CRAWLER_WORKER_IDLE_GRACE = 2.0  # frontier empty + all idle this long = crawl complete
CRAWLER_WORKER_POLL = 0.2        # how often an idle worker looks at the shared frontier
CRAWLER_WORKER_MAX_INFLIGHT = 0  # requests a worker takes from the frontier at once (0 = CONCURRENT_REQUESTS)
CRAWLER_WORKER_MAX_PAGES = 0     # stop this worker alone after N responses (--max-pages is the crawl's budget)
# --- end distributed crawls ---------------------------------------------------------------

# --- extraction ---------------------------------------------------------------------
EXTRACT_WORKERS = -1             # -1 = one per CPU core; 0 = inline (debugging)
EXTRACT_TIMEOUT = 30.0
EXTRACT_MAX_TASKS_PER_CHILD = 10000   # a worker is replaced after this many pages ...
EXTRACT_WORKER_MAX_RSS_MB = 1024      # ... or once its resident memory exceeds this
EXTRACT_NICE = 0                 # raise to run extraction workers at a lower CPU priority than the crawl engine
CRAWLER_LINKS_IN_WORKERS = True  # parse pages for links in the extraction workers, not on the reactor
ARTICLES_PART_MAX_RECORDS = 50000

# --- components ---------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    "crawler.discovery.netguard.NetGuardMiddleware": 50,
    # robots.txt of every host, CDNs of page resources included (crawler/discovery/robots.py)
    "crawler.discovery.robots.OffsiteRobotsMiddleware": 45,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.discovery.robots.RobotsTxtMiddleware": 100,
    "crawler.discovery.politeness.PolitenessMiddleware": 560,
    "crawler.dedup.redirects.ConditionalRedirects": 580,  # a redirect target's own validators
    "crawler.discovery.frontier.FrontierMiddleware": 990,  # counts fetches, last before the network
}
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.discovery.politeness.PoliteAutoThrottle": 0,
    "crawler.outcome.CrawlOutcome": 999,   # seeds and pages fetched: the "nothing fetched" verdict
    "crawler.extensions.RunFinalizer": 1000,
    "crawler.extensions.Progress": 1001,
    "crawler.extensions.GcTuning": 1002,
    "crawler.schedule.jobdir.JobDirGuard": 1003,  # only with JOBDIR
    "crawler.metrics.crawl.CrawlMetrics": 1004,  # only with CRAWLER_METRICS_PORT
    "scrapy.extensions.telnet.TelnetConsole": None,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ExtractionPipeline": 100,
    "crawler.pipelines.ArticleStorePipeline": 900,
}
CONCURRENT_ITEMS = 32
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 20 * 1024 * 1024  # responses waiting for extraction may hold this much

#: gen0/gen1/gen2 thresholds of the garbage collector during the crawl ([] = Python's defaults)
CRAWLER_GC_THRESHOLDS = [20000, 20, 50]

# --- metrics (crawler.metrics) -----------------------------------------------------
CRAWLER_METRICS_PORT = 0          # Prometheus /metrics on this port while the crawl runs; 0 = off
CRAWLER_METRICS_HOST = "127.0.0.1"  # address it binds (0.0.0.0 to be scraped from elsewhere)

LOG_LEVEL = "INFO"
LOG_INSTALL_ROOT_HANDLER = True
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
