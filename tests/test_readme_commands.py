"""Every command of the README, run as the README writes it.

Which commands: every line of every ```bash block (``\\`` continuations joined; an
``export`` line sets the environment of the lines after it in its block), and every inline
`code span` that is a complete ``crawler ...`` / ``scrapy crawl ...`` command line (the
command and at least one argument, no placeholder such as ``ID``, ``URI``, ``JOB``, ``N``,
``[...]``, ``…``).  They run in README order, each through ``bash -c`` (pipes and
redirections as written) with ``crawler`` on the PATH, in one temporary working
directory, so ``./archive`` is a fresh store that the first crawl fills.

The substitutions, mechanical and the same for every command (:data:`SUBSTITUTIONS`):

* the example sites -> the demo news site served on 127.0.0.1 (``news.example.com``, its
  story path ``/2026/11/26/story.html`` -> a demo article, ``other.example`` -> 127.0.0.2);
* store paths (``/data/archive``, ``/data/news-archive``, ``file:///data/archive``) ->
  ``./archive``; ``/tmp/...`` output paths -> folders of the working directory;
  ``seeds.txt`` is written there with the demo URL;
* the example crawl id ``20261126T151500Z-3fa9c1`` -> the id of the first crawl; the
  example days ``2026-11-01`` / ``2026-11-30`` -> today (UTC);
* S3 (``s3://...``, ``minio.internal``, the ``...`` credentials) -> a moto S3 server on
  127.0.0.1 with the bucket ``news-archive``; Redis (``redis://10.0.0.5:6379/0``) -> a
  redis-server on 127.0.0.1; ``10.0.0.7`` -> 127.0.0.1;
* commands that fetch (``crawler crawl|extract|worker``, ``scrapy crawl``) get
  ``--allow-private`` (``-s CRAWLER_ALLOW_PRIVATE=true``) appended, as the README says the
  tests do, and crawls a page budget (``-s CRAWLER_MAX_PAGES=30``; 8 for a crawl that sets a
  ``DOWNLOAD_DELAY``, which it waits between fetches) to keep the suite lean;
* servers (``demo --serve``, ``dashboard``, ``worker``) get a free port (``--port 0``),
  run until they print their URL (a worker: until it is working), then get Ctrl-C.

Each command must exit 0 (or the code :data:`EXPECTED` gives, with the reason) and never
print a Python traceback.  :data:`EXCLUDED` lists, with the reason, the few that do not run.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.conftest import ROOT

README = ROOT / "README.md"
EXAMPLE_CRAWL_ID = "20261126T151500Z-3fa9c1"

#: Commands that do not run here, and why.
EXCLUDED = {
    "./scripts/demo": "creates/updates .venv and installs the package; what it runs is `crawler demo`, run here",
    "./scripts/test": "runs this whole suite (it is how this test is run)",
    "crawler crawl --browser": "the name of an option in a sentence (no seed); tests/browser crawl with it",
    "crawler worker --browser": "the name of an option in a sentence (no --redis); tests/browser cover it",
    "crawler crawl --redis": "the name of an option in a sentence (no seed); run below with a seed",
    "crawler reprocess --run-id": "the name of an option in a sentence (no value); tests/replay cover it",
    "crawler qa --all-pages --out /tmp/br/d0-qa": (
        "reproduces a figure on the script-built fixture site with Chromium (minutes); "
        "tests/browser/test_qa.py runs crawler qa"),
}

#: Commands whose documented outcome is not exit 0.
EXPECTED = {
    # a worker stopped by Ctrl-C before the crawl was done: "stopped" (exit 1)
    "crawler worker --redis redis://10.0.0.5:6379/0 --store s3://news-archive/crawls": {0, 1},
    # named in the Dependencies table as the command needing pyarrow; as written (no --out)
    # it is bad usage: "--format parquet needs --out FILE", exit 2
    "crawler articles --format parquet": {2},
    # the latest crawl of the scratch store re-crawls a demo site the crawls before it archived:
    # its pages are revisits or skipped, and qa says "archived no HTML page to check" (exit 1)
    "crawler qa": {0, 1},
}

SERVERS = ("crawler demo --serve", "crawler dashboard", "crawler worker")
FETCHERS = ("crawler crawl ", "crawler extract http", "crawler extract https", "crawler worker ")
_PLACEHOLDER = re.compile(r"^[A-Z][A-Z_]*(?:\.\.\.|…)?(?:\.[a-z]+)?$")


@dataclass
class Command:
    line: str
    env: dict[str, str] = field(default_factory=dict)
    pos: int = 0


def _strip_comment(line: str) -> str:
    """The line without a trailing ``# comment`` (quotes respected)."""
    out, quote = [], None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            break
        out.append(ch)
    return "".join(out).strip()


