"""Reconciliation: the ledger's captures, refunds and payouts against the provider's own records.

For a period, every money movement the ledger holds (``capture``, ``refund_paid``, ``payout_paid``)
must match one successful provider operation with the same merchant reference (vendor order,
refund or payout id) and amount, and the other way round. The provider's side comes from its
reports (``PaymentProvider.records``), as a PSP adapter would fetch them. A counterpart recorded
just outside the period still matches: the ledger is looked up by reference, and the provider's
reports are read a day beyond each end.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from payments.domain.ledger import AccountKind, PostingKind
from payments.models import LedgerEntry, LedgerTransaction
from payments.models.base import utc
from payments.provider import provider_for

# Ledger posting kind -> the provider operation it stands for.
OPERATIONS = {PostingKind.CAPTURE: "capture", PostingKind.REFUND_PAID: "refund", PostingKind.PAYOUT_PAID: "payout"}
_KIND_OF = {operation: kind for kind, operation in OPERATIONS.items()}
# How far beyond the period the provider's reports are read for counterparts recorded across its ends.
REPORT_MARGIN = timedelta(days=1)


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
    nearby = _provider_operations(session, start - REPORT_MARGIN, end + REPORT_MARGIN)
    in_period = [movement for movement in nearby if start <= movement.at < end]
    ledger_side = _by_key(_ledger_movements(session, _in_period(LedgerTransaction.created_at, start, end)))
    provider_side = _by_key(in_period)
    ledger_all = {**ledger_side, **_by_key(_ledger_movements(
        session, LedgerTransaction.source_id.in_({ref for _, ref in provider_side.keys() - ledger_side.keys()})))}
    provider_all = {**_by_key(nearby), **provider_side}
    mismatches = [_compare(key, ledger_all.get(key), provider_all.get(key))
                  for key in sorted(ledger_side.keys() | provider_side.keys())]
    mismatches += _repeated(in_period)
    return Report(start, end, len(ledger_side), len(provider_side), [m for m in mismatches if m is not None])


def _repeated(movements: list[Movement]) -> list[Mismatch]:
    """The ledger posts a reference once; the provider doing it twice is a mismatch of its own."""
    seen: set[tuple[str, str]] = set()
    repeated = []
    for movement in movements:
        key = (movement.operation, movement.reference)
        if key in seen:
            repeated.append(Mismatch("repeated_at_provider", movement.operation, movement.reference, None,
                                     movement.amount_minor, movement.currency))
        seen.add(key)
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


def _provider_operations(session: Session, start: datetime, end: datetime) -> list[Movement]:
    """The provider's successful captures, refunds and payouts of ``[start, end)``, from its reports."""
    return [Movement(record.operation, record.merchant_reference, record.currency, record.amount_minor,
                     utc(record.at))
            for record in provider_for(session).records(start, end)
            if record.succeeded and record.operation in _KIND_OF]


def _by_key(movements: list[Movement]) -> dict[tuple[str, str], Movement]:
    return {(movement.operation, movement.reference): movement for movement in movements}


def _in_period(column, start: datetime, end: datetime):
    return (column >= start) & (column < end)
