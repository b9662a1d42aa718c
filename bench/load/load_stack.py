"""The whole marketplace on PostgreSQL + RabbitMQ for the load run: ``chassis.testing.stack.Stack`` sized for load.

The test stack gives every web process one gunicorn worker (identity two) and the gateway one: right
for a test, a queue of one request for a load run. ``LoadStack`` starts the same processes with the
worker counts asked for, and keeps what the figures need: each process by name (for its CPU), each
service's database (timelines, outboxes and inboxes) and the PostgreSQL backends serving them.
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
        super().__init__(workdir, env=env)
        self.web_workers = web_workers
        self.database_urls: dict[str, str] = {}
        self.named: list[NamedProcess] = []

    def named_processes(self) -> list[NamedProcess]:
        return list(self.named)

    def conninfo(self, service: str) -> str:
        """The service's database as psycopg takes it."""
        return self.database_urls[service].replace("postgresql+psycopg://", "postgresql://", 1)

    def database_names(self) -> list[str]:
        return [url.rsplit("/", 1)[1] for url in self.database_urls.values()]

    def _service_env(self, service: str) -> dict[str, str]:
        env = super()._service_env(service)
        [url] = [value for key, value in env.items() if key.endswith("DATABASE_URL")]
        self.database_urls[service] = url
        return env

    def _start(self, service: str, args: list[str], env: dict[str, str]):
        if args[0] == "web" and "--workers" in args:
            args = list(args)
            args[args.index("--workers") + 1] = str(self.web_workers.get(service, 1))
        process = super()._start(service, args, env)
        self.named.append(NamedProcess(f"{service} {args[0]}", process.process.pid))
        return process
