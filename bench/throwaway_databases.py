"""PostgreSQL databases a benchmark creates, migrates with a service's own CLI, measures and drops.

The server is ``127.0.0.1:5432`` (user ``postgres``, trust auth). A database is dropped
``WITH (FORCE)`` when the caller's ExitStack unwinds, Ctrl-C and SIGTERM included.
"""
from __future__ import annotations

import os
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

from gunicorn_servers import REPO_ROOT, _cpu_seconds

SERVER_ROOT = "postgresql://postgres@127.0.0.1:5432"
# Whatever the shell says about a service's database, broker, metrics or tokens, the bench decides.
FOREIGN_VARIABLES = ("MARKETPLACE_DATABASE_URL", "MARKETPLACE_BROKER_URL", "MARKETPLACE_BROKER_NAMESPACE",
                     "PROMETHEUS_MULTIPROC_DIR", "MARKETPLACE_JWKS_URL", "MARKETPLACE_JWT_ISSUER",
                     "MARKETPLACE_JWT_AUDIENCES")


def throwaway_database(stack: ExitStack, name: str) -> str:
    """Create database ``name``; dropped when ``stack`` unwinds. Returns its URL."""
    import psycopg

    with psycopg.connect(f"{SERVER_ROOT}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(f"{SERVER_ROOT}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"dropped database {name}", flush=True)

    stack.callback(drop)
    return f"{SERVER_ROOT}/{name}"


def service_env(service: str, database: str, scratch: Path) -> dict[str, str]:
    """The caller's environment minus anything pointing ``service`` elsewhere, plus its database and var dir."""
    prefix = f"{service.upper()}_"
    env = {key: value for key, value in os.environ.items()
           if key not in FOREIGN_VARIABLES and not key.startswith(prefix)}
    return {**env, f"{prefix}DATABASE_URL": database, "MARKETPLACE_VAR_DIR": str(scratch / f"{service}-var")}


def migrate(service: str, database: str, scratch: Path) -> float:
    """``<service> db upgrade`` on ``database``; returns the seconds it took."""
    started = time.monotonic()
    completed = subprocess.run([str(REPO_ROOT / ".venv" / "bin" / service), "db", "upgrade"], cwd=REPO_ROOT,
                               env=service_env(service, database, scratch), capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{service} db upgrade failed:\n{completed.stdout}{completed.stderr}")
    return time.monotonic() - started


def backend_cpu(database: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to ``database`` (same machine, /proc)."""
    import psycopg

    with psycopg.connect(f"{SERVER_ROOT}/postgres", autocommit=True) as connection:
        pids = [row[0] for row in connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s",
                                                     (database.rsplit("/", 1)[1],))]
    return {pid: _cpu_seconds(pid) for pid in pids}


def backend_cpu_since(before: dict[int, float], database: str) -> float:
    """CPU seconds the backends of ``database`` used since ``before``; one that came or went mid-run counts 0."""
    return sum(cpu - before.get(pid, cpu) for pid, cpu in backend_cpu(database).items())


def server_version() -> str:
    import psycopg

    with psycopg.connect(f"{SERVER_ROOT}/postgres") as connection:
        return connection.execute("SHOW server_version").fetchone()[0]
