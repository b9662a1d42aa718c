"""Commission rules (operators manage them) and the commission each vendor order line paid, with its rule."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from payments.models.base import BigId, Base, not_negative


class CommissionRule(Base):
    __tablename__ = "commission_rules"
    __table_args__ = (
        CheckConstraint("rate_bps >= 0 AND rate_bps <= 10000", name="rate_in_range"),
        *not_negative("fixed_fee_minor"),
        CheckConstraint("min_minor IS NULL OR min_minor >= 0", name="min_not_negative"),
        CheckConstraint("max_minor IS NULL OR min_minor IS NULL OR max_minor >= min_minor", name="max_above_min"),
        # One rule per scope: NULLs would be distinct in a plain unique constraint.
        Index("uq_commission_rules_scope", text("coalesce(vendor_id, '')"), text("coalesce(category_id, '')"),
              unique=True),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    vendor_id: Mapped[str | None] = mapped_column(String(64))
    category_id: Mapped[str | None] = mapped_column(String(64))
    rate_bps: Mapped[int] = mapped_column(Integer)
    fixed_fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    min_minor: Mapped[int | None] = mapped_column(BigInteger)
    max_minor: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CommissionLine(Base):
    """A line's commission at capture (``kind`` charge, positive) or given back by a refund (reversal, negative)."""

    __tablename__ = "commission_lines"
    __table_args__ = (
        CheckConstraint("kind IN ('charge', 'reversal')", name="kind_known"),
        CheckConstraint("(kind = 'charge' AND commission_minor >= 0) OR (kind = 'reversal' AND commission_minor <= 0)",
                        name="sign_matches_kind"),
        Index("ix_commission_lines_vendor_created", "vendor_id", "created_at"),
        Index("ix_commission_lines_vendor_order", "vendor_order_id", "line_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))
    vendor_order_id: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str] = mapped_column(String(64))
    line_id: Mapped[str] = mapped_column(String(64))
    vendor_id: Mapped[str] = mapped_column(String(64))
    category_id: Mapped[str | None] = mapped_column(String(64))
    rule_id: Mapped[str | None] = mapped_column(String(36))  # null: the default rate of the settings
    rule_scope: Mapped[str] = mapped_column(String(20))
    rate_bps: Mapped[int] = mapped_column(Integer)
    base_minor: Mapped[int] = mapped_column(BigInteger)
    fixed_fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    commission_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    refund_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
