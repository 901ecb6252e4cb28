"""Exit codes of every ``crawler`` command, in one place (the README's table is this one).

Crawl-like commands (crawl, run, worker, schedule's child runs):
  0  finished: pages archived, every file in the store
  1  failed, or stopped before the end (SIGTERM / Ctrl-C; manifest status ``shutdown``)
  2  bad usage: invalid option or value, invalid job file, no valid seed, job folder in use
  3  store error: not writable, wrong credentials, missing bucket
  4  busy: the job, or the store (another crawl holds its lock), is already in use
  5  nothing archived: no page was fetched (every seed failed, site down, all refused)
  6  finished, but files are still pending upload (``crawler upload --pending`` completes it)

Reading commands (articles, stats, show, index, search, verify, export):
  0  results printed / all clean
  1  nothing matched (a message on stderr says so), or ``verify`` found problems
  2  bad usage, including an unknown crawl id
  3  the store does not exist or cannot be read
"""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2
EXIT_STORE = 3
EXIT_BUSY = 4
EXIT_NOTHING_FETCHED = 5
EXIT_PENDING_UPLOAD = 6
