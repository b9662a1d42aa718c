"""Two payout runs at once pay each balance once; two workers at once start one scheduled run.

Real threads, each with its own sessions, released together by a barrier. The runs are made to
race where it matters: both have listed the same vendors as due before either locks a balance.
PostgreSQL's row locks decide there; on SQLite writers serialize, which must give the same result.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone

from sqlalchemy import func, select

from chassis.runtime_settings import change
from payments import payouts
from payments.models import LedgerAccount, LedgerEntry, Payout, PayoutRun, ProviderRecord
from payments.payouts import Trigger, run_payouts, run_scheduled_payouts
from payments.settings import PaymentsRuntimeSettings
from payments.testing import Marketplace

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)


def earned(app, orders: int = 1) -> Marketplace:
    for _ in range(orders):
        market = Marketplace(app)
        market.placed()
        market.pay()
        for vendor in ("ven-a", "ven-b"):
            market.vendor_order_event("vendor_order.accepted", vendor)
            market.vendor_order_event("vendor_order.completed", vendor)
    return market


def available(market: Marketplace, vendor: str) -> int:
    return sum(balance.available_minor for balance in market.balances(vendor))


def assert_ledger_consistent(runtime) -> None:
    """Every transaction sums to zero; every account's running balance is the sum of its entries."""
    with runtime.uow() as uow:
        unbalanced = uow.session.execute(select(LedgerEntry.transaction_id).group_by(LedgerEntry.transaction_id)
                                         .having(func.sum(LedgerEntry.amount_minor) != 0)).all()
        sums = dict(uow.session.execute(select(LedgerEntry.account_key, func.sum(LedgerEntry.amount_minor))
                                        .group_by(LedgerEntry.account_key)).all())
        running = dict(uow.session.execute(select(LedgerAccount.key, LedgerAccount.balance_minor)).all())
    assert unbalanced == []
    assert running == {key: sums.get(key, 0) for key in running}


def side_by_side(*calls) -> list:
    """Run the calls in threads started together; their results (an exception fails the test)."""
    barrier, results, errors = threading.Barrier(len(calls)), [None] * len(calls), []

    def work(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
    threads = [threading.Thread(target=work, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and not any(thread.is_alive() for thread in threads)
    return results


def test_two_payout_runs_at_once_pay_each_balance_once(app, monkeypatch):
    runtime = app.extensions["chassis.runtime"]
    market = earned(app, orders=2)
    listed = threading.Barrier(2)
    real_due = payouts._due

    def due_then_wait(uow, minimum):
        vendors = real_due(uow, minimum)
        listed.wait(timeout=30)  # both runs saw both balances as payable before either locks one
        return vendors
    monkeypatch.setattr(payouts, "_due", due_then_wait)

    first, second = side_by_side(lambda: run_payouts(runtime.uow, Trigger.OPERATOR, "op-1"),
                                 lambda: run_payouts(runtime.uow, Trigger.OPERATOR, "op-2"))

    with runtime.uow() as uow:
        paid = sorted(tuple(row) for row in uow.session.execute(
            select(Payout.vendor_id, Payout.amount_minor, Payout.status)))
        counts = sorted(uow.session.scalars(select(PayoutRun.payout_count).where(PayoutRun.id.in_([first, second]))))
        provider_payouts = uow.session.scalar(select(func.sum(ProviderRecord.amount_minor)).where(
            ProviderRecord.operation == "payout"))
    assert paid == [("ven-a", 4400, "paid"), ("ven-b", 5100, "paid")]
    assert sum(counts) == 2 and provider_payouts == 4400 + 5100
    assert (available(market, "ven-a"), available(market, "ven-b")) == (0, 0)
    assert_ledger_consistent(runtime)


def test_two_workers_at_once_start_one_scheduled_run(app):
    runtime = app.extensions["chassis.runtime"]
    earned(app)
    with runtime.uow() as uow:
        change(uow, PaymentsRuntimeSettings, {"payout_every_hours": 24}, "test")
        uow.commit()

    started = side_by_side(lambda: run_scheduled_payouts(runtime.uow, at=T0),
                           lambda: run_scheduled_payouts(runtime.uow, at=T0))

    assert sum(run_id is not None for run_id in started) == 1
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(PayoutRun)) == 1
        assert uow.session.scalar(select(func.count()).select_from(Payout)) == 2
    assert_ledger_consistent(runtime)
