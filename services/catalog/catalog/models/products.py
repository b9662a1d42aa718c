"""Products: catalog data shared by every vendor offering it, with a moderation workflow.

The ``listed``/``best_price_minor``/``currency``/``in_stock``/``offer_count`` columns summarise the
product's sellable offers; they are refreshed whenever an offer, its stock, the product or
its vendor changes, so storefront search reads one row per product.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models.base import Base


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_listed_newest", "listed", "approved_at"),
        Index("ix_products_listed_price", "listed", "best_price_minor"),
        # Text search on PostgreSQL (SQLite searches search_text with LIKE).
        Index("ix_products_search_vector", "search_vector", postgresql_using="gin"),
        # text_pattern_ops: category subtree filters are LIKE 'prefix%', which a plain index cannot serve
        # under the database's collation.
        Index("ix_products_category_path", "category_path", postgresql_ops={"category_path": "text_pattern_ops"}),
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
    category_path: Mapped[str | None] = mapped_column(String(1000))
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), index=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # An edit of an approved product waiting for moderation; the live fields stay as they are.
    pending_changes: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    pending_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    search_text: Mapped[str] = mapped_column(Text, default="")
    # to_tsvector('simple', search_text), kept by the application on PostgreSQL (NULL on SQLite): ranking
    # reads it instead of parsing every matching row's text again.
    search_vector: Mapped[str | None] = mapped_column(TSVECTOR().with_variant(Text(), "sqlite"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    best_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    in_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    offer_count: Mapped[int] = mapped_column(Integer, default=0)
