"""Bad input, command by command: the exit code (crawler/exitcodes.py, README "Exit codes")
and the one line each case gets on stderr -- never a Python traceback.

Each case runs ``crawler.cli.main`` in this process (the errors are all found before a
crawl starts); a few also run as ``python -m crawler`` in a subprocess, as a user would.
Paths in the arguments: ``{store}`` an existing store holding one run (``{run}``),
``{empty}`` an existing empty folder, ``{missing}`` a path that does not exist,
``{file}`` a regular file, ``{seeds}`` a seeds file whose line 3 is ``not a url``,
``{jobs}`` a folder of job files (``good`` valid, ``bad`` invalid).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler import cli
from tests.conftest import run_cli

RUN = "20261126T151500Z-3fa9c1"


@dataclass
class Case:
    args: str
    code: int
    line: str              # a fragment of the error line
    subprocess: bool = False
    lines: int = 1         # lines on stderr (warnings add some)


CASES = {
    # -- crawl: options --------------------------------------------------------------------
    "since-word": Case("crawl http://127.0.0.1:9/ --store {empty} --since yesterday", 2,
                       "argument --since: expected '2d', '12h' or an ISO date", subprocess=True),
    "since-unit": Case("crawl http://127.0.0.1:9/ --store {empty} --since 3w", 2, "argument --since"),
    "setting-type": Case("crawl http://127.0.0.1:9/ --store {empty} -s DOWNLOAD_DELAY=abc", 2,
                         "setting DOWNLOAD_DELAY: expected a number, got 'abc'", subprocess=True),
    "setting-bool": Case("crawl http://127.0.0.1:9/ --store {empty} -s ROBOTSTXT_OBEY=maybe", 2,
                         "setting ROBOTSTXT_OBEY: expected true/false"),
    "setting-int": Case("crawl http://127.0.0.1:9/ --store {empty} -s CONCURRENT_REQUESTS=1.5", 2,
                        "setting CONCURRENT_REQUESTS: expected a whole number"),
    "setting-choice": Case("crawl http://127.0.0.1:9/ --store {empty} -s WARC_CHUNKED_PAYLOAD_DIGEST=md5", 2,
                           "must be one of 'stored', 'entity'"),
    "setting-since": Case("crawl http://127.0.0.1:9/ --store {empty} -s CRAWLER_SITEMAP_SINCE=yesterday", 2,
                          "setting CRAWLER_SITEMAP_SINCE: not a time window"),
    "setting-negative": Case("crawl http://127.0.0.1:9/ --store {empty} -s CRAWLER_MAX_PAGES=-1", 2,
                             "setting CRAWLER_MAX_PAGES: must be >= 0"),
    "setting-no-equals": Case("crawl http://127.0.0.1:9/ -s DOWNLOAD_DELAY", 2, "expected NAME=VALUE"),
    "setting-typo-warns": Case("crawl http//127.0.0.1:8800/ --store {empty} -s DOWNLOAD_DELAU=1", 2,
                               "setting DOWNLOAD_DELAU: unknown setting (did you mean 'DOWNLOAD_DELAY'?)",
                               lines=2),
    "max-pages-negative": Case("crawl http://127.0.0.1:9/ --max-pages -1", 2,
                               "argument --max-pages: must be 0 or more, got -1", subprocess=True),
    "depth-negative": Case("crawl http://127.0.0.1:9/ --depth -5", 2, "argument --depth: must be 0 or more"),
    "max-pages-word": Case("crawl http://127.0.0.1:9/ --max-pages ten", 2, "expected a whole number"),
    "unknown-option": Case("crawl http://127.0.0.1:9/ --max-pagez 5", 2, "unrecognized arguments"),
    "abbreviated-option": Case("crawl http://127.0.0.1:9/ --max-page 5", 2, "unrecognized arguments"),
    # -- crawl: seeds ------------------------------------------------------------------------
    "seed-scheme-typo": Case("crawl http//127.0.0.1:8800/ --store {empty}", 2,
                             "seed 'http//127.0.0.1:8800/': not a URL (did you mean 'http://127.0.0.1:8800/'?)",
                             subprocess=True),
    "seed-colon-slash": Case("crawl https:/127.0.0.1/ --store {empty}", 2, "did you mean 'https://127.0.0.1/'"),
    "seed-ftp": Case("crawl ftp://127.0.0.1/ --store {empty}", 2, "unsupported scheme 'ftp'"),
    "seed-no-host": Case("crawl http:///x --store {empty}", 2, "no host in the URL"),
    "seed-bad-port": Case("crawl http://127.0.0.1:99999/ --store {empty}", 2, "not a valid URL"),
    "seed-word": Case("crawl news --store {empty}", 2, "seed 'news': not a URL"),
    "seeds-file-line": Case("crawl --seeds-file {seeds} --store {empty}", 2,
                            "seeds.txt:3: 'not a url': not a URL (contains spaces)", subprocess=True),
    "seeds-file-missing": Case("crawl --seeds-file {missing} --store {empty}", 2, "seeds file"),
    "no-seed": Case("crawl --store {empty}", 2, "no valid seed URL given"),
    # -- crawl: store ------------------------------------------------------------------------
    "store-under-file": Case("crawl http://127.0.0.1:9/ --store {file}/store --allow-private", 3, "not writable"),
    "store-scheme": Case("crawl http://127.0.0.1:9/ --store ftp://host/x --allow-private", 3,
                         "unsupported store URI"),
    # -- the command line itself -------------------------------------------------------------
    "unknown-command": Case("crawll http://127.0.0.1:9/", 2, "unknown command 'crawll' (did you mean 'crawl'?)",
                            subprocess=True),
    "unknown-export-format": Case("export warc --crawl x --out x", 2, "unknown command 'warc'"),
    "bad-format": Case("articles --store {store} --format xml", 2, "argument --format: invalid choice"),
    "replay-port-range": Case("replay --store {store} --port 99999", 2, "argument --port: must be between 0 and 65535"),
    "replay-port-word": Case("replay --store {store} --port http", 2, "expected a port number"),
    "demo-port": Case("demo --serve --port -1", 2, "argument --port"),
    # -- readers -----------------------------------------------------------------------------
    "articles-no-store": Case("articles --store {missing}", 3, "no store at", subprocess=True),
    "articles-store-is-file": Case("articles --store {file}", 3, "no store at"),
    "articles-crawl-id": Case("articles --store {store} --crawl-id nonsense", 2,
                              "--crawl-id nonsense: unknown crawl id", subprocess=True),
    "articles-crawl-id-typo": Case(f"articles --store {{store}} --crawl-id {RUN[:-1]}x", 2,
                                   f"(did you mean {RUN}?)"),
    "articles-empty": Case("articles --store {empty}", 1, "no article record matched"),
    "articles-date": Case("articles --store {store} --from yesterday", 2, "not an ISO date"),
    "stats-no-store": Case("stats --store {missing}", 3, "no store at"),
    "stats-empty": Case("stats --store {empty}", 1, "holds no runs and no articles"),
    "runs-no-store": Case("runs --store {missing}", 3, "no store at"),
    "runs-empty": Case("runs --store {empty}", 1, "no runs in the store"),
    "show-no-store": Case("show http://127.0.0.1/ --store {missing}", 3, "no store at"),
    "show-no-capture": Case("show 127.0.0.1/x?utm_source=a --store {store}", 1,
                            "no capture of 127.0.0.1/x?utm_source=a (looked up as http://127.0.0.1/x)"),
    "index-crawl": Case("index --store {store} --crawl nope", 2, "--crawl nope: unknown crawl id"),
    "index-no-store": Case("index --store {missing}", 3, "no store at"),
    "index-nothing": Case("index --store {empty}", 1, "no WARC file to index", lines=2),
    "export-crawl": Case("export wacz --store {store} --crawl nope --out {empty}/x.wacz", 2, "unknown crawl id"),
    "export-no-store": Case(f"export wacz --store {{missing}} --crawl {RUN} --out {{empty}}/x.wacz", 3,
                            "no store at"),
    "replay-crawl": Case("replay --store {store} --crawl nope", 2, "unknown crawl id"),
    "reprocess-crawl": Case("reprocess --store {store} --crawl nope", 2, "unknown crawl id"),
    "reprocess-no-store": Case("reprocess --store {missing}", 3, "no store at"),
    "recrawl-offline-no-store-option": Case("recrawl-offline --archive {store} http://127.0.0.1/", 2,
                                            "the following arguments are required: --store"),
    "recrawl-offline-crawl": Case("recrawl-offline --archive {store} --crawl nope http://127.0.0.1/ "
                                  "--store {empty}", 2, "unknown crawl id"),
    # -- jobs --------------------------------------------------------------------------------
    "run-unknown-job": Case("run nosuchjob --jobs-dir {jobs}", 2, "no such job file or job name"),
    "run-bad-job-name": Case("run ../../no/such/dir/job --jobs-dir {jobs}", 2, "no such job file"),
    "run-invalid-job": Case("run bad --jobs-dir {jobs} --dry-run", 2,
                            "settings: DOWNLOAD_DELAY: expected a number, got 'abc'"),
    "run-setting-typo": Case("run typo --jobs-dir {jobs} --dry-run", 0,
                             "settings.DOWNLOAD_DELAU: unknown setting (did you mean 'DOWNLOAD_DELAY'?)"),
    "jobs-dir-missing": Case("jobs --jobs-dir {missing}", 2, "--jobs-dir"),
    # -- other commands ----------------------------------------------------------------------
    "search-no-store": Case("search flood --store {missing}", 3, "no store at"),
    "search-nothing": Case("search flood --store {empty}", 1, "no article matches"),
    "dashboard-port": Case("dashboard --port 99999", 2, "argument --port: must be between 0 and 65535"),
    "metrics-port": Case("crawl http://127.0.0.1:9/ --metrics-port -3", 2, "argument --metrics-port"),
    "qa-no-store": Case("qa --store {missing}", 3, "does not exist"),
    "enqueue-bad-seed": Case("enqueue --redis redis://127.0.0.1:9/0 http//127.0.0.1:9/", 2,
                             "seed 'http//127.0.0.1:9/': not a URL (did you mean 'http://127.0.0.1:9/'?)"),
    "worker-no-redis": Case("worker --store {empty}", 2, "the following arguments are required: --redis"),
    "extract-missing-file": Case("extract {missing}", 2, "No such file"),
    "extract-store-with-file": Case("extract {file} --store {empty}", 2, "--store archives a fetched URL"),
    "extract-bad-url": Case("extract http//127.0.0.1:9/x.html", 2, "did you mean 'http://127.0.0.1:9/x.html'"),
    "export-wacz-nothing-chosen": Case("export wacz --store {store} --out {empty}/x.wacz", 2, "give --crawl ID"),
    "export-wacz-bad-date": Case("export wacz --store {store} --from someday --out {empty}/x.wacz", 2,
                                 "--from 'someday': not a date"),
    "schedule-none-valid": Case("schedule bad --jobs-dir {jobs}", 2, "no valid job with a [schedule]", lines=2),
}


@pytest.fixture(scope="module")
def paths(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("bad-input")
    store = root / "store"
    (store / "manifests").mkdir(parents=True)
    (store / "manifests" / f"{RUN}.json").write_text(json.dumps(
        {"crawl_id": RUN, "status": "finished", "files": [], "stats": {}}))
    (root / "empty").mkdir()
    (root / "file").write_text("a file, not a folder")
    (root / "seeds.txt").write_text("# seeds\nhttp://127.0.0.1:9/\nnot a url\n")
    jobs = root / "jobs"
    jobs.mkdir()
    (jobs / "good.toml").write_text('seeds = ["http://127.0.0.1:9/"]\n[schedule]\nevery = "1h"\n')
    (jobs / "bad.toml").write_text('seeds = ["http://127.0.0.1:9/"]\n[schedule]\nevery = "1h"\n'
                                   '[settings]\nDOWNLOAD_DELAY = "abc"\n')
    (jobs / "typo.toml").write_text(f'seeds = ["http://127.0.0.1:9/"]\nstore = "{root / "empty"}"\n'
                                    '[settings]\nDOWNLOAD_DELAU = 1\n')
    return {"store": str(store), "empty": str(root / "empty"), "missing": str(root / "no" / "such"),
            "file": str(root / "file"), "seeds": str(root / "seeds.txt"), "jobs": str(jobs), "run": RUN}


def _argv(case: Case, paths: dict[str, str]) -> list[str]:
    return [a.format(**paths) for a in case.args.split()]


def _check(case: Case, code: int, err: str) -> None:
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == case.code, err
    assert len(lines) == case.lines, err
    assert any(case.line in line for line in lines), err


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gets_one_line_and_its_exit_code(name, paths, capsys):
    case = CASES[name]
    try:
        code = cli.main(_argv(case, paths))
    except SystemExit as exc:  # argparse
        code = exc.code
    _check(case, code, capsys.readouterr().err)


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.subprocess))
def test_bad_input_as_a_user_runs_it(name, paths):
    case = CASES[name]
    proc = run_cli(*_argv(case, paths), timeout=60)
    _check(case, proc.returncode, proc.stderr)


def test_unexpected_exception_is_one_line_and_traceback_with_v(monkeypatch, capsys, tmp_path):
    def boom(args):
        raise RuntimeError("something broke\nsecond line")

    monkeypatch.setattr(cli, "cmd_schema", boom)
    assert cli.main(["schema"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "crawler: error: RuntimeError: something broke (run with -v for the traceback)"
    # -v (a crawl option here) shows the traceback
    monkeypatch.setattr(cli, "cmd_crawl", boom)
    assert cli.main(["crawl", "http://127.0.0.1:9/", "-v"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: something broke" in err


def test_schedule_skips_invalid_job_files_and_runs_the_valid_ones(paths):
    """Every bad file is reported and skipped; the valid jobs are scheduled."""
    from crawler.schedule.scheduler import load_scheduled_jobs

    jobs, errors = load_scheduled_jobs([], Path(paths["jobs"]))
    assert [j.name for j in jobs] == ["good"]
    assert len(errors) == 1 and "bad.toml: settings: DOWNLOAD_DELAY" in str(errors[0])
    jobs, errors = load_scheduled_jobs(["bad", "good", "typo", "nope"], Path(paths["jobs"]))
    assert [j.name for j in jobs] == ["good"]
    assert len(errors) == 3  # invalid, no [schedule], no such job: all of them reported


def test_every_command_has_a_description_and_help():
    import argparse

    def walk(parser, path):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, sub in action.choices.items():
                    assert sub.description, f"'crawler {' '.join(path + [name])}' has no description"
                    assert helps.get(name), f"'crawler {' '.join(path + [name])}' has no help line"
                    walk(sub, path + [name])

    walk(cli.build_parser(), [])
