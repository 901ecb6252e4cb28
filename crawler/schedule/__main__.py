"""``python -m crawler.schedule run|schedule|jobs ...`` -- the scheduler's entry point.

The scheduler starts job runs through this module so that it does not depend on how
the top-level ``crawler`` command is wired."""

import sys

from crawler.schedule.cli import main

sys.exit(main())
