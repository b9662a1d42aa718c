"""Database: engines tuned per backend, and the ping readiness relies on."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from chassis.db import SQLITE_BUSY_TIMEOUT_MS, Database
from chassis.testing.backends import Backend, backend_name

UNREACHABLE_POSTGRES_URL = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"


@pytest.fixture
def sqlite_database(tmp_path):
    database = Database.connect(f"sqlite:///{tmp_path / 'nested' / 'demo.db'}")
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def backend_database(tmp_path_factory):
    # One database per module: creating a PostgreSQL database per test costs about a second.
    chosen = Backend(backend_name(), tmp_path_factory.mktemp("db"))
    database = Database.connect(chosen.database_url("demo"))
    yield database
    database.dispose()
    chosen.cleanup()


def pragma(database: Database, name: str):
    with database.engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_file_is_created_with_its_missing_parent_directories(sqlite_database, tmp_path):
    sqlite_database.ping()

    assert (tmp_path / "nested" / "demo.db").is_file()


def test_sqlite_uses_write_ahead_logging(sqlite_database):
    assert pragma(sqlite_database, "journal_mode") == "wal"


def test_sqlite_enforces_foreign_keys(sqlite_database):
    assert pragma(sqlite_database, "foreign_keys") == 1


def test_sqlite_waits_for_a_busy_database_instead_of_failing(sqlite_database):
    assert pragma(sqlite_database, "busy_timeout") == SQLITE_BUSY_TIMEOUT_MS


def test_sqlite_rejects_a_row_referencing_a_missing_parent(sqlite_database):
    with sqlite_database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
        connection.execute(text("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id))"))

    with pytest.raises(Exception, match="FOREIGN KEY constraint failed"):
        with sqlite_database.engine.begin() as connection:
            connection.execute(text("INSERT INTO child (id, parent_id) VALUES (1, 42)"))


def test_sqlite_database_knows_it_is_sqlite(sqlite_database):
    assert sqlite_database.is_sqlite is True


def test_ping_succeeds_on_a_reachable_database(backend_database):
    assert backend_database.ping() is None


def test_ping_raises_when_the_database_is_unreachable():
    database = Database.connect(UNREACHABLE_POSTGRES_URL)
    try:
        with pytest.raises(OperationalError):
            database.ping()
    finally:
        database.dispose()


def test_committed_writes_are_seen_by_the_next_session(backend_database):
    with backend_database.sessions() as session:
        session.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body VARCHAR(20))"))
        session.execute(text("INSERT INTO note (id, body) VALUES (1, 'kept')"))
        session.commit()

    with backend_database.sessions() as session:
        assert session.execute(text("SELECT id, body FROM note")).all() == [(1, "kept")]


def test_a_read_session_does_not_hold_sqlite_s_write_lock(sqlite_database):
    with sqlite_database.sessions() as setup, setup.begin():
        setup.execute(text("CREATE TABLE counters (value INTEGER)"))
    with sqlite_database.reads() as reader:
        reader.execute(text("SELECT count(*) FROM counters")).scalar_one()  # transaction open, reading
        writer = sqlite3.connect(sqlite_database.engine.url.database, timeout=0.2)
        writer.execute("BEGIN IMMEDIATE")  # would wait 0.2 s, then fail, if the reader held the lock
        writer.execute("INSERT INTO counters VALUES (1)")
        writer.commit()
        writer.close()


def test_a_writing_session_takes_sqlite_s_write_lock_from_its_first_statement(sqlite_database):
    with sqlite_database.sessions() as session:
        session.execute(text("SELECT 1"))
        writer = sqlite3.connect(sqlite_database.engine.url.database, timeout=0.2)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            writer.execute("BEGIN IMMEDIATE")
        writer.close()
