"""Money through an order's life, driven by the events payments consumes and by the customer paying.

Events go through the real consumer (contract validation, inbox); the sandbox provider answers.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from chassis.errors import Problem
from payments import ledger_book
from payments.models import CommissionLine, LedgerEntry, Payment, ProviderRecord
from payments.testing import Marketplace


def test_paying_authorizes_the_order_total_learned_from_events_and_splits_it_per_vendor_order(market):
    payment = market.pay()
    assert (payment.status, payment.amount_minor, payment.card_brand, payment.card_last4) == (
        "authorized", 5500, "visa", "4242")
    assert [(market.charge(v).status, market.charge(v).amount_minor) for v in ("ven-a", "ven-b")] == [
        ("authorized", 2500), ("authorized", 3000)]
    assert [event["amount_minor"] for event in market.published("payment.authorized")] == [5500]


def test_a_declined_card_fails_the_payment_with_its_reason_and_allows_another_try(market):
    assert market.pay("pm_card_chargeDeclined").status == "failed"
    assert [event["reason_code"] for event in market.published("payment.failed")] == ["card_declined"]
    assert market.pay().status == "authorized"


def test_an_order_not_awaiting_payment_or_already_paid_is_refused(app, market):
    market.pay()
    with pytest.raises(Problem) as already:
        market.pay()
    assert (already.value.code, already.value.problem_type) == (409, "order-already-paid")
    other = Marketplace(app)
    other.placed()
    other.cancelled("payment_timeout")
    with pytest.raises(Problem) as not_payable:
        other.pay()
    assert (not_payable.value.code, not_payable.value.problem_type) == (409, "order-not-payable")


def test_someone_elses_order_is_not_found(market):
    with pytest.raises(Problem) as refused:
        market.pay(customer_id="cus-2")
    assert refused.value.code == 404


def test_acceptance_captures_exactly_that_vendor_order_with_its_commission(market):
    market.pay()
    market.vendor_order_event("vendor_order.accepted", "ven-a")
    charge = market.charge("ven-a")
    # 15 % default of the 20.00 line; shipping carries no commission.
    assert (charge.status, charge.captured_minor, charge.commission_minor) == ("captured", 2500, 300)
    assert market.balances("ven-a") == [ledger_book.VendorBalance("EUR", 2200, 0)]
    assert [(e["vendor_order_id"], e["amount_minor"]) for e in market.published("payment.captured")] == [
        (market.vendor_orders["ven-a"], 2500)]
    assert market.charge("ven-b").status == "authorized"


def test_a_repeated_acceptance_captures_once(market):
    market.pay()
    market.vendor_order_event("vendor_order.accepted", "ven-a")
    market.vendor_order_event("vendor_order.accepted", "ven-a")
    with market.runtime.uow() as uow:
        captures = uow.session.scalar(select(func.count()).select_from(ProviderRecord)
                                      .where(ProviderRecord.operation == "capture"))
    assert captures == 1 and len(market.published("payment.captured")) == 1


def test_refusal_voids_that_part_and_the_payment_settles_when_nothing_is_left(market):
    payment = market.pay()
    market.vendor_order_event("vendor_order.accepted", "ven-a")
    market.vendor_order_event("vendor_order.refused", "ven-b")
    assert market.charge("ven-b").status == "voided"
    assert [e["amount_minor"] for e in market.published("payment.voided")] == [3000]
    with market.runtime.uow() as uow:
        settled = uow.session.get(Payment, payment.id)
        assert (settled.status, settled.captured_minor, settled.voided_minor) == ("settled", 2500, 3000)


def test_a_cancelled_order_voids_every_part_not_captured(market):
    market.pay()
    market.cancelled()
    assert [market.charge(v).status for v in ("ven-a", "ven-b")] == ["voided", "voided"]


def test_a_failed_capture_is_reported_and_nothing_is_owed(market):
    market.pay("pm_card_authorizationExpired")
    market.vendor_order_event("vendor_order.accepted", "ven-a")
    assert market.charge("ven-a").status == "capture_failed"
    assert [e["reason_code"] for e in market.published("payment.capture_failed")] == ["authorization_expired"]
    assert market.balances("ven-a") == []


def test_a_refund_gives_back_commission_in_proportion_and_comes_from_pending(market):
    market.pay()
    market.vendor_order_event("vendor_order.accepted", "ven-a")
    market.refund_requested("ven-a", 1000)
    charge = market.charge("ven-a")
    # 300 × 1000 / 2500 = 120 given back; the vendor loses 1000 - 120.
    assert (charge.refunded_minor, charge.commission_reversed_minor) == (1000, 120)
    assert market.balances("ven-a") == [ledger_book.VendorBalance("EUR", 2200 - 880, 0)]
    assert [(e["amount_minor"], e["commission_reversed_minor"]) for e in market.published("payment.refunded")] == [
        (1000, 120)]


def test_a_goodwill_refund_is_refunded_like_a_returns_debiting_the_vendor(market):
    market.pay()
    market.vendor_order_event("vendor_order.accepted", "ven-a")
    market.deliver("refund.requested", {
        "refund_request_id": "rfq-goodwill", "cause": "goodwill", "return_id": None, "order_id": market.order_id,
        "vendor_order_id": market.vendor_orders["ven-a"], "vendor_id": "ven-a", "amount_minor": 1000,
        "currency": "EUR", "reason": "arrived late", "lines": []})
    assert (market.charge("ven-a").refunded_minor, market.charge("ven-a").commission_reversed_minor) == (1000, 120)
    assert market.balances("ven-a") == [ledger_book.VendorBalance("EUR", 2200 - 880, 0)]
    assert [(e["refund_request_id"], e["return_id"], e["amount_minor"]) for e in market.published("payment.refunded")
            ] == [("rfq-goodwill", None, 1000)]


def test_the_same_refund_request_refunds_once(market):
    market.pay()
    market.vendor_order_event("vendor_order.accepted", "ven-a")
    market.refund_requested("ven-a", 1000, request_id="rfq-1")
    market.refund_requested("ven-a", 1000, request_id="rfq-1")
    assert market.charge("ven-a").refunded_minor == 1000


def test_refunds_never_exceed_the_capture(market):
    market.pay()
    market.vendor_order_event("vendor_order.accepted", "ven-a")
    market.refund_requested("ven-a", 2000)
    market.refund_requested("ven-a", 501)
    assert market.charge("ven-a").refunded_minor == 2000
    assert [e["reason_code"] for e in market.published("refund.failed")] == ["exceeds_captured"]


def test_completion_moves_the_net_to_available_and_a_later_refund_comes_from_available(market):
    market.pay()
    market.vendor_order_event("vendor_order.accepted", "ven-a")
    market.vendor_order_event("vendor_order.completed", "ven-a")
    assert market.balances("ven-a") == [ledger_book.VendorBalance("EUR", 0, 2200)]
    assert [(e["gross_minor"], e["commission_minor"], e["net_minor"]) for e in market.published("vendor.credited")] \
        == [(2500, 300, 2200)]
    market.refund_requested("ven-a", 2500)
    assert market.balances("ven-a") == [ledger_book.VendorBalance("EUR", 0, 0)]


def test_every_transaction_balances_and_commission_lines_keep_their_rule(market):
    market.pay()
    for vendor in ("ven-a", "ven-b"):
        market.vendor_order_event("vendor_order.accepted", vendor)
    market.refund_requested("ven-b", 1234)
    with market.runtime.uow() as uow:
        unbalanced = uow.session.execute(select(LedgerEntry.transaction_id).group_by(LedgerEntry.transaction_id)
                                         .having(func.sum(LedgerEntry.amount_minor) != 0)).all()
        lines = uow.session.execute(select(CommissionLine.kind, CommissionLine.rule_scope,
                                           CommissionLine.commission_minor).order_by(CommissionLine.id)).all()
    assert unbalanced == []
    assert [tuple(line) for line in lines] == [("charge", "default", 300), ("charge", "default", 450),
                                               ("reversal", "default", -185)]


def test_an_error_while_authorizing_fails_the_payment_so_the_order_can_be_paid_again(market, monkeypatch):
    from payments.provider.sandbox import SandboxProvider

    def broken(*args, **kwargs):
        raise RuntimeError("provider unreachable")
    with monkeypatch.context() as patched:
        patched.setattr(SandboxProvider, "authorize", broken)
        with pytest.raises(RuntimeError):
            market.pay()
    with market.runtime.uow() as uow:
        failed = uow.session.scalars(select(Payment.failure_code).where(Payment.order_id == market.order_id)).all()
    assert failed == ["processing_error"]
    assert market.pay().status == "authorized"


def test_the_worker_fails_payments_left_pending_by_a_dead_process(market):
    from payments.authorization import Pay, _open_payment, abandon_stale
    from payments.models.base import now
    _open_payment(market.runtime.uow(), Pay(market.order_id, "cus-1", "pm_card_visa"))  # then the process died

    assert abandon_stale(market.runtime.uow(), now() - timedelta(minutes=5)) == 0  # too recent to judge
    assert abandon_stale(market.runtime.uow(), now() + timedelta(seconds=1)) == 1
    assert market.pay().status == "authorized"
