"""Analytics settings: process settings (environment, ``ANALYTICS_*``) and runtime settings (API)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chassis.settings import ServiceSettings
from analytics.domain import buckets


class AnalyticsSettings(ServiceSettings):
    """Read from ``ANALYTICS_*`` then ``MARKETPLACE_*`` environment variables."""

    service_name = "analytics"


class AnalyticsRuntimeSettings(BaseModel):
    """Operator-tunable settings (``/api/v1/analytics/settings``)."""

    model_config = ConfigDict(extra="forbid")

    reporting_timezone: str = "UTC"
    track_rate_limit_per_minute: int = Field(600, ge=1)

    @field_validator("reporting_timezone")
    @classmethod
    def _known_time_zone(cls, name: str) -> str:
        # Refused here, not later: every figure read without ?tz= would answer 422 until an operator noticed.
        buckets.zone(name)
        return name
