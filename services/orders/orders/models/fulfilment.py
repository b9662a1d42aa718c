"""Shipments (per-line quantities, so partial shipments exist) and returns (RMA) of vendor orders."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from orders.domain.states import ReturnStatus
from orders.models.base import Base, not_negative, status_in


class Shipment(Base):
    __tablename__ = "shipments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"))
    vendor_order_id: Mapped[str] = mapped_column(ForeignKey("vendor_orders.id"), index=True)
    vendor_id: Mapped[str] = mapped_column(String(36))
    carrier: Mapped[str] = mapped_column(String(100))
    tracking_number: Mapped[str] = mapped_column(String(100))
    tracking_url: Mapped[str | None] = mapped_column(String(2000))
    actor: Mapped[dict] = mapped_column(JSON)
    shipped_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ShipmentLine(Base):
    __tablename__ = "shipment_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    shipment_id: Mapped[str] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), primary_key=True)
    order_line_id: Mapped[str] = mapped_column(ForeignKey("order_lines.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)


class Return(Base):
    """A customer's return of delivered lines of one vendor order, from request to receipt."""

    __tablename__ = "returns"
    __table_args__ = (
        status_in(ReturnStatus), *not_negative("refund_minor"),
        Index("ix_returns_customer_created", "customer_id", "created_at"),
        Index("ix_returns_vendor_status_created", "vendor_id", "status", "created_at"),
        Index("ix_returns_status_created", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"))
    vendor_order_id: Mapped[str] = mapped_column(ForeignKey("vendor_orders.id"), index=True)
    vendor_id: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    reason_code: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    rma_number: Mapped[str | None] = mapped_column(String(64))
    return_address: Mapped[dict | None] = mapped_column(JSON)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    tracking_url: Mapped[str | None] = mapped_column(String(2000))
    refund_minor: Mapped[int | None] = mapped_column(BigInteger)  # set on receipt, when refund.requested goes out
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReturnLine(Base):
    __tablename__ = "return_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    return_id: Mapped[str] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), primary_key=True)
    order_line_id: Mapped[str] = mapped_column(ForeignKey("order_lines.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    restock: Mapped[bool | None] = mapped_column(Boolean)  # the vendor's choice on receipt; null before
