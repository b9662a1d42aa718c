"""The double-entry ledger: accounts with running balances, immutable transactions and their entries.

Balances are read from the account row (updated under its row lock with every entry), never summed
over entries; each entry also keeps the balance after it, so a statement page is one index range.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from payments.models.base import BigId, Base


class LedgerAccount(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (Index("ix_ledger_accounts_vendor", "vendor_id", "kind"),)

    key: Mapped[str] = mapped_column(String(120), primary_key=True)  # kind:currency[:vendor]
    kind: Mapped[str] = mapped_column(String(30))
    currency: Mapped[str] = mapped_column(String(3))
    vendor_id: Mapped[str | None] = mapped_column(String(64))
    balance_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # debits positive, credits negative
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LedgerTransaction(Base):
    """One balanced posting. ``(kind, source_id)`` is unique: the same capture or payout never posts twice."""

    __tablename__ = "ledger_transactions"
    __table_args__ = (UniqueConstraint("kind", "source_id"), Index("ix_ledger_transactions_created", "created_at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str] = mapped_column(String(64))  # vendor order, refund or payout id
    order_id: Mapped[str | None] = mapped_column(String(64))
    vendor_order_id: Mapped[str | None] = mapped_column(String(64))
    vendor_id: Mapped[str | None] = mapped_column(String(64))
    memo: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_account_created", "account_key", "created_at", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    transaction_id: Mapped[str] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_key: Mapped[str] = mapped_column(ForeignKey("ledger_accounts.key"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    balance_after_minor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