def _is_complete(span: str) -> bool:
    words = span.split()
    if len(words) < 3 or words[0] not in ("crawler", "scrapy"):
        return False
    if any(c in span for c in "[]|…") or "..." in span:
        return False
    return not any(_PLACEHOLDER.match(w.split("=", 1)[-1]) for w in words[1:])


def readme_commands(text: str | None = None) -> list[Command]:
    text = README.read_text(encoding="utf-8") if text is None else text
    commands: list[Command] = []
    for block in re.finditer(r"```bash\n(.*?)```", text, re.S):
        env: dict[str, str] = {}
        for line in block.group(1).replace("\\\n", " ").splitlines():
            line = _strip_comment(line)
            if not line:
                continue
            if line.startswith("export "):
                for assignment in shlex.split(line)[1:]:
                    name, _, value = assignment.partition("=")
                    env[name] = value
                commands.append(Command(line, dict(env), block.start()))
                continue
            commands.append(Command(line, dict(env), block.start()))
    outside = re.sub(r"```.*?```", lambda m: " " * len(m.group(0)), text, flags=re.S)
    for span in re.finditer(r"`([^`]+)`", outside):
        line = " ".join(span.group(1).split())
        if _is_complete(line):
            commands.append(Command(line, {}, span.start()))
    commands.sort(key=lambda c: c.pos)
    return commands


def test_the_readme_has_the_commands_this_test_expects():
    lines = [c.line for c in readme_commands()]
    assert "crawler crawl https://news.example.com/" in lines
    assert "crawler articles --all-versions" in lines  # an inline command
    assert not any("JOB" in x or "SEED" in x for x in lines)  # synopses are not commands
    assert set(EXCLUDED) <= set(lines), set(EXCLUDED) - set(lines)
    assert set(EXPECTED) <= set(lines), set(EXPECTED) - set(lines)


