"""Payout runs: exactly the available balance, never below the minimum, never a negative or pending balance;
failures give the money back; the schedule; the API and its tenancy.

Balances come from real postings: orders captured and completed through the real consumer
(``Marketplace``). ven-a earns 2200 per order (2500 less 300 commission), ven-b 2550 (3000 less 450).
After every test, every ledger transaction balances and every account equals the sum of its entries.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select, table, text

from chassis.runtime_settings import change
from chassis.testing.events import published
from payments import ledger_book, payouts
from payments.domain.ledger import AccountKey, AccountKind
from payments.ledger_book import VendorBalance
from payments.models import LedgerAccount, LedgerEntry, Payout, PayoutRun, ProviderRecord
from payments.payouts import Trigger, run_payouts, run_scheduled_payouts
from payments.settings import PaymentsRuntimeSettings
from payments.testing import Marketplace

RUNS, PAYOUTS = "/api/v1/payouts/runs", "/api/v1/payouts"
T0 = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)


@pytest.fixture
def runtime(app):
    return app.extensions["chassis.runtime"]


@pytest.fixture(autouse=True)
def ledger_stays_balanced(app):
    yield
    assert_ledger_consistent(app.extensions["chassis.runtime"])


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


def earned(app, *, complete: bool = True) -> Marketplace:
    """One paid order, both vendor orders captured and (by default) completed: released to available."""
    market = Marketplace(app)
    market.placed()
    market.pay()
    for vendor in ("ven-a", "ven-b"):
        market.vendor_order_event("vendor_order.accepted", vendor)
        if complete:
            market.vendor_order_event("vendor_order.completed", vendor)
    return market


def configure(runtime, **changes) -> None:
    with runtime.uow() as uow:
        change(uow, PaymentsRuntimeSettings, changes, "test")
        uow.commit()


def run(runtime) -> str:
    return run_payouts(runtime.uow, Trigger.OPERATOR, "op-1")


def payouts_of(runtime, run_id: str | None = None) -> list[tuple]:
    with runtime.uow() as uow:
        query = select(Payout.vendor_id, Payout.amount_minor, Payout.status, Payout.failure_code)
        if run_id:
            query = query.where(Payout.run_id == run_id)
        return [tuple(row) for row in uow.session.execute(query.order_by(Payout.created_at, Payout.vendor_id))]


def available(market: Marketplace, vendor: str) -> int:
    return sum(balance.available_minor for balance in market.balances(vendor))


def payout_events(runtime, event_type: str) -> list[tuple]:
    return sorted((e["vendor_id"], e["amount_minor"], e.get("reason_code"))
                  for e in published(runtime, event_type, lambda data: True))


def test_a_run_pays_exactly_the_available_balance_and_leaves_nothing_available(app, runtime):
    market = earned(app)
    run_id = run(runtime)
    assert payouts_of(runtime, run_id) == [("ven-a", 2200, "paid", None), ("ven-b", 2550, "paid", None)]
    assert market.balances("ven-a") == [VendorBalance("EUR", 0, 0)]
    assert market.balances("ven-b") == [VendorBalance("EUR", 0, 0)]
    assert payout_events(runtime, "payout.paid") == [("ven-a", 2200, None), ("ven-b", 2550, None)]
    with runtime.uow() as uow:
        assert uow.session.get(PayoutRun, run_id).payout_count == 2
        paid_out = uow.session.execute(select(ProviderRecord.amount_minor).where(
            ProviderRecord.operation == "payout").order_by(ProviderRecord.amount_minor)).scalars().all()
        in_transit = ledger_book.balance(uow.session, AccountKey(AccountKind.PAYOUTS_IN_TRANSIT, "EUR"))
    assert (paid_out, in_transit) == ([2200, 2550], 0)


def test_a_second_run_pays_nothing_more(app, runtime):
    earned(app)
    run(runtime)
    second = run(runtime)
    assert payouts_of(runtime, second) == []
    assert len(payouts_of(runtime)) == 2


def test_a_balance_below_the_minimum_is_not_paid(app, runtime):
    market = earned(app)
    configure(runtime, payout_minimum_minor=2300)
    run(runtime)
    assert payouts_of(runtime) == [("ven-b", 2550, "paid", None)]
    assert available(market, "ven-a") == 2200


def test_a_balance_equal_to_the_minimum_is_paid(app, runtime):
    earned(app)
    configure(runtime, payout_minimum_minor=2200)
    run(runtime)
    assert [vendor for vendor, *_ in payouts_of(runtime)] == ["ven-a", "ven-b"]


def test_pending_money_is_never_paid(app, runtime):
    market = earned(app, complete=False)
    configure(runtime, payout_minimum_minor=0)
    run_id = run(runtime)
    assert payouts_of(runtime) == []
    assert market.balances("ven-a") == [VendorBalance("EUR", 2200, 0)]
    with runtime.uow() as uow:
        assert uow.session.get(PayoutRun, run_id).payout_count == 0


def test_a_negative_balance_is_never_paid_and_is_netted_against_later_credits(app, runtime):
    market = earned(app)
    run(runtime)
    market.refund_requested("ven-a", 2500)  # after release and payout: 2200 owed back by the vendor
    assert available(market, "ven-a") == -2200
    configure(runtime, payout_minimum_minor=0)
    run(runtime)
    earned(app)  # +2200: back to 0, still nothing to pay
    run(runtime)
    assert available(market, "ven-a") == 0
    earned(app)
    last = run(runtime)
    assert payouts_of(runtime, last) == [("ven-a", 2200, "paid", None), ("ven-b", 2550, "paid", None)]
    assert [amount for vendor, amount, *_ in payouts_of(runtime) if vendor == "ven-a"] == [2200, 2200]


def test_a_failed_payout_gives_the_funds_back_to_available_and_says_why(app, runtime):
    market = earned(app)
    configure(runtime, sandbox_failing_payout_vendors=["ven-a"])
    run(runtime)
    assert payouts_of(runtime) == [("ven-a", 2200, "failed", "payout_account_closed"),
                                   ("ven-b", 2550, "paid", None)]
    assert market.balances("ven-a") == [VendorBalance("EUR", 0, 2200)]
    assert payout_events(runtime, "payout.failed") == [("ven-a", 2200, "payout_account_closed")]
    configure(runtime, sandbox_failing_payout_vendors=[])
    run(runtime)
    assert available(market, "ven-a") == 0
    assert payouts_of(runtime)[-1] == ("ven-a", 2200, "paid", None)


def test_a_payout_left_in_transit_is_finished_by_the_next_run(app, runtime):
    market = earned(app)
    with runtime.uow() as uow:
        uow.session.add(PayoutRun(id="run-crashed", trigger="operator", minimum_minor=0, payout_count=1,
                                  created_at=T0))
        uow.commit()
    # A run that crashed after moving the money to in transit, before asking the provider.
    left = payouts._open(runtime.uow(), "run-crashed", "ven-a", "EUR", 0)
    assert payouts_of(runtime) == [("ven-a", 2200, "in_transit", None)]
    run(runtime)
    assert payouts_of(runtime) == [("ven-a", 2200, "paid", None), ("ven-b", 2550, "paid", None)]
    assert available(market, "ven-a") == 0
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ProviderRecord).where(
            ProviderRecord.merchant_reference == left)) == 1


# --- the schedule -----------------------------------------------------------------------------------------------

def scheduled(runtime, at: datetime) -> str | None:
    return run_scheduled_payouts(runtime.uow, at=at)


def test_no_scheduled_run_while_the_schedule_is_off(app, runtime):
    earned(app)
    assert scheduled(runtime, T0) is None
    assert payouts_of(runtime) == []


def test_a_scheduled_run_starts_when_the_last_run_is_that_old(app, runtime):
    earned(app)
    configure(runtime, payout_every_hours=24)
    first = scheduled(runtime, T0)
    assert payouts_of(runtime, first) == [("ven-a", 2200, "paid", None), ("ven-b", 2550, "paid", None)]
    assert scheduled(runtime, T0 + timedelta(hours=23, minutes=59)) is None
    second = scheduled(runtime, T0 + timedelta(hours=24))
    with runtime.uow() as uow:
        runs = uow.session.execute(select(PayoutRun.id, PayoutRun.trigger, PayoutRun.actor_id)
                                   .order_by(PayoutRun.created_at)).all()
    assert [tuple(row) for row in runs] == [(first, "schedule", None), (second, "schedule", None)]


def test_an_operator_run_counts_as_the_last_run(app, runtime):
    configure(runtime, payout_every_hours=6)
    run_payouts(runtime.uow, Trigger.OPERATOR, "op-1", at=T0)
    assert scheduled(runtime, T0 + timedelta(hours=5)) is None
    assert scheduled(runtime, T0 + timedelta(hours=6)) is not None


def test_the_worker_has_a_payout_job_every_sweep_that_starts_a_due_run(app, runtime, monkeypatch):
    from payments.app import definition
    monkeypatch.setenv("PAYMENTS_PAYOUT_SWEEP_SECONDS", "60")
    jobs = {job.name: job for job in definition().periodic_jobs()}
    assert jobs["scheduled_payout_run"].every_seconds == 60
    earned(app)
    jobs["scheduled_payout_run"].run(runtime)
    assert payouts_of(runtime) == []  # the schedule is off by default
    configure(runtime, payout_every_hours=1)
    jobs["scheduled_payout_run"].run(runtime)
    assert [status for *_, status, _ in payouts_of(runtime)] == ["paid", "paid"]


# --- the API ----------------------------------------------------------------------------------------------------

def test_an_admin_runs_payouts_and_gets_the_run_with_its_payouts(app, admin):
    earned(app)
    response = app.test_client().post(RUNS, headers={**admin, "Idempotency-Key": "run-1"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["trigger"], body["actor_id"], body["minimum_minor"], body["payout_count"]) == (
        "operator", "op-admin", 1000, 2)
    assert [(p["vendor_id"], p["amount_minor"], p["status"]) for p in body["payouts"]] == [
        ("ven-a", 2200, "paid"), ("ven-b", 2550, "paid")]
    assert response.headers["Location"].endswith(f"{RUNS}/{body['id']}")
    assert app.test_client().get(f"{RUNS}/{body['id']}", headers=admin).get_json() == body


def test_a_repeated_run_request_answers_the_same_run(app, runtime, admin):
    earned(app)
    client = app.test_client()
    first = client.post(RUNS, headers={**admin, "Idempotency-Key": "run-1"}).get_json()
    again = client.post(RUNS, headers={**admin, "Idempotency-Key": "run-1"})
    assert (again.status_code, again.get_json()) == (201, first)
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(PayoutRun)) == 1


def test_running_payouts_needs_an_admin_and_an_idempotency_key(app, admin, operator, vendor_a):
    client = app.test_client()
    assert client.post(RUNS, headers=admin).status_code == 400
    assert client.post(RUNS, headers={**operator, "Idempotency-Key": "k"}).status_code == 403
    assert client.post(RUNS, headers={**vendor_a, "Idempotency-Key": "k"}).status_code == 403


def test_operators_list_runs_newest_first(app, runtime, operator, vendor_a):
    first = run_payouts(runtime.uow, Trigger.OPERATOR, "op-1", at=T0)
    second = run_payouts(runtime.uow, Trigger.SCHEDULE, None, at=T0 + timedelta(hours=1))
    client = app.test_client()
    listed = client.get(RUNS, headers=operator).get_json()
    assert [(r["id"], r["trigger"]) for r in listed] == [(second, "schedule"), (first, "operator")]
    assert client.get(RUNS, headers=vendor_a).status_code == 403


def test_vendors_see_only_their_payouts_and_another_vendors_is_not_found(app, runtime, vendor_a, vendor_b, operator):
    earned(app)
    run(runtime)
    client = app.test_client()
    own = client.get(PAYOUTS, headers=vendor_a).get_json()
    assert [(p["vendor_id"], p["amount_minor"]) for p in own] == [("ven-a", 2200)]
    assert client.get(f"{PAYOUTS}/{own[0]['id']}", headers=vendor_a).get_json() == own[0]
    refused = client.get(f"{PAYOUTS}/{own[0]['id']}", headers=vendor_b)
    assert (refused.status_code, refused.get_json()["type"]) == (404, "urn:marketplace:problem:not-found")
    assert client.get(PAYOUTS, headers={**vendor_b}, query_string={"vendor_id": "ven-a"}).get_json() == []
    assert client.get(f"{PAYOUTS}/{own[0]['id']}", headers=operator).get_json() == own[0]


def test_operators_filter_payouts_by_vendor_status_and_day(app, runtime, operator):
    earned(app)
    configure(runtime, sandbox_failing_payout_vendors=["ven-b"])
    run(runtime)
    client = app.test_client()

    def listed(**query):
        return sorted((p["vendor_id"], p["status"]) for p in
                      client.get(PAYOUTS, headers=operator, query_string=query).get_json())
    assert listed() == [("ven-a", "paid"), ("ven-b", "failed")]
    assert listed(vendor_id="ven-b") == [("ven-b", "failed")]
    assert listed(status="paid") == [("ven-a", "paid")]
    today = datetime.now(timezone.utc).date()
    assert listed(created_from=today.isoformat(), created_to=today.isoformat()) == listed()
    assert listed(created_to=(today - timedelta(days=1)).isoformat()) == []
    assert client.get(PAYOUTS, headers=operator, query_string={"status": "lost"}).status_code == 422


# --- the preview ------------------------------------------------------------------------------------------------

PREVIEW = "/api/v1/payouts/preview"


def leave_in_transit(runtime, vendor: str) -> str:
    """A run that crashed after moving ``vendor``'s available balance to in transit, before asking the provider."""
    with runtime.uow() as uow:
        uow.session.add(PayoutRun(id="run-crashed", trigger="operator", minimum_minor=0, payout_count=1,
                                  created_at=T0))
        uow.commit()
    return payouts._open(runtime.uow(), "run-crashed", vendor, "EUR", 0)


