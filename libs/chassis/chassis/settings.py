"""Process settings: pydantic-settings with a per-service prefix and shared fallbacks.

Every field can be set for one service (``CATALOG_DATABASE_URL``) or for all
of them at once (``MARKETPLACE_BROKER_URL``); the service prefix wins. A
``{service}`` placeholder in a URL is replaced by the service name, so one
``MARKETPLACE_DATABASE_URL=postgresql://.../marketplace_{service}`` gives each
service its own database.
"""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Any, Callable, ClassVar, TypeVar

from pydantic import ValidationError, field_validator
from pydantic_settings import (BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict,
                               SettingsError)

SHARED_PREFIX = "MARKETPLACE_"


class ConfigurationError(RuntimeError):
    """Raised at start when a setting is missing or invalid; names the variable."""


def var_dir() -> Path:
    """Where embedded-mode files live (SQLite databases, broker, metrics)."""
    return Path(os.environ.get("MARKETPLACE_VAR_DIR", "var")).resolve()


def development_secret(path: Path, generate: Callable[[], str] = lambda: secrets.token_urlsafe(48)) -> str:
    """A secret kept in ``path`` for development, shared by every process on this machine.

    For a setting left empty under ``make run``: the first process to start writes one with
    ``generate``; the others (gunicorn workers, restarts) read that one.
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f"{path.name}.{os.getpid()}")
    draft.write_text(generate())
    os.chmod(draft, 0o600)
    try:
        os.link(draft, path)  # atomic: fails if another process got there first
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text().strip()


class ServiceSettings(BaseSettings):
    """Settings every service process needs. Subclass per service and set ``service_name``."""

    service_name: ClassVar[str] = "service"
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    database_url: str = ""
    broker_url: str = ""
    broker_namespace: str = ""
    broker_visibility_timeout: float = 30.0
    jwt_issuer: str = "http://localhost:8000"
    jwt_audiences: list[str] = ["marketplace"]
    jwks_url: str = "http://127.0.0.1:8001/.well-known/jwks.json"
    token_url: str = "http://127.0.0.1:8001/oauth/token"
    client_id: str = ""
    client_secret: str = ""
    log_level: str = "INFO"
    log_json: bool = True
    db_pool_size: int = 5
    db_pool_recycle_seconds: int = 1800
    http_connect_timeout: float = 2.0
    http_read_timeout: float = 10.0
    event_max_attempts: int = 5
    event_retry_base_delay: float = 0.2
    outbox_batch_size: int = 100
    outbox_poll_interval: float = 0.1
    outbox_claim_timeout_seconds: float = 60.0
    outbox_retention_hours: int = 72
    idempotency_retention_hours: int = 24
    fault_crash_before_ack: str = ""
    # The worker serves /metrics on this port when set (0: not served). A worker in its own container
    # shares no metrics directory with the web process, so Prometheus scrapes it directly.
    worker_metrics_port: int = 0
    # Peers whose X-Forwarded-For/Proto/Host are believed: the gateway. Loopback by default, as in
    # `make run`; deployments list the gateway's network (MARKETPLACE_TRUSTED_PROXIES='["10.0.0.0/8"]').
    trusted_proxies: list[str] = ["127.0.0.1/32", "::1/128"]

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource) -> tuple[PydanticBaseSettingsSource, ...]:
        # Earlier sources win: explicit arguments, then <SERVICE>_*, then MARKETPLACE_*.
        own = EnvSettingsSource(settings_cls, env_prefix=cls.env_prefix(), case_sensitive=False)
        shared = EnvSettingsSource(settings_cls, env_prefix=SHARED_PREFIX, case_sensitive=False)
        return init_settings, own, shared, file_secret_settings

    @classmethod
    def env_prefix(cls) -> str:
        return f"{cls.service_name.upper()}_"

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network!r} is not an IP address or CIDR network") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return value.upper()

    def model_post_init(self, __context: Any) -> None:
        self.database_url = self._resolve_url(self.database_url or f"sqlite:///{var_dir() / self.service_name}.db")
        self.broker_url = self._resolve_url(self.broker_url or f"embedded:///{var_dir() / 'broker.db'}")

    def _resolve_url(self, url: str) -> str:
        url = url.replace("{service}", self.service_name)
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            # psycopg 3 is the driver we ship; the bare scheme would ask for psycopg2.
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url

    @property
    def api_prefix(self) -> str:
        return f"/api/v1/{self.service_name}"


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def load_settings(settings_cls: type[SettingsT], **overrides: Any) -> SettingsT:
    """Build settings from the environment, failing fast with the variable names at fault."""
    try:
        return settings_cls(**overrides)
    except ValidationError as exc:
        raise ConfigurationError(describe_errors(settings_cls, exc)) from None
    except SettingsError as exc:
        # A list or object value that is not JSON fails while reading the source, before validation.
        found = re.search(r'field "(\w+)"', str(exc))
        variable = _variable(settings_cls, found.group(1) if found else "?")
        raise ConfigurationError(f"invalid configuration: {variable}: not valid JSON "
                                 f"(write lists as [\"a\", \"b\"])") from None


def describe_errors(settings_cls: type[ServiceSettings], exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        problems.append(f"{_variable(settings_cls, field)}: {error['msg']}")
    return "invalid configuration: " + "; ".join(problems)


def _variable(settings_cls: type[ServiceSettings], field: str) -> str:
    return f"{settings_cls.env_prefix()}{field.upper()} (or {SHARED_PREFIX}{field.upper()})"
