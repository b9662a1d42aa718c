"""SQLAlchemy engine and session factory, tuned per backend.

SQLite (embedded mode) gets WAL, foreign keys and a busy timeout so web and
worker processes can share a file; PostgreSQL goes through psycopg 3 with a
pre-pinged, recycled pool so a dropped connection heals without a restart.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_SECONDS = 5
READ_ONLY = "chassis_read_only"


def make_engine(url: str, *, pool_size: int = 5, pool_recycle: int = 1800) -> Engine:
    """Create an engine for ``url`` with the pragmas or pool settings its backend needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    # A connect timeout keeps a host that drops packets from hanging requests and probes.
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                         pool_recycle=pool_recycle, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_begin(connection) -> None:
    """Writers take SQLite's write lock when they begin; readers don't take it at all.

    A deferred transaction that reads, then writes after another writer
    committed, fails at once (SQLITE_BUSY_SNAPSHOT) instead of waiting; so every
    session writes-locks from its start unless it was opened for reading only.
    """
    read_only = connection.get_execution_options().get(READ_ONLY)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


@dataclass
class Database:
    """An engine and its session factory, owned by one app or worker."""

    engine: Engine
    sessions: sessionmaker[Session]
    reads: sessionmaker[Session]  # sessions that never write (on SQLite they hold no write lock)

    @classmethod
    def connect(cls, url: str, *, pool_size: int = 5, pool_recycle: int = 1800) -> "Database":
        engine = make_engine(url, pool_size=pool_size, pool_recycle=pool_recycle)
        return cls(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False),
                   reads=sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False))

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def ping(self) -> None:
        """Raise if the database does not answer a trivial query."""
        with self.engine.execution_options(**{READ_ONLY: True}).connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def serialize(session: Session, name: str) -> None:
    """Hold a lock named ``name`` until the session's transaction ends.

    For check-then-write rules (limits, If-Match) that rows cannot lock because
    the rows may not exist yet. PostgreSQL takes a transaction-scoped advisory
    lock; SQLite needs nothing, its writing sessions hold the database's write
    lock from their first statement. Take several names in a fixed order.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