def paid_per_vendor(runtime) -> dict[tuple[str, str], int]:
    with runtime.uow() as uow:
        rows = uow.session.execute(select(Payout.vendor_id, Payout.currency, func.sum(Payout.amount_minor))
                                   .where(Payout.status == "paid").group_by(Payout.vendor_id, Payout.currency))
        return {(vendor, currency): amount for vendor, currency, amount in rows}


def everything_stored(runtime) -> dict[str, list]:
    """Every row of every table, to show that nothing was written."""
    with runtime.uow() as uow:
        names = inspect(uow.session.connection()).get_table_names()
        return {name: sorted(map(repr, uow.session.execute(select(text("*")).select_from(table(name)))))
                for name in names}


def test_the_preview_is_what_the_next_run_pays_including_payouts_left_in_transit(app, runtime, operator):
    earned(app)
    leave_in_transit(runtime, "ven-a")
    earned(app)  # ven-a: 2200 in transit and 2200 available; ven-b: 5100 available
    preview = app.test_client().get(PREVIEW, headers=operator)
    assert preview.status_code == 200, preview.get_json()
    assert preview.get_json() == [
        {"vendor_id": "ven-a", "currency": "EUR", "amount_minor": 4400, "in_transit_minor": 2200,
         "available_minor": 2200},
        {"vendor_id": "ven-b", "currency": "EUR", "amount_minor": 5100, "in_transit_minor": 0,
         "available_minor": 5100}]
    run(runtime)
    assert paid_per_vendor(runtime) == {(due["vendor_id"], due["currency"]): due["amount_minor"]
                                        for due in preview.get_json()}


