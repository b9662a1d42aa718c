"""Orders as payments learned them from events: the only source of the amounts it charges."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from payments.domain.states import PayableOrderStatus
from payments.models.base import Base, not_negative, status_in


class PayableOrder(Base):
    __tablename__ = "payable_orders"
    __table_args__ = (status_in(PayableOrderStatus), *not_negative("total_minor"))

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(30))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PayableVendorOrder(Base):
    """One vendor's part of an order: what is captured, voided and refunded, with its lines for commissions."""

    __tablename__ = "payable_vendor_orders"
    __table_args__ = (*not_negative("items_total_minor", "shipping_minor", "total_minor"),
                      Index("ix_payable_vendor_orders_order", "order_id"))

    vendor_order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("payable_orders.order_id"))
    vendor_id: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    items_total_minor: Mapped[int] = mapped_column(BigInteger)
    shipping_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    # [{line_id, offer_id, category_id, quantity, unit_price_minor, amount_minor}] as order.placed told
    lines: Mapped[list] = mapped_column(JSON)
