"""Writing postings to the ledger and reading balances.

A posting is written once per ``(kind, source_id)``: a repeated capture, release, refund or payout
writes nothing. Accounts are locked in key order (no deadlocks between postings touching the same
accounts), their running balance moves with each entry, and each entry keeps the balance after it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from payments.domain.ledger import AccountKey, AccountKind, Posting, owed
from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction
from payments.models.base import new_id, now

_accounts, _transactions, _entries = LedgerAccount.__table__, LedgerTransaction.__table__, LedgerEntry.__table__


@dataclass(frozen=True)
class Source:
    """What a posting records: its source (vendor order, refund or payout id) and references to find it by."""

    source_id: str
    order_id: str | None = None
    vendor_order_id: str | None = None
    vendor_id: str | None = None


@dataclass(frozen=True)
class VendorBalance:
    currency: str
    pending_minor: int
    available_minor: int


def account_key(account: AccountKey) -> str:
    base = f"{account.kind}:{account.currency}"
    return f"{base}:{account.vendor_id}" if account.vendor_id else base


def vendor_account_key(kind: AccountKind, currency: str, vendor_id: str) -> str:
    return account_key(AccountKey(kind, currency, vendor_id))


def post(session: Session, posting: Posting, source: Source, *, at: datetime | None = None) -> str | None:
    """Write ``posting`` in the session's transaction; None if this source already posted this kind."""
    connection, moment, transaction_id = session.connection(), at or now(), new_id()
    written = connection.execute(_insert_transaction(connection.dialect.name), dict(
        id=transaction_id, kind=str(posting.kind), source_id=source.source_id, order_id=source.order_id,
        vendor_order_id=source.vendor_order_id, vendor_id=source.vendor_id, memo=posting.memo,
        created_at=moment)).first()
    if written is None:
        return None
    balances = _locked_balances(connection, {account_key(e.account): e.account for e in posting.entries}, moment)
    rows = []
    for entry in posting.entries:
        key = account_key(entry.account)
        balances[key] += entry.amount_minor
        rows.append(dict(transaction_id=transaction_id, account_key=key, amount_minor=entry.amount_minor,
                         balance_after_minor=balances[key], created_at=moment))
    connection.execute(_entries.insert(), rows)
    connection.execute(_set_balance(), [dict(account=key, balance=value, moment=moment)
                                        for key, value in balances.items()])
    return transaction_id


def balance(session: Session, account: AccountKey) -> int:
    """The account's running balance (debits positive); 0 for an account never posted to."""
    value = session.execute(select(_accounts.c.balance_minor).where(_accounts.c.key == account_key(account))).scalar()
    return value or 0


def locked_balances(session: Session, *accounts: AccountKey) -> dict[AccountKey, int]:
    """Lock ``accounts`` (opened at 0 if new) in the order every posting locks them; their running balances.

    For an amount decided from a balance (a payout of the whole available balance): read it here and
    post in the same transaction, and nothing moves it in between."""
    by_key = {account_key(account): account for account in accounts}
    locked = _locked_balances(session.connection(), by_key, now())
    return {account: locked[key] for key, account in by_key.items()}


def vendor_balances(session: Session, vendor_id: str) -> list[VendorBalance]:
    """What the marketplace owes a vendor per currency, pending and available (negative when it owes back)."""
    rows = session.execute(select(_accounts.c.kind, _accounts.c.currency, _accounts.c.balance_minor)
                           .where(_accounts.c.vendor_id == vendor_id)).all()
    by_currency: dict[str, dict[str, int]] = {}
    for kind, currency, value in rows:
        by_currency.setdefault(currency, {})[kind] = owed(value)
    return [VendorBalance(currency, amounts.get(AccountKind.VENDOR_PENDING, 0),
                          amounts.get(AccountKind.VENDOR_AVAILABLE, 0))
            for currency, amounts in sorted(by_currency.items())]


def _locked_balances(connection, accounts: dict[str, AccountKey], moment: datetime) -> dict[str, int]:
    keys = sorted(accounts)
    connection.execute(_insert_accounts(connection.dialect.name), [
        dict(key=key, kind=str(accounts[key].kind), currency=accounts[key].currency,
             vendor_id=accounts[key].vendor_id, balance_minor=0, updated_at=moment) for key in keys])
    locked = connection.execute(select(_accounts.c.key, _accounts.c.balance_minor).where(_accounts.c.key.in_(keys))
                                .order_by(_accounts.c.key).with_for_update())
    return dict(locked.all())


@functools.cache
def _insert_transaction(dialect: str):
    return (_dialect_insert(dialect)(_transactions).on_conflict_do_nothing(index_elements=["kind", "source_id"])
            .returning(_transactions.c.id))


@functools.cache
def _insert_accounts(dialect: str):
    return _dialect_insert(dialect)(_accounts).on_conflict_do_nothing(index_elements=["key"])


@functools.cache
def _set_balance():
    return (update(_accounts).where(_accounts.c.key == bindparam("account"))
            .values(balance_minor=bindparam("balance"), updated_at=bindparam("moment")))


def _dialect_insert(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