def test_a_vendor_under_the_minimum_is_absent_from_the_preview(app, runtime, operator):
    earned(app)
    configure(runtime, payout_minimum_minor=2300)
    preview = app.test_client().get(PREVIEW, headers=operator).get_json()
    assert [(due["vendor_id"], due["amount_minor"]) for due in preview] == [("ven-b", 2550)]


def test_the_preview_is_paged_and_filtered_by_vendor_and_currency(app, operator):
    earned(app)
    client = app.test_client()
    first = client.get(PREVIEW, headers=operator, query_string={"page_size": 1})
    assert [due["vendor_id"] for due in first.get_json()] == ["ven-a"]
    assert json.loads(first.headers["X-Pagination"])["total"] == 2
    assert [due["vendor_id"] for due in client.get(PREVIEW, headers=operator,
                                                   query_string={"vendor_id": "ven-b"}).get_json()] == ["ven-b"]
    assert client.get(PREVIEW, headers=operator, query_string={"currency": "USD"}).get_json() == []


def test_only_operators_preview_payouts(app, vendor_a, customer):
    client = app.test_client()
    assert client.get(PREVIEW, headers=vendor_a).status_code == 403
    assert client.get(PREVIEW, headers=customer).status_code == 403


def test_a_preview_writes_nothing(app, runtime, operator):
    earned(app)
    leave_in_transit(runtime, "ven-a")
    before = everything_stored(runtime)
    assert {"payouts", "ledger_accounts", "outbox"} <= set(before)
    assert app.test_client().get(PREVIEW, headers=operator).status_code == 200
    assert everything_stored(runtime) == before
