"""Catalog settings: process settings (environment, ``CATALOG_*``) and runtime settings (API)."""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from chassis.settings import ServiceSettings, var_dir


class CatalogSettings(ServiceSettings):
    """Read from ``CATALOG_*`` then ``MARKETPLACE_*`` environment variables."""

    service_name = "catalog"

    #: Where uploaded media are stored (filesystem backend); default ``$MARKETPLACE_VAR_DIR/media``.
    media_dir: str = ""
    #: How long a storefront search's total is remembered by a process (0: count every time).
    storefront_count_ttl_seconds: float = 10.0

    def media_path(self) -> Path:
        return Path(self.media_dir) if self.media_dir else var_dir() / "media"


class CatalogRuntimeSettings(BaseModel):
    """Operator-tunable settings (``/api/v1/catalog/settings``)."""

    model_config = ConfigDict(extra="forbid")

    moderation_enabled: bool = Field(True, description="Vendors' products (and edits of approved ones) wait "
                                                        "for an operator; off: approved on submit")
    trusted_vendor_ids: list[str] = Field(default_factory=list,
                                          description="Vendors whose products are approved on submit")
    low_stock_threshold: int = Field(5, ge=0, description="Default alert threshold of offers without their own")
    currency: str = Field("EUR", pattern="^[A-Z]{3}$", description="The marketplace's currency; offers price in it")
    media_max_bytes: int = Field(5 * 1024 * 1024, ge=1024, le=50 * 1024 * 1024,
                                 description="Largest image upload")
