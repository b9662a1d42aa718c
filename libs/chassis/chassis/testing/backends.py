"""Which real backends a test run uses, chosen by ``MARKETPLACE_TEST_BACKEND``.

``embedded`` (default): SQLite files and the embedded broker, nothing to run.
``postgres``: a fresh PostgreSQL database per service and test, and RabbitMQ
under a per-run namespace; a missing server fails the run, never skips it.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

POSTGRES_ADMIN_URL = os.environ.get("MARKETPLACE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RABBITMQ_URL = os.environ.get("MARKETPLACE_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


def backend_name() -> str:
    name = os.environ.get("MARKETPLACE_TEST_BACKEND", "embedded")
    if name not in {"embedded", "postgres"}:
        raise RuntimeError(f"MARKETPLACE_TEST_BACKEND must be 'embedded' or 'postgres', not {name!r}")
    return name


@dataclass
class Backend:
    """Creates isolated databases and broker namespaces, and removes them afterwards."""

    name: str
    workdir: Path
    namespace: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")
    _databases: list[str] = field(default_factory=list)

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgres"

    def database_url(self, service: str) -> str:
        """A new, empty database for ``service``."""
        if not self.is_postgres:
            return f"sqlite:///{self.workdir / f'{service}-{uuid.uuid4().hex[:8]}.db'}"
        database = f"test_{service}_{uuid.uuid4().hex[:10]}"
        with _admin_engine().connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        self._databases.append(database)
        return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"

    def broker_url(self) -> str:
        return RABBITMQ_URL if self.is_postgres else f"embedded://{self.workdir / 'broker.db'}"

    def cleanup(self) -> None:
        if self._databases:
            with _admin_engine().connect() as connection:
                for database in self._databases:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            self._databases.clear()
        if self.is_postgres:
            delete_namespace(self.namespace)


def _admin_engine():
    return create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


def delete_namespace(namespace: str) -> None:
    """Remove a test run's RabbitMQ queues and exchanges (names start with the namespace)."""
    from kombu import Connection

    from chassis.events.topology import Topology
    topology = Topology(namespace=namespace, rabbitmq=True)
    with Connection(RABBITMQ_URL) as connection:
        channel = connection.channel()
        for queue in topology.all_queues():
            try:
                channel.queue_delete(queue.name)
            except Exception:  # already gone or never declared
                channel = connection.channel()
        for exchange in (topology.events_exchange, topology.dead_letter_exchange):
            try:
                channel.exchange_delete(exchange.name)
            except Exception:
                channel = connection.channel()
