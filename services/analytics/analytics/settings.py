"""Analytics settings: process settings (environment, ``ANALYTICS_*``) and runtime settings (API)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chassis.settings import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    """Read from ``ANALYTICS_*`` then ``MARKETPLACE_*`` environment variables."""

    service_name = "analytics"


class AnalyticsRuntimeSettings(BaseModel):
    """Operator-tunable settings (``/api/v1/analytics/settings``)."""

    model_config = ConfigDict(extra="forbid")

    reporting_timezone: str = "UTC"
    track_rate_limit_per_minute: int = Field(600, ge=1)
