"""Resident memory of a process tree, read from /proc (Linux) — used by the hardening
tests and ``scripts/bench`` to measure the crawler together with its extraction workers."""

from __future__ import annotations

import os

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def tree_rss(pid: int) -> tuple[int, int, int]:
    """(sum of RSS over pid + descendants, largest single RSS, number of processes)."""
    tree = _children()
    total = largest = n = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        todo += tree.get(p, [])
        try:
            with open(f"/proc/{p}/statm") as fh:
                rss = int(fh.read().split()[1]) * _PAGE
        except OSError:
            continue
        total += rss
        largest = max(largest, rss)
        n += 1
    return total, largest, n
