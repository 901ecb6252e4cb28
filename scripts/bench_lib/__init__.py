"""Helpers of ``scripts/bench``: a synthetic news site rendered to a folder, a fast static
server for it (nginx, or a threaded Python fallback), process-tree measurement and a
py-spy profile summary.  Not part of the ``crawler`` package."""
