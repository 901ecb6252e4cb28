"""How ``pytest -n N`` (pytest-xdist, what ``./scripts/test`` runs) splits the suite.

Whole test modules go to one worker each (module-scoped fixtures -- a crawl, a server -- are
set up once, as in a serial run), and a folder whose tests share a *session*-scoped
fixture goes to one worker as a whole: :data:`SHARED_FOLDERS`, so that e.g. the hardening
suite's crawls of the hostile site run once, not once per worker.  Modules start longest
first (:data:`LONG_FIRST`, then by number of tests), so that no long module is left to run
alone at the end.
"""

from __future__ import annotations

import pytest

#: folders whose modules share a session-scoped fixture (one worker runs all of them)
SHARED_FOLDERS = (
    "tests/hardening/",  # hostile_crawls: every module's crawl, started together
    "tests/browser/",    # browser_crawl: one --browser crawl read by three modules
    "tests/reader/",     # two_runs: one hand-built two-run store read by every module
)
#: work units that take minutes or close to it: handed out first
LONG_FIRST = (
    "tests/test_readme_commands.py",
    "tests/hardening/",
    "tests/browser/",
)


def scope_of(nodeid: str) -> str:
    module = nodeid.split("::", 1)[0]
    for folder in SHARED_FOLDERS:
        if module.startswith(folder):
            return folder
    return module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") in ("each", "loadgroup"):
        return None  # asked for explicitly: xdist's own
    # "load" (what -n alone means), "loadscope", "loadfile", "worksteal": would split a module
    # (test_readme_commands runs its commands in order, in one process) or a shared folder
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

        def _assign_work_unit(self, node) -> None:
            def rank(scope: str) -> tuple[int, int]:
                first = LONG_FIRST.index(scope) if scope in LONG_FIRST else len(LONG_FIRST)
                return first, -len(self.workqueue[scope])

            self.workqueue.move_to_end(min(self.workqueue, key=rank), last=False)
            super()._assign_work_unit(node)

    return ModuleScheduling(config, log)
