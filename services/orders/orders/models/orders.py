"""Orders, their vendor orders, the lines (a snapshot of the offers at placement) and the timeline."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from orders.domain.states import OrderStatus, VendorOrderStatus
from orders.models.base import Base, not_negative, status_in

# Totals are stored, not summed on every read; the database keeps them consistent.
_TOTALS = ("items_total_minor", "shipping_minor", "total_minor")
_TOTAL_ADDS_UP = "total_minor = items_total_minor + shipping_minor"


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        status_in(OrderStatus), *not_negative(*_TOTALS, "payment_failures"),
        CheckConstraint(_TOTAL_ADDS_UP, name="total_adds_up"),
        Index("ix_orders_customer_created", "customer_id", "created_at"),
        Index("ix_orders_status_created", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    items_total_minor: Mapped[int] = mapped_column(BigInteger)
    shipping_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    shipping_address: Mapped[dict] = mapped_column(JSON)
    billing_address: Mapped[dict | None] = mapped_column(JSON)
    # Last reason of a rejection or cancellation (the timeline keeps every one).
    status_reason: Mapped[str | None] = mapped_column(Text)
    # payment.authorized may arrive before stock.reserved: remembered here, applied when reserved.
    payment_id: Mapped[str | None] = mapped_column(String(64))
    payment_authorized_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Failed payment attempts while awaiting payment; the ``payment_attempts``-th cancels the order.
    payment_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VendorOrder(Base):
    """The part of an order one vendor fulfils; money is captured, voided and refunded per vendor order."""

    __tablename__ = "vendor_orders"
    __table_args__ = (
        status_in(VendorOrderStatus), *not_negative(*_TOTALS, "refunded_minor"),
        CheckConstraint(_TOTAL_ADDS_UP, name="total_adds_up"),
        CheckConstraint("refunded_minor <= total_minor", name="refund_within_total"),
        UniqueConstraint("order_id", "vendor_id"),
        Index("ix_vendor_orders_vendor_status_created", "vendor_id", "status", "created_at"),
        Index("ix_vendor_orders_vendor_created", "vendor_id", "created_at"),
        # The worker's deadlines: awaiting_acceptance since..., delivered since...
        Index("ix_vendor_orders_status_changed", "status", "status_changed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"))
    vendor_id: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    items_total_minor: Mapped[int] = mapped_column(BigInteger)
    shipping_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set on payment.captured: a later cancellation is then a refund, not a void.
    captured_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OrderLine(Base):
    """One offer of a vendor order, as it was sold: prices never come from the client nor change later."""

    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("vendor_order_id", "offer_id"),  # duplicate request lines are merged
        *not_negative("unit_price_minor", "shipping_minor"),
        CheckConstraint("quantity >= 1 AND quantity <= 99", name="quantity_in_range"),
        # The database refuses shipping or taking back more than was sold.
        CheckConstraint("shipped_quantity >= 0 AND shipped_quantity <= quantity", name="shipped_within_quantity"),
        CheckConstraint("returned_quantity >= 0 AND returned_quantity <= shipped_quantity",
                        name="returned_within_shipped"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    vendor_order_id: Mapped[str] = mapped_column(ForeignKey("vendor_orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    offer_id: Mapped[str] = mapped_column(String(36))
    product_id: Mapped[str] = mapped_column(String(36))
    category_id: Mapped[str | None] = mapped_column(String(36))
    vendor_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(300))
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    shipping_minor: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    shipped_quantity: Mapped[int] = mapped_column(Integer, default=0)
    returned_quantity: Mapped[int] = mapped_column(Integer, default=0)


class TimelineEntry(Base):
    """One status change of an order (``vendor_order_id`` null) or of one of its vendor orders."""

    __tablename__ = "order_timeline"
    __table_args__ = (Index("ix_order_timeline_order_at", "order_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"))
    vendor_order_id: Mapped[str | None] = mapped_column(ForeignKey("vendor_orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[dict] = mapped_column(JSON)
    from_status: Mapped[str | None] = mapped_column(String(32))  # null for the entry that creates it
    to_status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
