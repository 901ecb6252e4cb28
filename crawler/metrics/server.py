"""The HTTP endpoint of a registry, and reading an endpoint back."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import urllib.request
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server

logger = logging.getLogger(__name__)

#: Endpoints of running crawls are announced in ``<state dir>/metrics/<crawl_id>.json``.
ANNOUNCE_DIR = "metrics"


class MetricsServer:
    """``/metrics`` of ``registry`` on ``host:port`` in a daemon thread (prometheus-client)."""

    def __init__(self, registry: CollectorRegistry, port: int, host: str = "127.0.0.1"):
        self.host, self.port = host, int(port)
        self._server, self._thread = start_http_server(self.port, addr=host, registry=registry)
        self.port = self._server.server_address[1]

    @property
    def url(self) -> str:
        host = self.host
        try:
            if ipaddress.ip_address(host).version == 6:
                host = f"[{host}]"
        except ValueError:
            pass
        if host in ("0.0.0.0", "[::]"):
            host = "127.0.0.1"
        return f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def announce(state_dir: Path, crawl_id: str, url: str) -> Path | None:
    """Record that ``crawl_id`` serves its metrics at ``url`` (for the dashboard)."""
    folder = Path(state_dir) / ANNOUNCE_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{crawl_id}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"crawl_id": crawl_id, "url": url, "pid": os.getpid()}))
        tmp.replace(path)
        return path
    except OSError as exc:  # a read-only state folder: metrics are still served
        logger.debug("cannot announce the metrics endpoint: %s", exc)
        return None


def announced(state_dir: Path) -> list[dict[str, Any]]:
    """The endpoints announced by crawls whose process is still alive."""
    out = []
    folder = Path(state_dir) / ANNOUNCE_DIR
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            info = json.loads(path.read_text())
            os.kill(int(info["pid"]), 0)
        except (OSError, ValueError, KeyError, TypeError):
            continue  # gone (or unreadable): not a running crawl
        out.append(info)
    return out


def scrape(url: str, timeout: float = 2.0) -> dict[str, float]:
    """Samples of an endpoint as ``{'name{label="v",...}': value}`` (labels sorted)."""
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - an operator-given URL
        text = resp.read().decode("utf-8")
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
            out[f"{s.name}{{{labels}}}" if labels else s.name] = s.value
    return out


def total(samples: dict[str, float], name: str) -> float:
    """Sum of every sample of ``name`` (all label values)."""
    return sum(v for k, v in samples.items() if k == name or k.startswith(name + "{"))
