"""Properties of the money over random sequences of captures, refunds, completions and payouts.

Whatever the sequence: every ledger transaction balances; each account's running balance equals
the sum of its entries; and for each vendor, what it is owed plus what it was paid equals what it
earned less commission and refunds (commission given back included) — so no vendor is ever paid
more than that.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from payments.domain.ledger import AccountKind
from payments.models import Charge, LedgerAccount, LedgerEntry, LedgerTransaction, Payout
from payments.testing import Marketplace

VENDORS = ("ven-a", "ven-b")
operations = st.lists(st.one_of(
    st.tuples(st.just("accept"), st.integers(0, 2), st.sampled_from(VENDORS)),
    st.tuples(st.just("refund"), st.integers(0, 2), st.sampled_from(VENDORS), st.integers(1, 3500)),
    st.tuples(st.just("complete"), st.integers(0, 2), st.sampled_from(VENDORS)),
    st.tuples(st.just("refuse"), st.integers(0, 2), st.sampled_from(VENDORS)),
    st.tuples(st.just("payout")),
), max_size=14)


@pytest.fixture(scope="module")
def money_app(tmp_path_factory, jwks_url):
    from chassis.testing.apps import migrated_app
    from payments.app import definition
    with migrated_app(definition(), tmp_path_factory.mktemp("money"), jwks_url) as app:
        yield app


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations)
def test_money_is_conserved_whatever_happens(money_app, steps):
    orders = [_paid_order(money_app) for _ in range(3)]
    for step in steps:
        _apply(money_app, orders, step)
    _assert_every_transaction_balances(money_app)
    _assert_balances_equal_their_entries(money_app)
    for vendor in VENDORS:
        _assert_vendor_is_owed_or_was_paid_exactly_its_net(money_app, vendor)


def _paid_order(app) -> Marketplace:
    order = Marketplace(app)
    order.placed()
    order.pay()
    return order


def _apply(app, orders, step) -> None:
    kind = step[0]
    if kind == "payout":
        return _pay_out(app)
    order, vendor = orders[step[1]], step[2]
    if kind == "accept":
        order.vendor_order_event("vendor_order.accepted", vendor)
    elif kind == "refuse":
        order.vendor_order_event("vendor_order.refused", vendor)
    elif kind == "complete":
        order.vendor_order_event("vendor_order.completed", vendor)
    elif order.charge(vendor).status == "captured":  # orders asks refunds of captured parts only
        order.refund_requested(vendor, step[3])


def _pay_out(app) -> None:
    from payments.payouts import run_payouts
    run_payouts(app.extensions["chassis.runtime"].uow, trigger="operator", actor_id="op-1")


def _rows(app, statement):
    with app.extensions["chassis.runtime"].uow() as uow:
        return uow.session.execute(statement).all()


def _assert_every_transaction_balances(app) -> None:
    unbalanced = _rows(app, select(LedgerEntry.transaction_id).group_by(LedgerEntry.transaction_id)
                         .having(func.sum(LedgerEntry.amount_minor) != 0))
    assert unbalanced == []


def _assert_balances_equal_their_entries(app) -> None:
    rows = _rows(app, select(LedgerAccount.key, LedgerAccount.balance_minor,
                               select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
                               .where(LedgerEntry.account_key == LedgerAccount.key).scalar_subquery()))
    assert [(key, balance) for key, balance, _ in rows] == [(key, entries) for key, _, entries in rows]


def _assert_vendor_is_owed_or_was_paid_exactly_its_net(app, vendor: str) -> None:
    """Pending is the net (captured - commission - refunds + commission given back) of the vendor orders not
    yet released; available plus what was paid out is the net of those released; and no payout ever took
    the available balance below zero."""
    net = Charge.captured_minor - Charge.commission_minor - Charge.refunded_minor + Charge.commission_reversed_minor
    (held, released), = _rows(app, select(
        func.coalesce(func.sum(net).filter(Charge.released_at.is_(None)), 0),
        func.coalesce(func.sum(net).filter(Charge.released_at.is_not(None)), 0)).where(Charge.vendor_id == vendor))
    owed = {kind: -balance for kind, balance in _rows(app, select(LedgerAccount.kind, LedgerAccount.balance_minor)
                                                      .where(LedgerAccount.vendor_id == vendor))}
    (paid,), = _rows(app, select(func.coalesce(func.sum(Payout.amount_minor), 0)).where(
        Payout.vendor_id == vendor, Payout.status != "failed"))
    assert (owed.get(AccountKind.VENDOR_PENDING, 0), owed.get(AccountKind.VENDOR_AVAILABLE, 0) + paid) == (
        held, released)
    overdrawn = _rows(app, select(LedgerEntry.balance_after_minor).join(
        LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id).where(
        LedgerTransaction.kind == "payout", LedgerEntry.account_key.like(f"{AccountKind.VENDOR_AVAILABLE}:%:{vendor}"),
        LedgerEntry.balance_after_minor > 0))
    assert overdrawn == []
