"""Payout runs and the payouts they made: each pays exactly a vendor's available balance."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from payments.domain.states import PayoutStatus
from payments.models.base import Base, not_negative, status_in


class PayoutRun(Base):
    __tablename__ = "payout_runs"
    __table_args__ = (*not_negative("payout_count"), Index("ix_payout_runs_created", "created_at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    trigger: Mapped[str] = mapped_column(String(20))  # operator or schedule
    actor_id: Mapped[str | None] = mapped_column(String(64))
    minimum_minor: Mapped[int] = mapped_column(BigInteger)
    payout_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Payout(Base):
    __tablename__ = "payouts"
    __table_args__ = (
        status_in(PayoutStatus), CheckConstraint("amount_minor > 0", name="amount_positive"),
        Index("ix_payouts_vendor_created", "vendor_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("payout_runs.id"), index=True)
    vendor_id: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    provider_reference: Mapped[str | None] = mapped_column(String(64))
    failure_code: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
