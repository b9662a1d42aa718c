"""deploy/postgres/init-databases.sh: a database and a login per service, each login confined to its own."""
from __future__ import annotations

import os
import subprocess
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from chassis.testing.backends import POSTGRES_ADMIN_URL, admin_connection, backend_name

from .deploy_files import ROOT

pytestmark = pytest.mark.skipif(backend_name() != "postgres", reason=(
    "the init script runs against a PostgreSQL server: MARKETPLACE_TEST_BACKEND=postgres (CI's second pass)"))


@pytest.fixture
def two_services():
    """Two throw-away service names and passwords; their databases and logins are dropped afterwards."""
    prefix = f"deploy{uuid.uuid4().hex[:8]}"
    services = {f"{prefix}a": uuid.uuid4().hex, f"{prefix}b": uuid.uuid4().hex}
    yield services
    with admin_connection() as connection:
        for name in services:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{name}"'))


def run_init_script(services: dict[str, str]) -> None:
    server = make_url(POSTGRES_ADMIN_URL)
    env = {**os.environ, "PGHOST": server.host or "127.0.0.1", "PGPORT": str(server.port or 5432),
           "POSTGRES_USER": server.username or "postgres", "MARKETPLACE_SERVICES": " ".join(services),
           **{f"{name.upper()}_DB_PASSWORD": password for name, password in services.items()}}
    if server.password:
        env["PGPASSWORD"] = server.password
    subprocess.run(["sh", str(ROOT / "deploy/postgres/init-databases.sh")], env=env, check=True,
                   capture_output=True, timeout=30)


def login(service: str, password: str, database: str):
    server = make_url(POSTGRES_ADMIN_URL)
    url = server.set(username=service, password=password, database=database)
    return create_engine(url).connect()


def test_each_login_owns_its_database_and_cannot_enter_another(two_services):
    run_init_script(two_services)
    (first, first_password), (second, _) = two_services.items()
    with login(first, first_password, first) as connection:
        connection.execute(text("CREATE TABLE owned_here (id int)"))
        owner = connection.execute(text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :name"),
                                   {"name": first}).scalar_one()
        connection.commit()
    assert owner == first
    with pytest.raises(OperationalError, match="permission denied"):
        login(first, first_password, second)
