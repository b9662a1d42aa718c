"""Migrated template databases: a service's real migrations run once per test process, tests get copies.

Running every service's alembic revisions for each test cost most of a test's set-up. Instead the
first test that needs a migrated ``catalog`` runs the migrations into a template (a PostgreSQL
database ``tpl_catalog_<digest>_<process>``, or a SQLite file), and every test then receives a copy
of it: ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL, a file copy on SQLite. The digest covers the
migration files, so a revision added while a run is going gets a template of its own. Templates are
dropped when the session ends (:func:`drop_templates`).

Tests of the migrations themselves (``test_*_migrations.py``, marker ``migrations``) still get an
empty database and run the real upgrade (see :mod:`chassis.testing.plugin`).
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

from sqlalchemy import text

_PROCESS = uuid.uuid4().hex[:8]  # other runs (other workers, other checkouts) share the server
_lock = threading.Lock()
_templates: dict[tuple[str, str, str], str] = {}  # (backend, service, digest) -> database name or file path
_sqlite_dir: Path | None = None


def migrations_digest(definition) -> str:
    """A hash of the service's migration files (names and contents)."""
    digest = hashlib.sha256()
    root = definition.migrations_dir
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:10]


def template_for(backend_name: str, definition) -> str:
    """The migrated template of ``definition`` (PostgreSQL database name or SQLite path), made on first use."""
    key = (backend_name, definition.name, migrations_digest(definition))
    with _lock:
        if key not in _templates:
            _templates[key] = _create_template(backend_name, definition, key[2])
        return _templates[key]


def drop_templates() -> None:
    """Remove every template this process made (called at the end of the test session)."""
    global _sqlite_dir
    from chassis.testing.backends import admin_connection
    with _lock:
        names = [name for (backend, _, _), name in _templates.items() if backend == "postgres"]
        _templates.clear()
        if names:
            with admin_connection() as connection:
                for name in names:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if _sqlite_dir is not None:
            shutil.rmtree(_sqlite_dir, ignore_errors=True)
            _sqlite_dir = None


def _create_template(backend_name: str, definition, digest: str) -> str:
    from chassis import migrations
    from chassis.runtime import Runtime
    from chassis.testing.backends import admin_connection, postgres_url
    if backend_name == "postgres":
        name = f"tpl_{definition.name}_{digest[:8]}_{_PROCESS}"
        with admin_connection() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = postgres_url(name)
    else:
        name = str(_sqlite_directory() / f"{definition.name}-{digest}.db")
        url = f"sqlite:///{name}"
    runtime = Runtime(definition, definition.settings_cls(database_url=url, broker_url="", log_json=False))
    try:
        migrations.upgrade(runtime)
    finally:
        runtime.dispose()  # no connection may stay open on a database used as a template
    return name


def copy_sqlite_template(template: str, destination: Path) -> None:
    """Copy a SQLite template (and its write-ahead log, if one was left) to ``destination``."""
    shutil.copyfile(template, destination)
    wal = Path(f"{template}-wal")
    if wal.exists():
        shutil.copyfile(wal, f"{destination}-wal")


def _sqlite_directory() -> Path:
    global _sqlite_dir
    if _sqlite_dir is None:
        _sqlite_dir = Path(tempfile.mkdtemp(prefix="marketplace-test-templates-"))
    return _sqlite_dir
