"""Which real backends a test run uses, chosen by ``MARKETPLACE_TEST_BACKEND``.

``embedded`` (default): SQLite files and the embedded broker, nothing to run.
``postgres``: a fresh PostgreSQL database per service and test, and RabbitMQ
under a per-run namespace; a missing server fails the run, never skips it.
"""
from __future__ import annotations

import atexit
import os
import queue
import threading
import uuid
from contextlib import contextmanager
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
            return f"sqlite:///{self._sqlite_path(service)}"
        return self._create_database(service, "")

    def migrated_database_url(self, definition) -> str:
        """A new database for ``definition``'s service, already at its migrations' heads.

        A copy of the template its real migrations built once in this process
        (:mod:`chassis.testing.templates`).
        """
        from chassis.testing.templates import copy_sqlite_template, template_for
        template = template_for(self.name, definition)
        if not self.is_postgres:
            path = self._sqlite_path(definition.name)
            copy_sqlite_template(template, path)
            return f"sqlite:///{path}"
        return self._create_database(definition.name, f' TEMPLATE "{template}"')

    def broker_url(self) -> str:
        return RABBITMQ_URL if self.is_postgres else f"embedded://{self.workdir / 'broker.db'}"

    def cleanup(self) -> None:
        """Drop this backend's databases and broker namespace.

        Nothing reuses their names, so on PostgreSQL the drops run in a background
        thread while the next test starts; :func:`finish_cleanup` waits for them.
        """
        if self.is_postgres:
            _janitor().submit(list(self._databases), self.namespace)
        self._databases.clear()

    def _sqlite_path(self, service: str) -> Path:
        return self.workdir / f"{service}-{uuid.uuid4().hex[:8]}.db"

    def _create_database(self, service: str, template_clause: str) -> str:
        database = f"test_{service}_{uuid.uuid4().hex[:10]}"
        with admin_connection() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}"{template_clause}'))
        self._databases.append(database)
        return postgres_url(database)


def postgres_url(database: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


_admin = None
_admin_lock = threading.Lock()


@contextmanager
def admin_connection():
    """An autocommit connection to the server's ``postgres`` database (one pooled engine per process)."""
    global _admin
    with _admin_lock:
        if _admin is None:
            _admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True,
                                   pool_size=2, max_overflow=2)
    with _admin.connect() as connection:
        yield connection


def delete_namespace(namespace: str) -> None:
    """Remove a test run's RabbitMQ queues and exchanges (names start with the namespace)."""
    from kombu import Connection

    from chassis.events.topology import Topology
    topology = Topology(namespace=namespace, rabbitmq=True)
    with Connection(RABBITMQ_URL) as connection:
        channel = connection.channel()
        for queue_ in topology.all_queues():
            try:
                channel.queue_delete(queue_.name)
            except Exception:  # already gone or never declared
                channel = connection.channel()
        for exchange in (topology.events_exchange, topology.dead_letter_exchange):
            try:
                channel.exchange_delete(exchange.name)
            except Exception:
                channel = connection.channel()


class _Janitor:
    """Drops databases and deletes broker namespaces in one background thread, in order."""

    def __init__(self) -> None:
        self.jobs: queue.Queue = queue.Queue()
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self._run, name="test-backend-cleanup", daemon=True)
        self.thread.start()

    def submit(self, databases: list[str], namespace: str) -> None:
        self.jobs.put((databases, namespace))

    def finish(self) -> list[str]:
        self.jobs.put(None)
        self.thread.join()
        return self.errors

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            databases, namespace = job
            try:
                if databases:
                    with admin_connection() as connection:
                        for database in databases:
                            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                delete_namespace(namespace)
            except Exception as error:  # reported by finish_cleanup at the end of the session
                self.errors.append(f"{databases} / {namespace}: {error!r}")


_current_janitor: _Janitor | None = None


def _janitor() -> _Janitor:
    global _current_janitor
    with _admin_lock:
        if _current_janitor is None:
            _current_janitor = _Janitor()
            atexit.register(finish_cleanup)  # outside pytest (or if the session hook never ran)
        return _current_janitor


def finish_cleanup() -> list[str]:
    """Wait until every submitted clean-up is done; the errors it met, if any."""
    global _current_janitor
    with _admin_lock:
        janitor, _current_janitor = _current_janitor, None
    return janitor.finish() if janitor is not None else []
