"""Payments (one authorization of an order's total), charges (its part per vendor order), refunds,
and the sandbox provider's own records."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from payments.domain.states import ChargeStatus, PaymentStatus, RefundStatus
from payments.models.base import Base, not_negative, status_in

_LIVE_PAYMENT = "status IN ('pending', 'authorized', 'settled')"


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        status_in(PaymentStatus), *not_negative("amount_minor", "captured_minor", "voided_minor"),
        CheckConstraint("captured_minor + voided_minor <= amount_minor", name="settled_within_amount"),
        # One live payment per order: a second customer request cannot authorize twice.
        Index("uq_payments_live_order", "order_id", unique=True, postgresql_where=text(_LIVE_PAYMENT),
              sqlite_where=text(_LIVE_PAYMENT)),
        Index("ix_payments_customer_created", "customer_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("payable_orders.order_id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    captured_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    voided_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    payment_method: Mapped[str] = mapped_column(String(64))  # a test method name, never a card number
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    provider_reference: Mapped[str | None] = mapped_column(String(64))
    failure_code: Mapped[str | None] = mapped_column(String(64))
    authorization_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Charge(Base):
    """One vendor order's part of a payment, captured or voided on its own, refunded up to its capture."""

    __tablename__ = "charges"
    __table_args__ = (
        status_in(ChargeStatus),
        *not_negative("amount_minor", "captured_minor", "refunded_minor", "commission_minor",
                      "commission_reversed_minor"),
        CheckConstraint("captured_minor <= amount_minor", name="captured_within_amount"),
        CheckConstraint("refunded_minor <= captured_minor", name="refunded_within_captured"),
        CheckConstraint("commission_minor <= captured_minor", name="commission_within_captured"),
        CheckConstraint("commission_reversed_minor <= commission_minor", name="reversal_within_commission"),
        Index("ix_charges_vendor_updated", "vendor_id", "updated_at"),
    )

    vendor_order_id: Mapped[str] = mapped_column(ForeignKey("payable_vendor_orders.vendor_order_id"),
                                                 primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), index=True)
    order_id: Mapped[str] = mapped_column(String(64))
    vendor_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    captured_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    commission_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    commission_reversed_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    provider_reference: Mapped[str | None] = mapped_column(String(64))  # the capture's
    failure_code: Mapped[str | None] = mapped_column(String(64))
    captured_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when vendor_order.completed moved the net from pending to available.
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Refund(Base):
    """One refund request handled: ``refund_request_id`` is unique, so a repeated request refunds once."""

    __tablename__ = "refunds"
    __table_args__ = (
        status_in(RefundStatus), *not_negative("amount_minor", "commission_reversed_minor"),
        CheckConstraint("commission_reversed_minor <= amount_minor", name="reversal_within_amount"),
        Index("ix_refunds_vendor_created", "vendor_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    refund_request_id: Mapped[str] = mapped_column(String(64), unique=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), index=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    vendor_order_id: Mapped[str] = mapped_column(ForeignKey("charges.vendor_order_id"), index=True)
    vendor_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    return_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    commission_reversed_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str | None] = mapped_column(Text)
    failure_code: Mapped[str | None] = mapped_column(String(64))
    provider_reference: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProviderRecord(Base):
    """The sandbox provider's own books (what a PSP's reports would list), for reconciliation."""

    __tablename__ = "sandbox_provider_records"
    __table_args__ = (*not_negative("amount_minor"), Index("ix_sandbox_provider_records_at", "created_at"))

    reference: Mapped[str] = mapped_column(String(64), primary_key=True)
    operation: Mapped[str] = mapped_column(String(20))  # authorize, capture, void, refund, payout
    parent_reference: Mapped[str | None] = mapped_column(String(64), index=True)
    merchant_reference: Mapped[str] = mapped_column(String(64))  # our payment, vendor order, refund or payout id
    succeeded: Mapped[bool]
    failure_code: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    payment_method: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
