"""The whole marketplace on PostgreSQL + RabbitMQ for the load run: ``chassis.testing.stack.Stack`` sized for load.

The test stack gives every web process one gunicorn worker (identity two) and the gateway one: right
for a test, a queue of one request for a load run. ``LoadStack`` starts it on PostgreSQL with the worker
counts asked for, and reads what the figures need: each process by name (for its CPU) and each
service's database (timelines, outboxes and inboxes, the PostgreSQL backends serving them).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from chassis.testing.stack import Stack

DEFAULT_WEB_WORKERS = {"gateway": 4, "identity": 2, "catalog": 2, "orders": 2, "payments": 2, "analytics": 1}


@dataclass(frozen=True)
class NamedProcess:
    name: str  # "orders web", "catalog worker", "gateway web"
    pid: int


class LoadStack(Stack):
    """A ``Stack`` always on PostgreSQL + RabbitMQ, with ``web_workers[service]`` gunicorn workers."""

    def __init__(self, workdir: Path, web_workers: dict[str, int], env: dict[str, str] | None = None) -> None:
        os.environ["MARKETPLACE_TEST_BACKEND"] = "postgres"  # read by Stack's Backend
        super().__init__(workdir, env=env, web_workers=web_workers)

    def named_pids(self) -> list[NamedProcess]:
        return [NamedProcess(name, process.process.pid) for name, process in self.named_processes.items()]

    def conninfo(self, service: str) -> str:
        """The service's database as psycopg takes it."""
        return self.database_urls[service].replace("postgresql+psycopg://", "postgresql://", 1)

    def database_names(self) -> list[str]:
        return [url.rsplit("/", 1)[1] for url in self.database_urls.values()]
