"""A vendor's statement: the entries of one of its ledger accounts, oldest first, with the running balance.

Amounts are read as owed to the vendor (vendor accounts are liabilities, credits in the ledger): a
capture or a release into the account is positive, a refund, a release out of pending or a payout
is negative, and ``balance_after_minor`` is what the marketplace owed the vendor after the entry.

A page is one range of the index ``(account_key, created_at, id)``: keyset pagination from a
cursor (never OFFSET), no COUNT over the account; the balance after each entry was stored when it
was posted, so nothing is summed.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, tuple_

from chassis.csv_cells import csv_lines
from chassis.errors import Problem
from payments.domain.ledger import AccountKind, owed
from payments.ledger_book import vendor_account_key
from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction
from payments.models.base import utc

ACCOUNTS = {"pending": AccountKind.VENDOR_PENDING, "available": AccountKind.VENDOR_AVAILABLE}
CSV_BATCH = 1000
CSV_HEADER = ("created_at", "entry_id", "transaction_id", "kind", "memo", "order_id", "vendor_order_id",
              "currency", "amount_minor", "balance_after_minor")
_entries, _transactions = LedgerEntry.__table__, LedgerTransaction.__table__


@dataclass(frozen=True)
class Statement:
    """Which account and period: ``start`` inclusive, ``end`` exclusive, either open."""

    vendor_id: str
    account: str  # pending or available
    currency: str
    start: datetime | None = None
    end: datetime | None = None

    @property
    def account_key(self) -> str:
        return vendor_account_key(ACCOUNTS[self.account], self.currency, self.vendor_id)


@dataclass(frozen=True)
class Position:
    """Where a page ends: the last entry's ``(created_at, id)``; the next page starts after it."""

    created_at: datetime
    entry_id: int

    def encode(self) -> str:
        return base64.urlsafe_b64encode(f"{utc(self.created_at).isoformat()}|{self.entry_id}".encode()).decode()

    @classmethod
    def decode(cls, cursor: str) -> "Position":
        try:
            moment, entry_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
            return cls(utc(datetime.fromisoformat(moment)), int(entry_id))
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise Problem(422, "validation-failed", "cursor is not one this endpoint gave",
                          errors={"cursor": ["not a cursor of this statement"]}) from None


def page(connection: Connection, statement: Statement, after: Position | None,
         limit: int) -> tuple[list[dict], str | None]:
    """Up to ``limit`` entries after ``after``, and the cursor of the next page (None on the last)."""
    rows = connection.execute(_entries_query(statement, after).limit(limit + 1)).mappings().all()
    entries = [_entry(row) for row in rows[:limit]]
    more = len(rows) > limit
    return entries, Position(rows[limit - 1]["created_at"], rows[limit - 1]["id"]).encode() if more else None


def balance_before(connection: Connection, statement: Statement, moment: datetime | None) -> int:
    """What was owed just before ``moment`` (None: now, the account's running total)."""
    if moment is None:
        value = connection.execute(select(LedgerAccount.balance_minor)
                                   .where(LedgerAccount.key == statement.account_key)).scalar()
    else:
        value = connection.execute(
            select(_entries.c.balance_after_minor).where(_entries.c.account_key == statement.account_key,
                                                         _entries.c.created_at < moment)
            .order_by(_entries.c.created_at.desc(), _entries.c.id.desc()).limit(1)).scalar()
    return owed(value or 0)


def csv_export(connection: Connection, statement: Statement) -> Iterator[str]:
    """Every entry of the period as CSV lines (header first), read in keyset batches."""
    return csv_lines(CSV_HEADER, (_csv_record(statement, entry) for entry in _every_entry(connection, statement)))


def _every_entry(connection: Connection, statement: Statement) -> Iterator[dict]:
    after = None
    while True:
        rows = connection.execute(_entries_query(statement, after).limit(CSV_BATCH)).mappings().all()
        yield from (_entry(row) for row in rows)
        if len(rows) < CSV_BATCH:
            return
        after = Position(rows[-1]["created_at"], rows[-1]["id"])


def _entries_query(statement: Statement, after: Position | None):
    query = (select(_entries.c.id, _entries.c.created_at, _entries.c.amount_minor, _entries.c.balance_after_minor,
                    _entries.c.transaction_id, _transactions.c.kind, _transactions.c.memo, _transactions.c.order_id,
                    _transactions.c.vendor_order_id, _transactions.c.source_id)
             .join(_transactions, _transactions.c.id == _entries.c.transaction_id)
             .where(_entries.c.account_key == statement.account_key)
             .order_by(_entries.c.created_at, _entries.c.id))
    if statement.start is not None:
        query = query.where(_entries.c.created_at >= statement.start)
    if statement.end is not None:
        query = query.where(_entries.c.created_at < statement.end)
    if after is not None:
        query = query.where(tuple_(_entries.c.created_at, _entries.c.id) > tuple_(after.created_at, after.entry_id))
    return query


def _entry(row) -> dict:
    return {"id": row["id"], "created_at": utc(row["created_at"]), "transaction_id": row["transaction_id"],
            "kind": row["kind"], "memo": row["memo"], "order_id": row["order_id"],
            "vendor_order_id": row["vendor_order_id"], "source_id": row["source_id"],
            "amount_minor": owed(row["amount_minor"]), "balance_after_minor": owed(row["balance_after_minor"])}


def _csv_record(statement: Statement, entry: dict) -> list[str]:
    return [entry["created_at"].isoformat(), str(entry["id"]), entry["transaction_id"], entry["kind"],
            entry["memo"] or "", entry["order_id"] or "", entry["vendor_order_id"] or "", statement.currency,
            str(entry["amount_minor"]), str(entry["balance_after_minor"])]
