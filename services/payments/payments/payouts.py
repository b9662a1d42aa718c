"""Payout runs: every vendor whose available balance reaches the minimum is paid exactly that balance.

Per vendor and currency, two transactions:
1. lock the vendor's available account (with payouts in transit, in the key order every posting
   locks accounts, so no deadlock with refunds or failed payouts), read its balance under that
   lock, post ``payout`` (available -> in transit) and open the payout ``in_transit``. A second run
   waiting on the same lock then reads 0 and pays nothing: a balance is never paid twice.
2. the provider pays out with only the payout's row locked, not the balance (credits and refunds
   go on meanwhile); then ``payout_paid`` (in transit -> psp clearing) and ``payout.paid``, or
   ``payout_failed`` (funds back to available) and ``payout.failed``.

A negative available balance (refunds after release) is never paid; later credits net it. A run
first finishes payouts an earlier run left in transit (a crash between the two transactions): the
provider gets the payout id as its reference, which a PSP adapter passes as its idempotency key.
What a run pays is selected in :mod:`payments.payout_selection`, which its preview reads too.
Scheduled runs (``payout_every_hours``) start when the last run is that old; one lock name makes
the check and the new run one step, so two workers start one run.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from chassis.db import serialize
from chassis.runtime_settings import current
from chassis.uow import UnitOfWork
from payments import ledger_book, payout_selection
from payments.domain import ledger
from payments.domain.ledger import AccountKey, AccountKind
from payments.domain.states import PayoutStatus
from payments.ledger_book import Source
from payments.models import Payout, PayoutRun
from payments.models.base import new_id, now, utc
from payments.provider import provider_for
from payments.settings import PaymentsRuntimeSettings

log = logging.getLogger(__name__)
SCHEDULE_LOCK = "payments.payout_schedule"


class Trigger(StrEnum):
    OPERATOR = "operator"
    SCHEDULE = "schedule"


def run_payouts(uow_factory: Callable[[], UnitOfWork], trigger: Trigger | str, actor_id: str | None,
                *, at: datetime | None = None) -> str:
    """One payout run (``trigger``: operator or schedule); its id once every vendor due is paid or failed."""
    uow = uow_factory()
    with uow:
        run = _new_run(uow, trigger, actor_id, at or now())
        uow.commit()
        run_id, minimum = run.id, run.minimum_minor
    _pay_all(uow, run_id, minimum)
    return run_id


def run_scheduled_payouts(uow_factory: Callable[[], UnitOfWork], at: datetime | None = None) -> str | None:
    """Start a ``schedule`` run if ``payout_every_hours`` is on and the last run (any trigger) is that old.

    The worker calls this every ``payout_sweep_seconds``; the run's id, or None when none is due."""
    uow, moment = uow_factory(), at or now()
    with uow:
        serialize(uow.session, SCHEDULE_LOCK)  # two workers: the second sees the first's run
        every = current(uow.session, PaymentsRuntimeSettings).payout_every_hours
        last = utc(uow.session.scalar(select(PayoutRun.created_at).order_by(PayoutRun.created_at.desc()).limit(1)))
        if not every or (last is not None and last + timedelta(hours=every) > moment):
            return None
        run = _new_run(uow, Trigger.SCHEDULE, None, moment)
        uow.commit()
        run_id, minimum = run.id, run.minimum_minor
    _pay_all(uow, run_id, minimum)
    return run_id


def _new_run(uow: UnitOfWork, trigger: Trigger | str, actor_id: str | None, moment: datetime) -> PayoutRun:
    minimum = current(uow.session, PaymentsRuntimeSettings).payout_minimum_minor
    run = PayoutRun(id=new_id(), trigger=str(Trigger(trigger)), actor_id=actor_id, minimum_minor=minimum,
                    payout_count=0, created_at=moment)
    uow.session.add(run)
    return run


