"""Prometheus metrics, multiprocess-aware.

Under gunicorn (and in workers) ``PROMETHEUS_MULTIPROC_DIR`` points every
process of one service at a shared directory; ``/metrics`` aggregates it.
Metric objects are created on first use, never at import time.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_PID_SUFFIX = re.compile(r"_(\d+)\.db$")


@dataclass(frozen=True)
class Metrics:
    http_requests: Counter
    http_latency: Histogram
    events_published: Counter
    events_consumed: Counter
    events_failed: Counter
    events_dead_lettered: Counter
    outbox_backlog: Gauge


@cache
def metrics() -> Metrics:
    """The process-wide metric objects (created once, on first use)."""
    return Metrics(
        http_requests=Counter("http_requests_total", "HTTP requests handled", ["method", "route", "status"]),
        http_latency=Histogram("http_request_duration_seconds", "HTTP request latency", ["method", "route"],
                               buckets=LATENCY_BUCKETS),
        events_published=Counter("events_published_total", "Events relayed from the outbox", ["type"]),
        events_consumed=Counter("events_consumed_total", "Events consumed", ["type", "outcome"]),
        events_failed=Counter("events_failed_total", "Event handling attempts that failed", ["type"]),
        events_dead_lettered=Counter("events_dead_lettered_total", "Events sent to the dead-letter queue", ["type"]),
        outbox_backlog=Gauge("outbox_backlog", "Unpublished outbox rows", multiprocess_mode="livemax"),
    )


def exposition(collectors: Iterable = ()) -> tuple[bytes, str]:
    """The text exposition of this process, or of every process sharing the multiprocess dir, followed by
    what ``collectors`` (custom collectors, read now) give."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    body = generate_latest(registry)
    extra = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        extra.register(collector)
    return body + generate_latest(extra), CONTENT_TYPE_LATEST


def serve_metrics(port: int, address: str = "0.0.0.0") -> None:
    """Serve the text exposition on ``port`` from a daemon thread (a worker has no web server of its own)."""
    from prometheus_client import REGISTRY, start_http_server
    registry = REGISTRY
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        from prometheus_client import multiprocess
        prepare_multiprocess_dir(directory)  # a restarted container keeps its /tmp: drop the dead run's files
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    start_http_server(port, addr=address, registry=registry)


def prepare_multiprocess_dir(directory: str | Path) -> None:
    """Create the directory and drop files of processes that no longer run.

    Files of live processes (e.g. the worker, started beside gunicorn) are
    kept so a web restart does not erase their series.
    """
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for file in path.glob("*.db"):
        match = _PID_SUFFIX.search(file.name)
        if match and not _alive(int(match.group(1))):
            file.unlink(missing_ok=True)


def mark_process_dead(pid: int) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
