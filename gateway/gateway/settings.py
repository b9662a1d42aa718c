"""Gateway settings (``GATEWAY_*``, then ``MARKETPLACE_*``)."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from chassis.settings import ServiceSettings

DEFAULT_ROUTES_FILE = Path(__file__).resolve().parent / "routes.toml"
UPSTREAM_NAMES = ("identity", "catalog", "orders", "payments", "analytics", "console")
MEGABYTE = 1024 * 1024


class GatewaySettings(ServiceSettings):
    service_name = "gateway"

    # Where each upstream listens; the route table names upstreams, these give their addresses.
    identity_url: str = "http://127.0.0.1:8001"
    catalog_url: str = "http://127.0.0.1:8002"
    orders_url: str = "http://127.0.0.1:8003"
    payments_url: str = "http://127.0.0.1:8004"
    analytics_url: str = "http://127.0.0.1:8005"
    # Empty: not deployed; its routes answer 503 and /api/v1/health leaves it out.
    console_url: str = ""
    routes_file: Path = DEFAULT_ROUTES_FILE

    upstream_connect_timeout: float = 1.0
    upstream_read_timeout: float = 30.0
    upstream_retries: int = Field(default=2, ge=0, le=5)
    upstream_pool_size: int = Field(default=16, ge=1)
    # After this many connection failures in a row an upstream is answered 503 for the cool-down.
    upstream_failure_threshold: int = Field(default=5, ge=1)
    upstream_cooldown_seconds: float = 2.0

    max_body_bytes: int = Field(default=10 * MEGABYTE, ge=0)
    max_upload_bytes: int = Field(default=50 * MEGABYTE, ge=0)

    # Limits in the `limits` notation ("100/minute;1000/hour"); empty disables that limit.
    rate_limit_per_ip: str = "600/minute"
    rate_limit_per_caller: str = "1200/minute"
    rate_limit_auth_per_ip: str = "30/minute;300/hour"
    # Unprefixed on purpose: the usual name for "where Redis is". Empty keeps counters in memory.
    redis_url: str = Field(default="", validation_alias="REDIS_URL")

    cors_origins: list[str] = []
    # The gateway is the edge: no peer is believed about the client unless listed (an nginx in front).
    trusted_proxies: list[str] = []
    hsts_max_age: int = 31536000
    openapi_refresh_seconds: float = 30.0

    @field_validator("routes_file")
    @classmethod
    def _routes_file_exists(cls, value: Path) -> Path:
        if not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    def upstream_urls(self) -> dict[str, str]:
        """Upstream name -> base URL (no trailing slash), for the upstreams that have one."""
        urls = {name: getattr(self, f"{name}_url").rstrip("/") for name in UPSTREAM_NAMES}
        return {name: url for name, url in urls.items() if url}
