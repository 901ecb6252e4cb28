"""``crawler schedule --metrics-port``: each job's last run and outcome, read over HTTP."""

from __future__ import annotations

from crawler.metrics.schedule import scheduler_registry
from crawler.metrics.server import MetricsServer, scrape
from crawler.schedule.history import record_finish, record_start
from crawler.schedule.jobs import load_job
from crawler.schedule.scheduler import Scheduler


def _job(tmp_path, name, store):
    path = tmp_path / f"{name}.toml"
    path.write_text(f'seeds = ["http://127.0.0.1:9/"]\nstore = "{store}"\n[schedule]\nevery = "1h"\n')
    return load_job(str(path))


def test_scheduler_metrics_report_last_outcome_per_job(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    record_start(store, "good", "20261201T100000Z-aaaaaa")
    record_finish(store, "good", "20261201T100000Z-aaaaaa", status="finished", exit_code=0,
                  stats={"articles_written": 12})
    record_start(store, "broken", "20261201T110000Z-bbbbbb")
    record_finish(store, "broken", "20261201T110000Z-bbbbbb", status="failed", exit_code=1,
                  stats={"articles_written": 0})
    sch = Scheduler([_job(tmp_path, "good", store), _job(tmp_path, "broken", store),
                     _job(tmp_path, "never", store)])
    sch._init_states()
    server = MetricsServer(scheduler_registry(sch), 0)
    try:
        s = scrape(server.url)
    finally:
        server.close()
    assert server.url.startswith("http://127.0.0.1:")
    assert s['newsarchiver_job_last_run_success{job="good"}'] == 1
    assert s['newsarchiver_job_last_run_success{job="broken"}'] == 0
    assert s['newsarchiver_job_last_run_exit_code{job="broken"}'] == 1
    assert s['newsarchiver_job_last_run_status{job="broken",status="failed"}'] == 1
    assert s['newsarchiver_job_last_run_status{job="broken",status="finished"}'] == 0
    assert s['newsarchiver_job_last_run_articles{job="good"}'] == 12
    assert s['newsarchiver_job_last_run_end_time_seconds{job="good"}'] > 1.7e9
    assert 'newsarchiver_job_last_run_success{job="never"}' not in s  # never ran: no outcome
    assert s['newsarchiver_job_running{job="never"}'] == 0
    assert s['newsarchiver_job_next_run_time_seconds{job="good"}'] > s[
        'newsarchiver_job_last_run_start_time_seconds{job="good"}']


def test_schedule_command_serves_metrics(tmp_path):
    """``crawler schedule --metrics-port``: a real scheduled run, its outcome read over HTTP."""
    import signal
    import subprocess
    import sys

    from crawler.demo.server import SiteServer
    from tests.conftest import ROOT
    from tests.observe.sites import news_site
    from tests.observe.test_metrics import free_port, wait_for

    routes, _ = news_site(2)
    port = free_port()
    with SiteServer(routes) as site:
        job = tmp_path / "tiny.toml"
        job.write_text(f'seeds = ["{site.url("/")}"]\nstore = "{tmp_path / "store"}"\n'
                       '[discovery]\nsitemaps = false\nfeeds = false\ndepth = 1\n'
                       '[schedule]\nevery = "1h"\n'
                       '[settings]\nCRAWLER_ALLOW_PRIVATE = true\nEXTRACT_WORKERS = 1\nCRAWLER_RESOURCES = false\n')
        proc = subprocess.Popen([sys.executable, "-m", "crawler", "schedule", str(job), "--metrics-port", str(port)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            url = f"http://127.0.0.1:{port}/metrics"
            def done():
                s = scrape(url)
                ended = 'newsarchiver_job_last_run_success{job="tiny"}' in s
                return s if ended and s['newsarchiver_job_running{job="tiny"}'] == 0 else None

            s = wait_for(done, 180, "the scheduled run's outcome")
        finally:
            proc.send_signal(signal.SIGTERM)
            err = proc.communicate(timeout=120)[1]
    assert proc.returncode == 0, err
    assert s['newsarchiver_job_last_run_success{job="tiny"}'] == 1
    assert s['newsarchiver_job_last_run_exit_code{job="tiny"}'] == 0
    assert s['newsarchiver_job_last_run_articles{job="tiny"}'] == 2
    assert s['newsarchiver_job_runs_started{job="tiny"}'] == 1
    assert s['newsarchiver_job_running{job="tiny"}'] == 0


def test_run_passes_metrics_to_its_crawl(tmp_path):
    from crawler.schedule.run import crawl_command

    path = tmp_path / "j.toml"
    path.write_text(f'seeds = ["http://127.0.0.1:9/"]\nstore = "{tmp_path / "s"}"\n')
    cmd = crawl_command(load_job(str(path)), "X", extra_overrides={"CRAWLER_METRICS_PORT": 9410})
    assert "CRAWLER_METRICS_PORT=9410" in cmd
