"""Orders settings: process settings (environment, ``ORDERS_*``) and runtime settings (API)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chassis.settings import ServiceSettings


class OrdersSettings(ServiceSettings):
    """Read from ``ORDERS_*`` then ``MARKETPLACE_*`` environment variables."""

    service_name = "orders"

    # Where catalog answers quotes (ORDERS_CATALOG_URL). Orders calls it with its own OAuth2 client:
    # the chassis' ORDERS_CLIENT_ID / ORDERS_CLIENT_SECRET / ORDERS_TOKEN_URL (client_credentials, role `service`).
    catalog_url: str = "http://127.0.0.1:8002"
    # How often the worker looks for what is due (ORDERS_UNPAID_SWEEP_SECONDS, ORDERS_DEADLINE_SWEEP_SECONDS):
    # a payment timeout, an acceptance deadline or a return window is enforced at most this late.
    unpaid_sweep_seconds: float = Field(60.0, gt=0)
    deadline_sweep_seconds: float = Field(300.0, gt=0)


class OrdersRuntimeSettings(BaseModel):
    """Operator-tunable settings (``/api/v1/orders/settings``)."""

    model_config = ConfigDict(extra="forbid")

    payment_timeout_minutes: int = Field(30, ge=1, le=7 * 24 * 60)
    payment_attempts: int = Field(3, ge=1, le=10, description="Failed payments after which an unpaid order "
                                                               "is cancelled (1: the first failure cancels)")
    acceptance_deadline_hours: int = Field(48, ge=1, le=30 * 24)
    return_window_days: int = Field(14, ge=0, le=365)
