"""What a running service process holds: its definition, settings and connections."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from sqlalchemy import MetaData

from chassis.db import Database
from chassis.events.topology import Topology, topology_for
from chassis.settings import ServiceSettings
from chassis.uow import UnitOfWork

if TYPE_CHECKING:
    from pydantic import BaseModel

    from chassis.events.consumer import BatchHandler, EventHandler


def _no_handlers() -> Mapping[str, Any]:
    return {}


def _no_blueprints() -> list[Any]:
    return []


def _no_collectors(runtime: "Runtime") -> list[Any]:
    return []


def _no_jobs() -> list["PeriodicJob"]:
    return []


@dataclass(frozen=True)
class PeriodicJob:
    """A service's timer: the worker calls ``run(runtime)`` every ``every_seconds`` (first at start).

    Every worker process runs it, so a job must be safe side by side with itself (lock or skip
    the rows it changes) and do a bounded amount of work per run. A run that raises is logged;
    the job runs again at its next turn.
    """

    name: str
    every_seconds: float
    run: Callable[["Runtime"], None]


@dataclass(frozen=True)
class ServiceDefinition:
    """Everything the chassis needs to know about a service, given by its ``app.py``.

    Callables keep the expensive parts (blueprints, handlers) lazy: nothing is
    built until an app or worker asks for it.
    """

    name: str
    title: str
    version: str
    settings_cls: type[ServiceSettings]
    package: str
    metadata: MetaData | None = None
    blueprints: Callable[[], list[Any]] = _no_blueprints
    event_handlers: Callable[[], Mapping[str, "EventHandler"]] = _no_handlers
    # Optional: event types also handled in batches (each must have a single-event handler too).
    event_batch_handlers: Callable[[], Mapping[str, "BatchHandler"]] = _no_handlers
    # The most events a batch holds (the worker also has that many deliveries in hand).
    event_batch_size: int = 10
    runtime_settings: type["BaseModel"] | None = None
    # Optional: timers run by the worker (deadlines, timeouts), see ``PeriodicJob``.
    periodic_jobs: Callable[[], list[PeriodicJob]] = _no_jobs
    # Optional: Prometheus collectors the web process's /metrics reads at each scrape (figures kept in the
    # database, such as business KPIs, rather than counted by one process).
    metrics_collectors: Callable[["Runtime"], list[Any]] = _no_collectors
    description: str = ""
    uses_database: bool = True
    uses_broker: bool = True

    @property
    def migrations_dir(self) -> Path:
        return Path(str(resources.files(self.package) / "migrations"))

    def all_metadata(self) -> list[MetaData]:
        from chassis.tables import metadata as chassis_metadata
        return [chassis_metadata] + ([self.metadata] if self.metadata is not None else [])


@dataclass
class Runtime:
    """Connections of one process, created lazily and disposed at exit."""

    definition: ServiceDefinition
    settings: ServiceSettings
    _database: Database | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def database(self) -> Database:
        if self._database is None:
            s = self.settings
            self._database = Database.connect(s.database_url, pool_size=s.db_pool_size,
                                              pool_recycle=s.db_pool_recycle_seconds)
        return self._database

    @cached_property
    def topology(self) -> Topology:
        return topology_for(self.settings.broker_url, self.settings.broker_namespace)

    def service_client(self, base_url: str):
        """An HTTP client to another service, authenticated with this service's own OAuth2 client."""
        from chassis.http_client import ClientCredentialsTokens, ServiceClient
        s = self.settings
        tokens = ClientCredentialsTokens(s.token_url, s.client_id, s.client_secret) if s.client_id else None
        return ServiceClient(base_url, tokens=tokens, connect_timeout=s.http_connect_timeout,
                             read_timeout=s.http_read_timeout, user_agent=f"marketplace-{self.name}")

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.database.sessions, self.name)

    def dispose(self) -> None:
        if self._database is not None:
            self._database.dispose()
            self._database = None
