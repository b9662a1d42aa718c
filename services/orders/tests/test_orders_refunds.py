"""Refunds: orders records each refund it asks for, and payments' answers settle them.

Vendor orders are placed with fixed quotes, moved to ``processing`` directly and driven through the
vendor-order and returns APIs; payments' answers go through the real consumer (contract, inbox,
handler), as the worker hands them over.
"""
from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import select, update

from orders.domain.refunds import may_become, refundable_minor, refunded_total
from orders.models import OrderLine, RefundRequest, TimelineEntry, VendorOrder
from orders.models.base import now
from orders.refunds import request_refund
from orders.testing import ADDRESS, deliver, events, paid_order, uow_of

VENDOR_ORDERS, ORDERS, RETURNS = "/api/v1/vendor-orders", "/api/v1/orders", "/api/v1/returns"
VENDOR_A, VENDOR_B = "vendor-a", "vendor-b"
QUOTES = {  # offer -> (vendor, unit price, shipping)
    "teapot": (VENDOR_A, 2500, 490), "cups": (VENDOR_A, 800, 300), "kettle": (VENDOR_B, 4000, 590)}
VENDOR_A_TOTAL = 2 * 2500 + 3 * 800 + 490  # 2 teapots, 3 cups, the dearest shipping


def post(client, caller, path: str, body: dict | None = None):
    answer = client.post(path, json=body or {}, headers=caller)
    assert answer.status_code in (200, 201), answer.get_json()
    return answer.get_json()


def processing_order(app) -> dict[str, str]:
    """Alice's paid order: vendor A's part (2 teapots, 3 cups), vendor B's (1 kettle); vendor id -> vendor order id."""
    return paid_order(app, "cus-alice", {"teapot": 2, "cups": 3, "kettle": 1}, QUOTES)


def captured(app, client, staff_a) -> str:
    """Vendor A's vendor order, accepted and captured."""
    vendor_order_id = processing_order(app)[VENDOR_A]
    post(client, staff_a, f"{VENDOR_ORDERS}/{vendor_order_id}/accept")
    with uow_of(app) as uow:
        uow.session.execute(update(VendorOrder).where(VendorOrder.id == vendor_order_id).values(captured_at=now()))
        uow.commit()
    return vendor_order_id


@pytest.fixture
def cancelled_after_capture(app, client, staff_a, alice) -> dict:
    """Vendor A's captured vendor order, cancelled by Alice: the refund.requested it sent."""
    vendor_order_id = captured(app, client, staff_a)
    post(client, alice, f"{VENDOR_ORDERS}/{vendor_order_id}/cancel", {"reason": "changed my mind"})
    [requested] = events(app, "refund.requested")
    return requested


def refunded(requested: dict, refund_id: str = "rfd-1", **overrides) -> dict:
    """payment.refunded answering ``requested`` in full."""
    return {"refund_id": refund_id, "refund_request_id": requested["refund_request_id"], "payment_id": "pay-1",
            "order_id": requested["order_id"], "vendor_order_id": requested["vendor_order_id"],
            "vendor_id": requested["vendor_id"], "amount_minor": requested["amount_minor"],
            "currency": requested["currency"], "commission_reversed_minor": 0, "return_id": None, **overrides}


def failed(requested: dict, reason_code: str = "payment_not_captured") -> dict:
    return {"refund_request_id": requested["refund_request_id"], "payment_id": "pay-1",
            "order_id": requested["order_id"], "vendor_order_id": requested["vendor_order_id"],
            "vendor_id": requested["vendor_id"], "amount_minor": requested["amount_minor"],
            "currency": requested["currency"], "reason_code": reason_code}


def refunds_seen(client, caller, vendor_order_id: str) -> list[tuple]:
    answer = client.get(f"{VENDOR_ORDERS}/{vendor_order_id}", headers=caller)
    assert answer.status_code == 200, answer.get_json()
    return [(refund["id"], refund["cause"], refund["amount_minor"], refund["status"], refund["refunded_minor"],
             refund["failure_reason"], refund["payment_refund_id"]) for refund in answer.get_json()["refunds"]]


def refunded_minor(app, vendor_order_id: str) -> int:
    with uow_of(app) as uow:
        return uow.session.get(VendorOrder, vendor_order_id).refunded_minor


def refund_timeline(app, vendor_order_id: str) -> list[str]:
    """Reasons of the vendor order's timeline entries about refunds."""
    with uow_of(app) as uow:
        reasons = uow.session.scalars(select(TimelineEntry.reason)
                                      .where(TimelineEntry.vendor_order_id == vendor_order_id)
                                      .order_by(TimelineEntry.at, TimelineEntry.id))
        return [reason for reason in reasons if reason and reason.startswith(("refunded ", "refund failed"))]


def ask_again(app, vendor_order_id: str, reason: str = "operator retry") -> int | None:
    """Run the refund use case for what remains of the vendor order (as a cancellation does); the amount asked."""
    with uow_of(app) as uow:
        vendor_order = uow.session.get(VendorOrder, vendor_order_id, with_for_update=True)
        row = request_refund(uow, vendor_order, reason)
        uow.commit()
        return row and row.amount_minor


