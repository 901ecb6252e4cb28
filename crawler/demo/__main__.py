"""``python -m crawler.demo [--port N]`` -- same as ``python -m crawler.demo.server``."""

from .server import main

raise SystemExit(main())
