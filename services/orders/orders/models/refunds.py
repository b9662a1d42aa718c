"""Refund requests orders sent payments (``refund.requested``) and what payments answered."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from orders.domain.refunds import RefundCause, RefundStatus
from orders.models.base import Base, status_in


class RefundRequest(Base):
    """One ``refund.requested`` (its ``refund_request_id`` is this id) and its outcome."""

    __tablename__ = "refund_requests"
    __table_args__ = (
        status_in(RefundStatus), status_in(RefundCause, "cause"),
        CheckConstraint("amount_minor > 0", name="amount_minor_positive"),
        CheckConstraint("refunded_minor IS NULL OR refunded_minor >= 0", name="refunded_minor_not_negative"),
        # The operators' view: failed refunds, oldest first.
        Index("ix_refund_requests_status_created", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    vendor_order_id: Mapped[str] = mapped_column(ForeignKey("vendor_orders.id"), index=True)
    return_id: Mapped[str | None] = mapped_column(ForeignKey("returns.id"))
    cause: Mapped[str] = mapped_column(String(32))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    refunded_minor: Mapped[int | None] = mapped_column(BigInteger)  # what payments says it refunded
    failure_reason: Mapped[str | None] = mapped_column(String(64))  # refund.failed's reason_code
    payment_refund_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # payment.refunded's refund_id
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