# --- the rules


def test_what_may_be_asked_is_the_total_less_what_was_refunded_and_what_still_waits():
    assert refundable_minor(5000, 1000, [1500, 500]) == 2000
    assert refundable_minor(5000, 4000, [1500]) == 0  # never negative


def test_refunded_minor_is_capped_at_the_total():
    assert (refunded_total(5000, 1000, 2500), refunded_total(5000, 4000, 2500)) == (3500, 5000)


@pytest.mark.parametrize(("current", "answer", "takes_it"), [
    ("requested", "refunded", True), ("requested", "failed", True), ("failed", "refunded", True),
    ("refunded", "refunded", False), ("refunded", "failed", False), ("failed", "failed", False)])
def test_a_request_takes_each_answer_once_and_a_late_success_after_a_failure(current, answer, takes_it):
    assert may_become(current, answer) is takes_it


# --- payment.refunded


def test_a_refunded_event_marks_the_request_refunded_and_adds_to_refunded_minor(
        app, client, staff_a, cancelled_after_capture):
    requested = cancelled_after_capture
    vendor_order_id = requested["vendor_order_id"]
    assert refunds_seen(client, staff_a, vendor_order_id) == [
        (requested["refund_request_id"], "cancellation", VENDOR_A_TOTAL, "requested", None, None, None)]

    assert deliver(app, "payment.refunded", refunded(requested)) == "handled"

    assert refunded_minor(app, vendor_order_id) == VENDOR_A_TOTAL
    assert refunds_seen(client, staff_a, vendor_order_id) == [
        (requested["refund_request_id"], "cancellation", VENDOR_A_TOTAL, "refunded", VENDOR_A_TOTAL, None, "rfd-1")]
    assert refund_timeline(app, vendor_order_id) == [
        f"refunded {VENDOR_A_TOTAL} EUR (minor units), refund request {requested['refund_request_id']}"]


def test_the_same_refund_delivered_twice_changes_nothing_the_second_time(app, client, staff_a, cancelled_after_capture):
    requested = cancelled_after_capture
    deliver(app, "payment.refunded", refunded(requested))
    before = refunds_seen(client, staff_a, requested["vendor_order_id"])

    deliver(app, "payment.refunded", refunded(requested))  # another event id, the same refund

    assert refunded_minor(app, requested["vendor_order_id"]) == VENDOR_A_TOTAL
    assert refunds_seen(client, staff_a, requested["vendor_order_id"]) == before
    assert len(refund_timeline(app, requested["vendor_order_id"])) == 1


def test_a_refund_of_an_unknown_request_is_logged_and_ignored(app, cancelled_after_capture, caplog):
    requested = cancelled_after_capture
    with caplog.at_level(logging.WARNING, logger="orders.refunds"):
        deliver(app, "payment.refunded", refunded(requested, refund_request_id=str(uuid.uuid4())))
    assert refunded_minor(app, requested["vendor_order_id"]) == 0
    assert "unknown refund request" in caplog.text


def test_a_refund_payments_started_itself_counts_and_is_recorded_once(app, client, staff_a):
    vendor_order_id = captured(app, client, staff_a)
    with uow_of(app) as uow:
        vendor_order = uow.session.get(VendorOrder, vendor_order_id)
        facts = {"order_id": vendor_order.order_id, "vendor_order_id": vendor_order_id, "vendor_id": VENDOR_A,
                 "currency": "EUR", "refund_request_id": None, "amount_minor": 1000}
    goodwill = refunded(facts, refund_id="rfd-goodwill")
    deliver(app, "payment.refunded", goodwill)
    deliver(app, "payment.refunded", goodwill)
    assert refunded_minor(app, vendor_order_id) == 1000
    assert [(cause, status) for _, cause, _, status, *_ in refunds_seen(client, staff_a, vendor_order_id)] == [
        ("payments", "refunded")]
    assert ask_again(app, vendor_order_id) == VENDOR_A_TOTAL - 1000


def test_refunded_minor_never_exceeds_the_vendor_orders_total(app, cancelled_after_capture):
    requested = cancelled_after_capture
    deliver(app, "payment.refunded", refunded(requested, amount_minor=requested["amount_minor"] + 500))
    assert refunded_minor(app, requested["vendor_order_id"]) == VENDOR_A_TOTAL


# --- refund.failed


def test_a_failed_refund_is_shown_with_its_reason_on_the_request_and_the_timeline(
        app, client, operator, cancelled_after_capture):
    requested = cancelled_after_capture
    request_id, vendor_order_id = requested["refund_request_id"], requested["vendor_order_id"]

    deliver(app, "refund.failed", failed(requested))

    assert refunds_seen(client, operator, vendor_order_id) == [
        (request_id, "cancellation", VENDOR_A_TOTAL, "failed", None, "payment_not_captured", None)]
    assert refund_timeline(app, vendor_order_id) == [
        f"refund failed: payment_not_captured, refund request {request_id} "
        f"({VENDOR_A_TOTAL} EUR minor units may be requested again)"]
    assert refunded_minor(app, vendor_order_id) == 0


