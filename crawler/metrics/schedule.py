"""The scheduler's metrics (``crawler schedule --metrics-port``): per job, the last run's
start, end and outcome (from the run history, ``state/runs.jsonl``), whether it is
running and when it runs next.  Read at each scrape: the history is the truth, also for
runs started by hand (``crawler run``) or by another scheduler."""

from __future__ import annotations

import logging
from typing import Any, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

P = "newsarchiver_"
#: History statuses; ``finished`` is the one success.
STATUSES = ("finished", "shutdown", "failed", "killed", "interrupted", "running")


class SchedulerCollector:
    def __init__(self, scheduler: Any):
        self.scheduler = scheduler

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Iterator[Any]:
        from crawler.schedule.history import list_history, parse_time

        start = GaugeMetricFamily(P + "job_last_run_start_time_seconds",
                                  "Start of the job's latest run (Unix time)", labels=["job"])
        end = GaugeMetricFamily(P + "job_last_run_end_time_seconds",
                                "End of the job's latest finished run (Unix time)", labels=["job"])
        success = GaugeMetricFamily(P + "job_last_run_success",
                                    "1 if the job's latest completed run finished, 0 if it failed, "
                                    "was stopped, killed or interrupted", labels=["job"])
        status = GaugeMetricFamily(P + "job_last_run_status",
                                   "1 for the status of the job's latest run", labels=["job", "status"])
        code = GaugeMetricFamily(P + "job_last_run_exit_code", "Exit code of the job's latest completed run",
                                 labels=["job"])
        articles = GaugeMetricFamily(P + "job_last_run_articles", "Articles written by the job's latest "
                                     "completed run", labels=["job"])
        running = GaugeMetricFamily(P + "job_running", "1 while a run of the job is going", labels=["job"])
        nxt = GaugeMetricFamily(P + "job_next_run_time_seconds", "When the scheduler starts the job next "
                                "(Unix time)", labels=["job"])
        runs = GaugeMetricFamily(P + "job_runs_started", "Runs this scheduler started since it started",
                                 labels=["job"])
        for st in list(self.scheduler.states):
            name = st.job.name
            try:
                history = [r for r in list_history(st.job.store, name) if r.get("status") != "skipped"]
            except Exception as exc:  # noqa: BLE001 - an unreadable store: the other metrics still count
                logger.debug("history of %s unreadable: %s", name, exc)
                history = []
            alive = st.proc is not None and st.proc.poll() is None
            running.add_metric([name], 1.0 if alive or (history and history[-1].get("status") == "running") else 0.0)
            nxt.add_metric([name], st.next_due.timestamp())
            runs.add_metric([name], float(st.runs))
            if history:
                last = history[-1]
                t = parse_time(last.get("started"))
                if t:
                    start.add_metric([name], t.timestamp())
                last_status = str(last.get("status"))
                for s in STATUSES:
                    status.add_metric([name, s], 1.0 if s == last_status else 0.0)
            done = [r for r in history if r.get("status") != "running"]
            if done:
                last = done[-1]
                t = parse_time(last.get("finished"))
                if t:
                    end.add_metric([name], t.timestamp())
                success.add_metric([name], 1.0 if last.get("status") == "finished" else 0.0)
                if last.get("exit_code") is not None:
                    code.add_metric([name], float(last["exit_code"]))
                stats = last.get("stats") or {}
                if isinstance(stats.get("articles_written"), (int, float)):
                    articles.add_metric([name], float(stats["articles_written"]))
        yield from (start, end, success, status, code, articles, running, nxt, runs)


def scheduler_registry(scheduler: Any) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=True)
    registry.register(SchedulerCollector(scheduler))
    return registry
