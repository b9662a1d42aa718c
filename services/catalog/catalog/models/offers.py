"""Offers (one vendor selling one product), their stock, its movements and reservations."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models.base import Base


class Offer(Base):
    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("vendor_id", "sku"),
        # The database refuses overselling even if code ever got it wrong.
        CheckConstraint("available >= 0", name="available_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("price_minor >= 0", name="price_not_negative"),
        CheckConstraint("shipping_minor >= 0", name="shipping_not_negative"),
        Index("ix_offers_product_sellable", "product_id", "active", "price_minor"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    vendor_id: Mapped[str] = mapped_column(String(36), index=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(100))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    shipping_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    condition: Mapped[str] = mapped_column(String(16))
    lead_time_days: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    available: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    low_stock_threshold: Mapped[int | None] = mapped_column(Integer)
    # Set when stock.low was sent; cleared when stock goes back above the threshold.
    low_stock_alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StockMovement(Base):
    """Every change of an offer's stock: ``kind`` adjustment, import, reservation, release, sale, restock."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_offer_time", "offer_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("offers.id"))
    vendor_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    available_delta: Mapped[int] = mapped_column(Integer)
    reserved_delta: Mapped[int] = mapped_column(Integer)
    available_after: Mapped[int] = mapped_column(Integer)
    reserved_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[dict] = mapped_column(JSON)
    order_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OrderReservation(Base):
    """One row per order seen: makes reserving idempotent per order, whatever the event id."""

    __tablename__ = "order_reservations"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Reservation(Base):
    """Units of one offer held for one vendor order; ``status`` reserved, released or sold.

    Shipments sell the units parcel by parcel: ``sold_quantity`` of ``quantity`` left
    the stock, the rest is still held while ``reserved`` and was given back once ``released``.
    """

    __tablename__ = "reservations"
    __table_args__ = (UniqueConstraint("order_id", "vendor_order_id", "offer_id"),
                      CheckConstraint("quantity > 0", name="quantity_positive"),
                      CheckConstraint("sold_quantity >= 0 AND sold_quantity <= quantity", name="sold_within_quantity"),
                      CheckConstraint("(status = 'reserved' AND sold_quantity < quantity) OR "
                                      "(status = 'sold' AND sold_quantity = quantity) OR status = 'released'",
                                      name="status_agrees_with_sold_quantity"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    vendor_order_id: Mapped[str] = mapped_column(String(64), index=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("offers.id"))
    vendor_id: Mapped[str] = mapped_column(String(36))
    quantity: Mapped[int] = mapped_column(Integer)
    sold_quantity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VendorState(Base):
    """Vendors as catalog knows them from identity's events; a vendor never heard of is active."""

    __tablename__ = "vendor_states"

    vendor_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
