"""Reconciliation: the ledger's captures, refunds and payouts against the provider's own records.

For a period, every money movement the ledger holds (``capture``, ``refund_paid``, ``payout_paid``)
must match one successful provider operation with the same merchant reference (vendor order,
refund or payout id) and amount, and the other way round. A counterpart recorded just outside the
period still matches: each side is looked up by reference, not only by time.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from payments.domain.ledger import AccountKind, PostingKind
from payments.models import LedgerEntry, LedgerTransaction, ProviderRecord

# Ledger posting kind -> the provider operation it stands for.
OPERATIONS = {PostingKind.CAPTURE: "capture", PostingKind.REFUND_PAID: "refund", PostingKind.PAYOUT_PAID: "payout"}
_KIND_OF = {operation: kind for kind, operation in OPERATIONS.items()}


@dataclass(frozen=True)
class Movement:
    operation: str
    reference: str  # ours: vendor order, refund or payout id
    currency: str
    amount_minor: int
    at: datetime


@dataclass(frozen=True)
class Mismatch:
    problem: str  # missing_at_provider, missing_in_ledger, amount_differs, repeated_at_provider
    operation: str
    reference: str
    ledger_amount_minor: int | None
    provider_amount_minor: int | None
    currency: str


@dataclass(frozen=True)
class Report:
    start: datetime
    end: datetime
    ledger_movements: int
    provider_operations: int
    mismatches: list[Mismatch]

    @property
    def clean(self) -> bool:
        return not self.mismatches

    def to_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "clean": self.clean,
                "ledger_movements": self.ledger_movements, "provider_operations": self.provider_operations,
                "mismatches": [asdict(mismatch) for mismatch in self.mismatches]}


def reconcile(session: Session, start: datetime, end: datetime) -> Report:
    """Compare both sides over ``[start, end)``; every difference is listed."""
    ledger_side = _by_key(_ledger_movements(session, _in_period(LedgerTransaction.created_at, start, end)))
    provider_side = _by_key(_provider_operations(session, _in_period(ProviderRecord.created_at, start, end)))
    ledger_all = {**ledger_side, **_by_key(_ledger_movements(
        session, LedgerTransaction.source_id.in_({ref for _, ref in provider_side.keys() - ledger_side.keys()})))}
    provider_all = {**provider_side, **_by_key(_provider_operations(
        session, ProviderRecord.merchant_reference.in_({ref for _, ref in ledger_side.keys() - provider_side.keys()})))}
    mismatches = [_compare(key, ledger_all.get(key), provider_all.get(key))
                  for key in sorted(ledger_side.keys() | provider_side.keys())]
    mismatches += _repeated(session, start, end)
    return Report(start, end, len(ledger_side), len(provider_side), [m for m in mismatches if m is not None])


def _repeated(session: Session, start: datetime, end: datetime) -> list[Mismatch]:
    """The ledger posts a reference once; the provider doing it twice is a mismatch of its own."""
    seen: dict[tuple[str, str], Movement] = {}
    repeated = []
    for movement in _provider_operations(session, _in_period(ProviderRecord.created_at, start, end)):
        key = (movement.operation, movement.reference)
        if key in seen:
            repeated.append(Mismatch("repeated_at_provider", movement.operation, movement.reference, None,
                                     movement.amount_minor, movement.currency))
        seen[key] = movement
    return repeated


def _compare(key, ledger: Movement | None, provider: Movement | None) -> Mismatch | None:
    operation, reference = key
    if ledger is not None and provider is not None and (ledger.amount_minor, ledger.currency) == (
            provider.amount_minor, provider.currency):
        return None
    problem = ("missing_at_provider" if provider is None else "missing_in_ledger" if ledger is None
               else "amount_differs")
    return Mismatch(problem, operation, reference, ledger.amount_minor if ledger else None,
                    provider.amount_minor if provider else None, (ledger or provider).currency)


def _ledger_movements(session: Session, condition) -> list[Movement]:
    """Each capture, refund paid or payout paid, measured on the provider's clearing account."""
    rows = session.execute(
        select(LedgerTransaction.kind, LedgerTransaction.source_id, LedgerTransaction.created_at,
               LedgerEntry.account_key, LedgerEntry.amount_minor)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.kind.in_([str(kind) for kind in OPERATIONS]), condition,
               LedgerEntry.account_key.like(f"{AccountKind.PSP_CLEARING}:%")))
    return [Movement(OPERATIONS[PostingKind(kind)], source_id, key.split(":")[1], abs(amount), at)
            for kind, source_id, at, key, amount in rows]


def _provider_operations(session: Session, condition) -> list[Movement]:
    rows = session.scalars(select(ProviderRecord).where(
        ProviderRecord.operation.in_(list(_KIND_OF)), ProviderRecord.succeeded.is_(True), condition))
    return [Movement(row.operation, row.merchant_reference, row.currency, row.amount_minor, row.created_at)
            for row in rows]


def _by_key(movements: list[Movement]) -> dict[tuple[str, str], Movement]:
    return {(movement.operation, movement.reference): movement for movement in movements}


def _in_period(column, start: datetime, end: datetime):
    return (column >= start) & (column < end)