# --------------------------------------------------------------------------- running them
@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The demo site (127.0.0.1 and 127.0.0.2), moto S3, redis-server, a working folder."""
    import boto3
    from botocore.config import Config
    from moto.server import ThreadedMotoServer

    from crawler.demo.server import SiteServer
    from crawler.demo.site import build_site
    from crawler.distributed.localsite import RedisServer

    work = tmp_path_factory.mktemp("readme")
    site = SiteServer({}).start()
    site.routes.update(build_site(site.base_url))
    other = SiteServer({}, host="127.0.0.2").start()
    other.routes.update(build_site(other.base_url))
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    s3_url = f"http://{host}:{port}"
    empty = work / ".aws-empty"
    empty.mkdir()
    aws = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": s3_url,
           "NEWSARCHIVER_S3_ADDRESSING_STYLE": "path", "AWS_CONFIG_FILE": str(empty / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(empty / "credentials"),
           "NEWSARCHIVER_SPOOL": str(work / ".spool-s3")}
    boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1", aws_access_key_id="testing",
                 aws_secret_access_key="testing",
                 config=Config(s3={"addressing_style": "path"})).create_bucket(Bucket="news-archive")
    redis = RedisServer()
    redis_url = redis.start()
    story = next(p for p in site.routes if re.match(r"^/news/\d{4}/\d\d/\d\d/[a-z0-9-]+\.html$", p))
    (work / "seeds.txt").write_text(f"# the demo site\n{site.base_url}/\n")
    state = {"work": work, "site": site.base_url, "other": other.base_url, "story": story, "aws": aws,
             "redis": redis_url, "crawl_id": None}
    yield state
    redis.stop()
    moto.stop()
    other.stop()
    site.stop()


def substitute(line: str, w: dict) -> str:
    today = datetime.now(timezone.utc).date().isoformat()
    site_host = w["site"].split("://", 1)[1]
    pairs = [
        ("https://news.example.com/2026/11/26/story.html", w["site"] + w["story"]),
        ("news.example.com/2026/11/26/story.html", site_host + w["story"]),
        ("https://news.example.com", w["site"]), ("http://news.example.com", w["site"]),
        ("news.example.com", site_host),
        ("https://other.example", w["other"]),
        ("file:///data/archive", (w["work"] / "archive").as_uri()),
        ("/data/news-archive", "./archive"), ("/data/archive", "./archive"),
        ("/tmp/offline", "./offline"), ("/tmp/br/d0-qa", "./qa-report"),
        ("s3://bucket/prefix", "s3://news-archive/crawls"),
        ("http://minio.internal:9000", w["aws"]["AWS_ENDPOINT_URL"]),
        ("redis://10.0.0.5:6379/0", w["redis"]), ("10.0.0.7", "127.0.0.1"),
        ("http://127.0.0.1:8811", w["site"]),  # the README's own demo --serve example
        ("2026-11-01", today), ("2026-11-30", today),
    ]
    if w["crawl_id"]:
        pairs.append((EXAMPLE_CRAWL_ID, w["crawl_id"]))
    for old, new in pairs:
        line = line.replace(old, new)
    if line.startswith("export "):
        line = re.sub(r"(AWS_[A-Z_]+)=\.\.\.", r"\1=testing", line)
    if any(line.startswith(p) for p in FETCHERS) and not any(c in line for c in "|>;"):
        line += " --allow-private"
        if line.startswith("crawler crawl "):
            # a crawl that sets a DOWNLOAD_DELAY waits it between its fetches: 8 of them show it
            line += " -s CRAWLER_MAX_PAGES=8" if "DOWNLOAD_DELAY=" in line else " -s CRAWLER_MAX_PAGES=30"
    if line.startswith("scrapy crawl "):
        line += " -s CRAWLER_ALLOW_PRIVATE=true -s CRAWLER_MAX_PAGES=30"
    if line.startswith(SERVERS) and not line.startswith("crawler worker"):
        line = re.sub(r"--port \d+", "--port 0", line) if "--port" in line else line + " --port 0"
    line = re.sub(r"--metrics-port \d+", lambda m: f"--metrics-port {_free_port()}", line)
    return line


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER_READY = re.compile(r"https?://127\.0\.0\.1:\d+")


def _run_server(cmd: str, env: dict, cwd: Path) -> tuple[int, str]:
    """Start ``cmd``; once it printed its URL (a worker: after a few seconds of work), Ctrl-C."""
    import select

    proc = subprocess.Popen(["bash", "-c", f"exec {cmd}"], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    out = bytearray()
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + (8 if cmd.startswith("crawler worker") else 120)
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if select.select([fd], [], [], 0.2)[0]:
                out += os.read(fd, 65536)
                if SERVER_READY.search(out.decode("utf-8", "replace")):
                    time.sleep(1.0)
                    break
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=90)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    out += proc.stdout.read()
    proc.stdout.close()
    return code, out.decode("utf-8", "replace")


def _ids(commands: list[Command]) -> list[str]:
    return [f"{i:02d}:{c.line[:60]}" for i, c in enumerate(commands)]


ALL_COMMANDS = readme_commands()
#: What runs: the README's commands less the listed exclusions (not collected, so that a
#: run shows no skipped test; ``test_exclusions_are_in_the_readme`` keeps the list honest).
COMMANDS = [c for c in ALL_COMMANDS if c.line not in EXCLUDED]


def test_exclusions_are_in_the_readme():
    """Every exclusion names a command the README still has (a stale one would hide nothing,
    but a renamed command must be run, not excluded)."""
    lines = {c.line for c in ALL_COMMANDS}
    assert set(EXCLUDED) <= lines, set(EXCLUDED) - lines
    assert len(COMMANDS) >= 40, len(COMMANDS)


@pytest.mark.parametrize("index", range(len(COMMANDS)), ids=_ids(COMMANDS))
def test_readme_command(index, world):
    """Run in README order (pytest keeps the parametrize order): later commands read what
    the first crawl wrote."""
    cmd = COMMANDS[index]
    if cmd.line.startswith("export "):
        return  # applied to the following lines of its block
    line = substitute(cmd.line, world)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT), "SCRAPY_SETTINGS_MODULE": "settings.news", "COLUMNS": "120",
           "NEWSARCHIVER_TOOLS_VENV": os.environ.get("NEWSARCHIVER_TOOLS_VENV", "")}
    if not env["NEWSARCHIVER_TOOLS_VENV"]:
        env.pop("NEWSARCHIVER_TOOLS_VENV")
    env.update(world["aws"])
    env.update({k: substitute(v, world) for k, v in cmd.env.items()})
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        if env.get(k) == "...":
            env[k] = "testing"
    if line.startswith(SERVERS):
        code, out = _run_server(line, env, world["work"])
    else:
        proc = subprocess.run(["bash", "-c", line], cwd=world["work"], env=env, capture_output=True,
                              timeout=600)
        code, out = proc.returncode, (proc.stdout + proc.stderr).decode("utf-8", "replace")
    expected = EXPECTED.get(cmd.line, {0})
    if cmd.line.startswith("crawler search ") and "--reindex" not in cmd.line:
        # the example words are not on the demo site: "no article matches" (exit 1) is the
        # documented answer then; a match exits 0
        expected = {0, 1}
        assert code == 0 or "no article matches" in out, out[-2000:]
    assert "Traceback (most recent call last)" not in out, f"{line}\n{out[-4000:]}"
    assert code in expected, f"{line}: exit {code}\n{out[-4000:]}"
    if world["crawl_id"] is None and (world["work"] / "archive" / "manifests").is_dir():
        ids = sorted(p.stem for p in (world["work"] / "archive" / "manifests").glob("*.json"))
        world["crawl_id"] = ids[0] if ids else None
