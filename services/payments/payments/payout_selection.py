"""What a payout run pays: first the payouts an earlier run left in transit, then every vendor's available
balance that :func:`payments.domain.ledger.payable_amount` pays (above zero, at least the minimum).

The run (:mod:`payments.payouts`) and its preview (``GET /api/v1/payouts/preview``) both read them here,
so the preview cannot drift from what a run does. The run re-reads each balance under its lock before
paying it; the preview writes nothing.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from chassis.runtime_settings import current
from payments.domain import ledger
from payments.domain.ledger import AccountKind
from payments.domain.states import PayoutStatus
from payments.models import LedgerAccount, Payout
from payments.settings import PaymentsRuntimeSettings


@dataclass(frozen=True)
class PayableBalance:
    vendor_id: str
    currency: str
    amount_minor: int


@dataclass(frozen=True)
class DuePayout:
    """What a run started now pays one vendor in one currency."""

    vendor_id: str
    currency: str
    in_transit_minor: int  # payouts an earlier run left in transit: finished first
    available_minor: int  # the available balance a new payout moves

    @property
    def amount_minor(self) -> int:
        return self.in_transit_minor + self.available_minor


def payable_balances(session: Session, minimum_minor: int) -> list[PayableBalance]:
    """Each vendor's available balance a run pays, by vendor and currency, with the amount it pays."""
    # The SQL bound only narrows the read to owed balances; payable_amount decides.
    rows = session.execute(
        select(LedgerAccount.vendor_id, LedgerAccount.currency, LedgerAccount.balance_minor)
        .where(LedgerAccount.kind == AccountKind.VENDOR_AVAILABLE,
               LedgerAccount.balance_minor <= ledger.owed(max(minimum_minor, 1)))
        .order_by(LedgerAccount.vendor_id, LedgerAccount.currency))
    return [PayableBalance(vendor_id, currency, amount) for vendor_id, currency, balance in rows
            if (amount := ledger.payable_amount(ledger.owed(balance), minimum_minor))]


def left_in_transit(session: Session, *, other_than_run: str | None = None) -> list[Row]:
    """Payouts still in transit (a run stopped between moving the money and asking the provider), oldest first:
    rows of id, vendor_id, currency and amount_minor (not entities: the run locks each one afresh)."""
    query = (select(Payout.id, Payout.vendor_id, Payout.currency, Payout.amount_minor)
             .where(Payout.status == PayoutStatus.IN_TRANSIT).order_by(Payout.created_at, Payout.id))
    if other_than_run is not None:
        query = query.where(Payout.run_id != other_than_run)
    return list(session.execute(query))


def due_payouts(session: Session) -> list[DuePayout]:
    """What a run started now would pay, per vendor and currency (by vendor), at today's minimum payout."""
    minimum = current(session, PaymentsRuntimeSettings).payout_minimum_minor
    amounts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for payout in left_in_transit(session):
        amounts[payout.vendor_id, payout.currency][0] += payout.amount_minor
    for balance in payable_balances(session, minimum):
        amounts[balance.vendor_id, balance.currency][1] += balance.amount_minor
    return [DuePayout(vendor_id, currency, *pair) for (vendor_id, currency), pair in sorted(amounts.items())]
