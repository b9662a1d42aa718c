"""Catalog settings: process settings (environment, ``CATALOG_*``) and runtime settings (API)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chassis.settings import ServiceSettings


class CatalogSettings(ServiceSettings):
    """Read from ``CATALOG_*`` then ``MARKETPLACE_*`` environment variables."""

    service_name = "catalog"


class CatalogRuntimeSettings(BaseModel):
    """Operator-tunable settings (``/api/v1/catalog/settings``)."""

    model_config = ConfigDict(extra="forbid")

    moderation_enabled: bool = True
    trusted_vendor_ids: list[str] = Field(default_factory=list)
    low_stock_threshold: int = Field(5, ge=0)
