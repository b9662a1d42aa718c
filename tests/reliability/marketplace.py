"""catalog, orders and payments as real processes, with the servers they use behind fault proxies.

Each service runs as gunicorn web + worker on PostgreSQL and RabbitMQ (its own databases, one
broker namespace), with a token endpoint standing in for identity's. The services reach RabbitMQ,
and PostgreSQL when asked, through a :class:`FaultProxy` the tests cut: the shared servers keep
running for every other test on the machine. The test process reads the databases directly.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select, text

from catalog.app import definition as catalog_definition
from catalog.testing import CatalogWorld
from chassis.tables import inbox, outbox
from chassis.testing.apps import settings_for, start_app
from chassis.testing.backends import POSTGRES_ADMIN_URL, RABBITMQ_URL, Backend, admin_connection
from chassis.testing.processes import ServiceProcess, service_env
from chassis.testing.stack import free_port, wait_ready
from chassis.testing.token_endpoint import TokenEndpoint
from orders.app import definition as orders_definition
from payments.app import definition as payments_definition

from .fault_proxy import FaultProxy

SERVICES = ("catalog", "orders", "payments")
# What the saga needs: orders prices carts at catalog's web, every worker moves the order on
# (payments' API is not called: the tests read its database).
SAGA = (("catalog", "web"), ("catalog", "worker"), ("orders", "web"), ("orders", "worker"), ("payments", "worker"))
WEB_WORKERS = {"orders": 2}
CLIENT_ID, CLIENT_SECRET = "orders-service", "orders-secret"
ADDRESS = {"name": "Ada Lovelace", "line1": "1 Rue de la Paix", "postal_code": "75002", "city": "Paris",
           "country": "FR", "phone": "+33 1 23 45 67 89"}


def wait_until(condition, timeout: float, interval: float = 0.2) -> float:
    """Seconds until ``condition()`` is true; fails with how long it waited."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"still not true after {timeout:.0f} s: {condition.__doc__ or condition}")
        time.sleep(interval)
    return time.monotonic() - started


