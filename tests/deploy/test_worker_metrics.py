"""A worker in its own container serves /metrics itself (MARKETPLACE_WORKER_METRICS_PORT)."""
from __future__ import annotations

import re
import socket
import time
import urllib.request

import pytest

from chassis.testing.processes import ServiceProcess, service_env

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scrape(url: str, pattern: str, timeout: float = 20.0) -> str:
    """The exposition once ``pattern`` shows in it; fail with the last answer otherwise."""
    deadline, text = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                text = response.read().decode()
            if re.search(pattern, text, re.M):
                return text
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{pattern!r} not in {url}:\n{text[-2000:]}")


@pytest.fixture
def catalog_worker(service_app, tmp_path):
    """A real `catalog worker` process with its metrics port, on this test's backend."""
    from catalog.app import definition
    settings = service_app(definition()).extensions["chassis.runtime"].settings
    port = free_port()
    env = service_env(settings, {"CATALOG_WORKER_METRICS_PORT": str(port), "MARKETPLACE_VAR_DIR": str(tmp_path / "var"),
                                 "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")})
    (tmp_path / "metrics").mkdir()
    process = ServiceProcess.command("catalog", "worker", env=env, log_path=tmp_path / "worker.log").start()
    yield process, f"http://127.0.0.1:{port}/metrics"
    process.stop()


def test_the_worker_serves_its_outbox_backlog_on_its_metrics_port(catalog_worker):
    process, url = catalog_worker
    text = scrape(url, r"^outbox_backlog 0\.0$")
    assert "# TYPE outbox_backlog gauge" in text
    assert process.process.poll() is None