def test_a_failed_refunds_amount_may_be_requested_again(app, cancelled_after_capture):
    requested = cancelled_after_capture
    assert ask_again(app, requested["vendor_order_id"]) is None  # all of it is still waiting for payments

    deliver(app, "refund.failed", failed(requested))

    assert ask_again(app, requested["vendor_order_id"]) == VENDOR_A_TOTAL
    assert [event["amount_minor"] for event in events(app, "refund.requested")] == [VENDOR_A_TOTAL, VENDOR_A_TOTAL]


def test_a_failure_after_the_refund_went_through_is_ignored(app, cancelled_after_capture):
    requested = cancelled_after_capture
    deliver(app, "payment.refunded", refunded(requested))
    deliver(app, "refund.failed", failed(requested))
    with uow_of(app) as uow:
        assert uow.session.get(RefundRequest, requested["refund_request_id"]).status == "refunded"
    assert refunded_minor(app, requested["vendor_order_id"]) == VENDOR_A_TOTAL


# --- what a request may ask for


@pytest.fixture
def delivered(app, client, staff_a, alice) -> str:
    """Vendor A's captured vendor order, every unit shipped and delivered."""
    vendor_order_id = captured(app, client, staff_a)
    with uow_of(app) as uow:
        lines = uow.session.scalars(select(OrderLine).where(OrderLine.vendor_order_id == vendor_order_id)).all()
        parcel = [{"line_id": line.id, "quantity": line.quantity} for line in lines]
    post(client, staff_a, f"{VENDOR_ORDERS}/{vendor_order_id}/shipments",
         {"carrier": "colissimo", "tracking_number": "6A1", "lines": parcel})
    post(client, alice, f"{VENDOR_ORDERS}/{vendor_order_id}/deliver")
    return vendor_order_id


def returned_teapot(app, client, staff_a, alice, vendor_order_id: str) -> dict:
    """One teapot returned and received: the refund.requested of that return."""
    with uow_of(app) as uow:
        teapot = uow.session.scalar(select(OrderLine.id).where(OrderLine.vendor_order_id == vendor_order_id,
                                                               OrderLine.offer_id == "teapot"))
    return_id = post(client, alice, RETURNS, {"vendor_order_id": vendor_order_id, "reason_code": "damaged",
                                              "lines": [{"line_id": teapot, "quantity": 1}]})["id"]
    post(client, staff_a, f"{RETURNS}/{return_id}/approve", {"rma_number": "RMA-1", "return_address": ADDRESS})
    post(client, alice, f"{RETURNS}/{return_id}/ship", {"carrier": "la-poste", "tracking_number": "8R1"})
    post(client, staff_a, f"{RETURNS}/{return_id}/receive", {"lines": [{"line_id": teapot, "restock": True}]})
    [requested] = events(app, "refund.requested")
    return requested


def test_a_cancellation_after_a_partial_return_asks_only_for_the_rest(app, client, staff_a, alice, delivered):
    return_refund = returned_teapot(app, client, staff_a, alice, delivered)
    assert (return_refund["cause"], return_refund["amount_minor"]) == ("return", 2500)

    assert ask_again(app, delivered, "cancelled by an operator") == VENDOR_A_TOTAL - 2500  # the return's still waits
    _, cancellation = events(app, "refund.requested")
    assert (cancellation["cause"], cancellation["amount_minor"]) == ("cancellation", VENDOR_A_TOTAL - 2500)
    assert [(line["offer_id"], line["quantity"]) for line in cancellation["lines"]] == [("teapot", 1), ("cups", 3)]


def test_a_cancellation_after_a_confirmed_return_refund_asks_only_for_the_rest(
        app, client, staff_a, alice, delivered):
    deliver(app, "payment.refunded", refunded(returned_teapot(app, client, staff_a, alice, delivered)))
    assert refunded_minor(app, delivered) == 2500
    assert ask_again(app, delivered) == VENDOR_A_TOTAL - 2500


def test_the_order_shows_its_customer_each_vendor_orders_refunds(app, client, alice, cancelled_after_capture):
    requested = cancelled_after_capture
    deliver(app, "payment.refunded", refunded(requested))
    order = client.get(f"{ORDERS}/{requested['order_id']}", headers=alice).get_json()
    assert {vendor_order["vendor_id"]: [(refund["id"], refund["status"]) for refund in vendor_order["refunds"]]
            for vendor_order in order["vendor_orders"]} == {
        VENDOR_A: [(requested["refund_request_id"], "refunded")], VENDOR_B: []}


def test_another_vendor_cannot_see_a_vendor_orders_refunds(client, staff_b, bob, cancelled_after_capture):
    requested = cancelled_after_capture
    assert client.get(f"{VENDOR_ORDERS}/{requested['vendor_order_id']}", headers=staff_b).status_code == 404
    assert client.get(f"{ORDERS}/{requested['order_id']}", headers=bob).status_code == 404
