"""The result of a fixity audit: counts, problems (each naming its file), orphans."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: details kept per (file, check); the rest are counted
MAX_DETAILS = 20


@dataclass
class Problem:
    file: str
    check: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"file": self.file, "check": self.check, "detail": self.detail}


@dataclass
class Report:
    store: str
    crawl_id: str | None = None
    counts: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    suppressed: Counter = field(default_factory=Counter)
    bytes_read: int = 0
    elapsed: float = 0.0
    _per: Counter = field(default_factory=Counter, repr=False)

    def add(self, file: str, check: str, detail: str) -> None:
        self.counts[f"problems/{check}"] += 1
        self._per[(file, check)] += 1
        if self._per[(file, check)] > MAX_DETAILS:
            self.suppressed[(file, check)] += 1
            return
        self.problems.append(Problem(file, check, detail))

    @property
    def problem_count(self) -> int:
        return sum(v for k, v in self.counts.items() if k.startswith("problems/")) + len(self.orphans)

    @property
    def clean(self) -> bool:
        return self.problem_count == 0

    @property
    def files_with_problems(self) -> list[str]:
        return sorted({p.file for p in self.problems} | set(self.orphans))

    @property
    def mb_per_s(self) -> float:
        return self.bytes_read / 1e6 / self.elapsed if self.elapsed > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "crawl_id": self.crawl_id,
            "clean": self.clean,
            "problem_count": self.problem_count,
            "counts": dict(sorted(self.counts.items())),
            "problems": [p.to_dict() for p in self.problems],
            "suppressed": [{"file": f, "check": c, "more": n} for (f, c), n in sorted(self.suppressed.items())],
            "orphans": self.orphans,
            "bytes_read": self.bytes_read,
            "elapsed_seconds": round(self.elapsed, 3),
            "mb_per_s": round(self.mb_per_s, 1),
        }

    def print_table(self, file: Any = None) -> None:
        from rich.console import Console
        from rich.table import Table

        c = self.counts
        console = Console(file=file or sys.stdout, highlight=False)
        verdict = "clean" if self.clean else f"{self.problem_count} problem(s)"
        scope = f" crawl {self.crawl_id}" if self.crawl_id else ""
        table = Table(title=f"verify {self.store}{scope} — {verdict}")
        table.add_column("check")
        table.add_column("checked", justify="right")
        table.add_column("problems", justify="right")

        def row(label: str, checked: Any, *checks: str) -> None:
            bad = sum(c[f"problems/{k}"] for k in checks)
            table.add_row(label, str(checked), str(bad) if bad else "-", style="red" if bad else None)

        row("runs (manifests)", c["manifests"], "manifest")
        row("files listed: present", c["files/listed"], "missing", "pending")
        row("files: size and SHA-256", c["files/read"], "size", "sha256", "unreadable")
        row("WARC files: read cleanly", c["warc/files"], "warc")
        row("WARC records: block/payload digests", f"{c['warc/records']} / {c['warc/digests']}", "digest")
        row("CDXJ lines: point at their record", c["cdxj/lines"], "cdxj")
        row("JSON records: readable", c["json/records"], "json")
        row("JSON records: warc pointer resolves", c["json/pointers"], "pointer", "source")
        row("revisits: original in the store", c["revisits"], "revisit")
        table.add_row("orphans (no manifest lists them)", "-", str(len(self.orphans)) if self.orphans else "-",
                      style="red" if self.orphans else None)
        table.add_row("read", f"{self.bytes_read / 1e6:.1f} MB in {self.elapsed:.1f} s "
                              f"({self.mb_per_s:.1f} MB/s)", "")
        console.print(table)
        for p in self.problems:
            console.print(f"PROBLEM {p.check}: {p.file}: {p.detail}", soft_wrap=True)
        for (f, check), n in sorted(self.suppressed.items()):
            console.print(f"PROBLEM {check}: {f}: … and {n} more", soft_wrap=True)
        for key in self.orphans:
            console.print(f"ORPHAN {key}", soft_wrap=True)


__all__ = ["Report", "Problem"]
