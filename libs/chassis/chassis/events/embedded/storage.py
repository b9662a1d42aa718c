"""The broker file: its schema, how it is opened, and one process's thread-safe handle on it.

Every process that opens the file must use the same settings (WAL, busy
timeout, explicit transactions), so they are set here and nowhere else.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from typing import Iterator

BUSY_TIMEOUT_S = 30

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    priority INT NOT NULL DEFAULT 0,
    visible_at REAL NOT NULL,
    delivery_count INT NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_queue_id ON messages (queue, id, visible_at);
CREATE TABLE IF NOT EXISTS queues (
    name TEXT PRIMARY KEY,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS exchanges (
    name TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    durable INT NOT NULL,
    auto_delete INT NOT NULL,
    arguments TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bindings (
    exchange TEXT NOT NULL,
    routing_key TEXT NOT NULL,
    queue TEXT NOT NULL,
    PRIMARY KEY (exchange, routing_key, queue)
);
"""


def connect_database(path: str) -> sqlite3.Connection:
    """Open (and create if needed) the broker database with the settings every user must share."""
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE) so the
    # write lock is taken up front and waited for via busy_timeout; a deferred
    # transaction upgrading to a writer in WAL mode fails at once with BUSY.
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    try:
        _configure(db)
    except BaseException:
        db.close()
        raise
    return db


def _configure(db: sqlite3.Connection) -> None:
    """Apply the shared pragmas and create the schema if the file is new."""
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
    db.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL survives process crashes; only an OS crash or power
    # loss may drop the last commits. FULL would fsync every publish.
    db.execute("PRAGMA synchronous = NORMAL")
    db.executescript("BEGIN IMMEDIATE;" + SCHEMA + "COMMIT;")


class Database:
    """One sqlite3 connection on the broker file, shared by the threads of one channel."""

    def __init__(self, path: str):
        self._db = connect_database(path)
        # Acks may come from other threads than the one that fetched:
        # serialise use of the connection so transactions never interleave.
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested use joins the outer one."""
        with self._lock:
            if self._db.in_transaction:
                yield self._db
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                # Also after a failed COMMIT: a transaction left open would be
                # silently joined by the next "nested" use above.
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def query(self, sql: str, args: tuple = ()) -> list[tuple]:
        """All rows of a read; takes no write lock of its own (idle polling must not)."""
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        """Close the connection once no thread is using it."""
        with self._lock:
            self._db.close()