def _pay_all(uow: UnitOfWork, run_id: str, minimum: int) -> None:
    for payout_id in _left_in_transit(uow, run_id):
        _guarded(_settle, uow, payout_id)
    opened = [payout_id for vendor_id, currency in _due(uow, minimum)
              if (payout_id := _guarded(_open, uow, run_id, vendor_id, currency, minimum))]
    for payout_id in opened:
        _guarded(_settle, uow, payout_id)
    with uow:
        uow.session.get(PayoutRun, run_id, with_for_update=True).payout_count = len(opened)
        uow.commit()


def _guarded(step, uow: UnitOfWork, *args):
    """One vendor's failure (logged) does not stop the others; its payout is finished by a later run."""
    try:
        return step(uow, *args)
    except Exception:
        log.exception("payout step %s failed for %s", step.__name__, args)
        return None


def _left_in_transit(uow: UnitOfWork, run_id: str) -> list[str]:
    with uow:
        return [payout.id for payout in payout_selection.left_in_transit(uow.session, other_than_run=run_id)]


def _due(uow: UnitOfWork, minimum: int) -> list[tuple[str, str]]:
    """Vendors (and currencies) whose available balance looked payable; each is re-read under its lock."""
    with uow:
        return [(due.vendor_id, due.currency) for due in payout_selection.payable_balances(uow.session, minimum)]


def _open(uow: UnitOfWork, run_id: str, vendor_id: str, currency: str, minimum: int) -> str | None:
    """Move exactly the available balance to in transit, read and posted under the account's lock."""
    with uow:
        available = AccountKey(AccountKind.VENDOR_AVAILABLE, currency, vendor_id)
        balances = ledger_book.locked_balances(uow.session, available,
                                               AccountKey(AccountKind.PAYOUTS_IN_TRANSIT, currency))
        amount = ledger.payable_amount(ledger.owed(balances[available]), minimum)
        if not amount:
            return None
        moment = now()
        payout = Payout(id=new_id(), run_id=run_id, vendor_id=vendor_id, currency=currency, amount_minor=amount,
                        status=PayoutStatus.IN_TRANSIT, created_at=moment, updated_at=moment)
        uow.session.add(payout)
        uow.session.flush()
        ledger_book.post(uow.session, ledger.payout(vendor_id, currency, amount, memo=f"payout {payout.id}"),
                         Source(payout.id, vendor_id=vendor_id), at=moment)
        uow.commit()
        return payout.id


def _settle(uow: UnitOfWork, payout_id: str) -> None:
    """Ask the provider to pay; record paid (to the PSP's clearing) or failed (back to available)."""
    with uow:
        payout = uow.session.get(Payout, payout_id, with_for_update=True)
        if payout.status != PayoutStatus.IN_TRANSIT:
            return  # another run finished it
        outcome = provider_for(uow.session).pay_out(vendor_id=payout.vendor_id, merchant_reference=payout.id,
                                                    amount_minor=payout.amount_minor, currency=payout.currency)
        moment, source = now(), Source(payout.id, vendor_id=payout.vendor_id)
        facts = dict(payout_id=payout.id, vendor_id=payout.vendor_id, amount_minor=payout.amount_minor,
                     currency=payout.currency)
        if outcome.succeeded:
            ledger_book.post(uow.session, ledger.payout_paid(payout.currency, payout.amount_minor,
                                                             memo=f"payout {payout.id} paid"), source, at=moment)
            payout.status, payout.provider_reference = PayoutStatus.PAID, outcome.reference
            uow.publish("payout.paid", facts, subject=payout.vendor_id)
        else:
            ledger_book.post(uow.session, ledger.payout_failed(payout.vendor_id, payout.currency, payout.amount_minor,
                                                               memo=f"payout {payout.id} failed"), source, at=moment)
            payout.status, payout.provider_reference = PayoutStatus.FAILED, outcome.reference
            payout.failure_code = outcome.failure_code
            uow.publish("payout.failed", dict(facts, reason_code=outcome.failure_code), subject=payout.vendor_id)
        payout.updated_at = moment
        uow.commit()

