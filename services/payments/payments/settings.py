"""Payments settings: process settings (environment, ``PAYMENTS_*``) and runtime settings (API)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chassis.settings import ServiceSettings


class PaymentsSettings(ServiceSettings):
    """Read from ``PAYMENTS_*`` then ``MARKETPLACE_*`` environment variables."""

    service_name = "payments"

    # Which payment provider answers (PAYMENTS_PROVIDER); a PSP adapter adds its own name.
    provider: Literal["sandbox"] = "sandbox"
    # How often the worker checks whether a scheduled payout run is due (PAYMENTS_PAYOUT_SWEEP_SECONDS).
    payout_sweep_seconds: float = Field(300.0, gt=0)


class PaymentsRuntimeSettings(BaseModel):
    """Operator-tunable settings (``/api/v1/payments/settings``)."""

    model_config = ConfigDict(extra="forbid")

    default_commission_rate_bps: int = Field(1500, ge=0, le=10_000,
                                             description="Commission when no rule matches, basis points of a line")
    payout_minimum_minor: int = Field(1000, ge=0, description="Vendors with less available are not paid out")
    payout_every_hours: int = Field(0, ge=0, le=24 * 31,
                                    description="Scheduled payout runs every N hours; 0 runs them only on demand")
    default_currency: str = Field("EUR", pattern="^[A-Z]{3}$")
    sandbox_failing_payout_vendors: list[str] = Field(
        [], description="Sandbox provider only: vendors whose payouts it refuses, to try payout failures")
