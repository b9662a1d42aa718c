"""Fixtures for tests that run real service processes."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from chassis.testing.processes import ServiceProcess, service_env
from contracts.examples import example


@pytest.fixture
def processes():
    """Start service commands as real processes; everything still running is stopped afterwards."""
    started: list[ServiceProcess] = []

    def start(service: str, *args: str, settings, tmp_path, env: dict[str, str] | None = None) -> ServiceProcess:
        log_path = tmp_path / f"{service}-{'-'.join(args)}-{len(started)}.log"
        extra = {"MARKETPLACE_VAR_DIR": str(tmp_path / "var"),
                 "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics" / service), **(env or {})}
        (tmp_path / "metrics" / service).mkdir(parents=True, exist_ok=True)
        process = ServiceProcess.command(service, *args, env=service_env(settings, extra), log_path=log_path)
        started.append(process.start())
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def order_placed():
    """Factory of valid ``order.placed`` payloads."""
    return build_order_placed


def build_order_placed(order_id: str | None = None, total_minor: int = 2599) -> dict:
    """A valid ``order.placed`` payload (contracts' example) for a new order."""
    return example("order.placed", order_id=order_id or str(uuid.uuid4()), customer_id="customer-1",
                   total_minor=total_minor, placed_at=datetime.now(timezone.utc).isoformat())
