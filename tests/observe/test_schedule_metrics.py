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
