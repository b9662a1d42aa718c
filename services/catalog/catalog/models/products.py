"""Products: catalog data shared by every vendor offering it, with a moderation workflow.

The ``listed``/``best_price_minor``/``in_stock``/``offer_count`` columns summarise the
product's sellable offers; they are refreshed whenever an offer, its stock, the product or
its vendor changes, so storefront search reads one row per product.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models.base import Base


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_listed_newest", "listed", "approved_at"),
        Index("ix_products_listed_price", "listed", "best_price_minor"),
        # Text search on PostgreSQL (SQLite searches with LIKE).
        Index("ix_products_search", func.to_tsvector(text("'simple'"), text("search_text")),
              postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # The vendor who created it; None when an operator did.
    vendor_id: Mapped[str | None] = mapped_column(String(36), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    brand: Mapped[str | None] = mapped_column(String(200))
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    category_id: Mapped[str | None] = mapped_column(ForeignKey("categories.id"), index=True)
    category_path: Mapped[str | None] = mapped_column(String(1000), index=True)
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), index=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # An edit of an approved product waiting for moderation; the live fields stay as they are.
    pending_changes: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    pending_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    best_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    in_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    offer_count: Mapped[int] = mapped_column(Integer, default=0)
