"""Byte counts for people: ``512 B``, ``1.5 KB``, ``3.2 GB`` (powers of 1024), as the crawl
summary, ``crawler stats`` / ``crawler runs`` and the dashboard print them."""

from __future__ import annotations

from typing import Any


def human_size(n: Any, missing: str = "-") -> str:
    """``n`` bytes in B, KB, MB, GB or TB (one decimal above bytes); ``missing`` when ``n``
    is not a number (a count a manifest or the store did not give)."""
    if not isinstance(n, (int, float)):
        return missing
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(n)  # not reached
