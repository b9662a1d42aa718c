"""Payments settings: process settings (environment, ``PAYMENTS_*``) and runtime settings (API)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chassis.settings import ServiceSettings


class PaymentsSettings(ServiceSettings):
    """Read from ``PAYMENTS_*`` then ``MARKETPLACE_*`` environment variables."""

    service_name = "payments"


class PaymentsRuntimeSettings(BaseModel):
    """Operator-tunable settings (``/api/v1/payments/settings``)."""

    model_config = ConfigDict(extra="forbid")

    default_commission_rate_bps: int = Field(1500, ge=0, le=10_000, description="Basis points of the gross")
    payout_minimum_minor: int = Field(1000, ge=0)
    default_currency: str = Field("EUR", pattern="^[A-Z]{3}$")