class Marketplace:
    """The three services' processes, their databases (read directly) and the proxies in front of the servers."""

    def __init__(self, workdir: Path, token_issuer, jwks_url: str, *, proxy_database: bool = False,
                 **settings) -> None:
        self.workdir, self.issuer = workdir, token_issuer
        self.backend = Backend("postgres", workdir)
        self.broker = FaultProxy.in_front_of(RABBITMQ_URL)
        self.database = FaultProxy.in_front_of(POSTGRES_ADMIN_URL) if proxy_database else None
        self.tokens = TokenEndpoint(token_issuer, CLIENT_ID, CLIENT_SECRET)
        self.urls = {service: f"http://127.0.0.1:{free_port()}" for service in SERVICES}
        self.jwks_url, self.overrides = jwks_url, settings
        self.processes: dict[tuple[str, str], ServiceProcess] = {}
        self.apps: dict = {}
        self._started = 0

    # --- processes

    def start(self, processes=SAGA) -> None:
        """Databases (copies of the migrated templates), then the ``(service, role)`` processes;
        returns once their webs answer."""
        for definition in (catalog_definition(), orders_definition(), payments_definition()):
            settings = settings_for(definition, self.backend, self.jwks_url, migrated=True, **self.overrides)
            self.apps[definition.name] = start_app(definition, settings, migrate=False)
        for service, role in processes:
            self.start_process(service, role)
        for service, role in processes:
            if role == "web":
                self.wait_ready(service)

    def start_process(self, service: str, role: str) -> ServiceProcess:
        """``<service> web`` (on the service's port) or ``<service> worker``, replacing any stopped one."""
        args = ()
        if role == "web":
            args = ("--bind", self.urls[service][len("http://"):], "--workers", str(WEB_WORKERS.get(service, 1)))
        self._started += 1
        process = ServiceProcess.command(service, role, *args, env=self.environment(service),
                                         log_path=self.workdir / f"{service}-{role}-{self._started}.log")
        self.processes[service, role] = process.start()
        return process

    def environment(self, service: str) -> dict[str, str]:
        """The process environment of ``service``: its settings, with the servers behind the proxies."""
        settings = self.runtime(service).settings
        prefix = type(settings).env_prefix()
        metrics = self.workdir / "metrics" / service
        metrics.mkdir(parents=True, exist_ok=True)
        extra = {"MARKETPLACE_VAR_DIR": str(self.workdir / "var"), "PROMETHEUS_MULTIPROC_DIR": str(metrics),
                 "PYTHONUNBUFFERED": "1", f"{prefix}BROKER_URL": self.broker.url_through(settings.broker_url)}
        if self.database is not None:
            extra[f"{prefix}DATABASE_URL"] = self.database.url_through(settings.database_url)
        if service == "orders":
            extra.update({"ORDERS_CATALOG_URL": self.urls["catalog"], "ORDERS_TOKEN_URL": self.tokens.url,
                          "ORDERS_CLIENT_ID": CLIENT_ID, "ORDERS_CLIENT_SECRET": CLIENT_SECRET})
        return service_env(settings, extra)

    def wait_ready(self, service: str) -> None:
        wait_ready(f"{self.urls[service]}/livez", self.processes[service, "web"])

    def command(self, service: str, *args: str) -> subprocess.CompletedProcess:
        """A one-off ``<service> ...`` command (``dead-letters replay ...``) with the service's environment."""
        executable = Path(sys.executable).parent / service
        return subprocess.run([str(executable), *args], env={**os.environ, **self.environment(service)},
                              capture_output=True, text=True, timeout=60)

    def stop(self) -> None:
        with ThreadPoolExecutor(len(self.processes) or 1) as pool:  # each waits for its own graceful exit
            list(pool.map(ServiceProcess.stop, self.processes.values()))
        for proxy in (self.broker, self.database):
            if proxy is not None:
                proxy.close()
        self.tokens.close()
        for app in self.apps.values():
            app.extensions["chassis.runtime"].dispose()
        self.backend.cleanup()

    # --- callers

    @property
    def world(self) -> CatalogWorld:
        """Catalog's products and offers, made through its API in the test process."""
        return CatalogWorld(self.apps["catalog"], self.bearer)

    def bearer(self, **claims) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(**claims)}"}

    def customer(self, subject: str = "customer-1") -> dict[str, str]:
        return self.bearer(subject=subject, roles=["customer"])

    def call(self, method: str, path: str, headers: dict[str, str], body: dict | None = None,
             service: str = "orders", timeout: float = 30.0) -> tuple[int, dict]:
        """(status, JSON body) of a request to a service's web process; a connection failure raises OSError."""
        request = urllib.request.Request(self.urls[service] + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def place(self, customer: dict[str, str], lines: dict[str, int], key: str | None = None) -> tuple[int, dict]:
        """POST /api/v1/orders of ``offer id -> quantity``, with an Idempotency-Key (a new one unless given)."""
        body = {"lines": [{"offer_id": offer_id, "quantity": quantity} for offer_id, quantity in lines.items()],
                "shipping_address": ADDRESS}
        return self.call("POST", "/api/v1/orders", {**customer, "Idempotency-Key": key or str(uuid.uuid4())}, body)

    # --- what the databases hold

    def runtime(self, service: str):
        return self.apps[service].extensions["chassis.runtime"]

    def scalar(self, service: str, statement):
        with self.runtime(service).database.sessions() as session:
            return session.execute(statement).scalar_one()

    def rows(self, service: str, statement) -> list:
        with self.runtime(service).database.sessions() as session:
            return list(session.execute(statement))

    def unpublished(self, service: str) -> int:
        return self.scalar(service, select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None)))

    def handled(self, service: str) -> dict[str, int]:
        """Events in the service's inbox, by type."""
        return dict(self.rows(service, select(inbox.c.event_type, func.count()).group_by(inbox.c.event_type)))

    def published(self, service: str) -> dict[str, int]:
        """Events in the service's outbox, by type."""
        return dict(self.rows(service, select(outbox.c.event_type, func.count()).group_by(outbox.c.event_type)))

    def database_name(self, service: str) -> str:
        return self.runtime(service).database.engine.url.database

    def sessions_waiting_for_a_lock(self, service: str) -> list[int]:
        """Server pids of the sessions on the service's database that wait for a lock."""
        return self._server_pids(service, "wait_event_type = 'Lock'", "pid")

    def terminate_sessions(self, service: str) -> list[int]:
        """Kill, from the server's side, every session on the service's database; their pids."""
        return self._server_pids(service, "true", "pg_terminate_backend(pid)")

    def _server_pids(self, service: str, where: str, select_: str) -> list:
        with admin_connection() as connection:
            return list(connection.execute(text(
                f"SELECT {select_} FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid() "
                f"AND {where}"), {"name": self.database_name(service)}).scalars())
