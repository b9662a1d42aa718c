"""Vendor fulfilment: accept, refuse, ship (partially), deliver, cancel, the deadline and the return window.

The saga (stock, payment) is not under test here: orders are placed with fixed quotes and put in
``processing`` directly through ``move_order`` / ``move_vendor_order``, as the saga would.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from chassis.runtime_settings import change
from orders.fulfilment import complete_delivered, refuse_overdue
from orders.models import Order, Return, VendorOrder
from orders.models.base import new_id, now
from orders.settings import OrdersRuntimeSettings
from orders.testing import ADDRESS, events, paid_order, uow_of

VENDOR_ORDERS = "/api/v1/vendor-orders"
VENDOR_A, VENDOR_B = "vendor-a", "vendor-b"
QUOTES = {  # offer -> (vendor, unit price, shipping)
    "teapot": (VENDOR_A, 2500, 490), "cups": (VENDOR_A, 800, 300), "kettle": (VENDOR_B, 4000, 590)}


def processing_order(app, lines: dict[str, int], customer: str = "cus-alice") -> dict[str, str]:
    """A paid (``processing``) order, its vendor orders ``awaiting_acceptance``: vendor id -> vendor order id."""
    return paid_order(app, customer, lines, QUOTES)


def set_vendor_order(app, vendor_order_id: str, **values) -> None:
    with uow_of(app) as uow:
        uow.session.execute(update(VendorOrder).where(VendorOrder.id == vendor_order_id).values(**values))
        uow.commit()


def vendor_order(app, vendor_order_id: str) -> VendorOrder:
    with uow_of(app) as uow:
        found = uow.session.get(VendorOrder, vendor_order_id)
        uow.session.expunge(found)
        return found


def order_status(app, vendor_order_id: str) -> str:
    with uow_of(app) as uow:
        order_id = uow.session.get(VendorOrder, vendor_order_id).order_id
        return uow.session.get(Order, order_id).status


def post(client, caller, vendor_order_id: str, action: str, body: dict | None = None):
    return client.post(f"{VENDOR_ORDERS}/{vendor_order_id}/{action}", json=body or {}, headers=caller)


def lines_of(client, caller, vendor_order_id: str) -> dict[str, str]:
    """Offer id -> order line id of a vendor order."""
    answer = client.get(f"{VENDOR_ORDERS}/{vendor_order_id}", headers=caller).get_json()
    return {line["offer_id"]: line["id"] for line in answer["lines"]}


def accepted(app, client, staff, lines: dict[str, int], vendor: str = VENDOR_A) -> str:
    vendor_order_id = processing_order(app, lines)[vendor]
    assert post(client, staff, vendor_order_id, "accept").status_code == 200
    return vendor_order_id


def shipped(app, client, staff, lines: dict[str, int]) -> str:
    vendor_order_id = accepted(app, client, staff, lines)
    parcel = [{"line_id": line_id, "quantity": lines[offer]}
              for offer, line_id in lines_of(client, staff, vendor_order_id).items()]
    answer = post(client, staff, vendor_order_id, "shipments", {"carrier": "colissimo", "tracking_number": "6A1",
                                                                "lines": parcel})
    assert answer.status_code == 200, answer.get_json()
    return vendor_order_id


# --- accept, refuse


def test_vendor_staff_accept_their_vendor_order_and_payments_is_told_to_capture(app, client, staff_a):
    vendor_order_id = processing_order(app, {"teapot": 2})[VENDOR_A]

    answer = post(client, staff_a, vendor_order_id, "accept")

    assert answer.status_code == 200
    assert answer.get_json()["status"] == "accepted"
    [accepted_event] = events(app, "vendor_order.accepted")
    assert accepted_event == {"order_id": answer.get_json()["order_id"], "vendor_order_id": vendor_order_id,
                              "vendor_id": VENDOR_A, "customer_id": "cus-alice", "currency": "EUR",
                              "total_minor": 5490, "actor": {"kind": "user", "id": "staff-a", "roles": ["vendor"]}}


def test_accepting_twice_is_a_409_naming_both_states(app, client, staff_a):
    vendor_order_id = accepted(app, client, staff_a, {"teapot": 1})

    answer = post(client, staff_a, vendor_order_id, "accept")

    assert answer.status_code == 409
    assert (answer.get_json()["current_status"], answer.get_json()["requested_status"]) == ("accepted", "accepted")


def test_a_refusal_is_announced_with_its_reason_and_the_order_stays_processing_while_another_is_open(
        app, client, staff_a):
    vendor_order_id = processing_order(app, {"teapot": 1, "kettle": 1})[VENDOR_A]

    answer = post(client, staff_a, vendor_order_id, "refuse", {"reason": "out of stock in warehouse"})

    assert (answer.status_code, answer.get_json()["status"]) == (200, "refused")
    assert [(e["vendor_order_id"], e["reason"]) for e in events(app, "vendor_order.refused")] == [
        (vendor_order_id, "out of stock in warehouse")]
    assert order_status(app, vendor_order_id) == "processing"


def test_when_every_vendor_order_is_refused_the_order_is_cancelled(app, client, staff_a, staff_b):
    ids = processing_order(app, {"teapot": 1, "kettle": 1})
    post(client, staff_a, ids[VENDOR_A], "refuse", {"reason": "no stock"})

    post(client, staff_b, ids[VENDOR_B], "refuse", {"reason": "closed for holidays"})

    assert order_status(app, ids[VENDOR_B]) == "cancelled"
    [cancelled] = events(app, "order.cancelled")
    assert (cancelled["total_minor"], cancelled["reason"]) == (
        2500 + 490 + 4000 + 590, "every vendor order was refused or cancelled")
    assert events(app, "order.completed") == []


def test_a_refusal_needs_a_reason(app, client, staff_a):
    vendor_order_id = processing_order(app, {"teapot": 1})[VENDOR_A]

    assert post(client, staff_a, vendor_order_id, "refuse", {}).status_code == 422


# --- shipments


def test_a_partial_shipment_then_the_rest_ships_the_vendor_order(app, client, staff_a):
    vendor_order_id = accepted(app, client, staff_a, {"teapot": 2, "cups": 3})
    line_ids = lines_of(client, staff_a, vendor_order_id)
    first = {"carrier": "colissimo", "tracking_number": "6A1", "tracking_url": "https://track.example/6A1",
             "lines": [{"line_id": line_ids["teapot"], "quantity": 2}, {"line_id": line_ids["cups"], "quantity": 1}]}

    partly = post(client, staff_a, vendor_order_id, "shipments", first)
    rest = post(client, staff_a, vendor_order_id, "shipments", {
        "carrier": "ups", "tracking_number": "1Z9", "lines": [{"line_id": line_ids["cups"], "quantity": 2}]})

    assert (partly.status_code, partly.get_json()["status"]) == (200, "partially_shipped")
    assert (rest.status_code, rest.get_json()["status"]) == (200, "shipped")
    assert {line["offer_id"]: line["shipped_quantity"] for line in rest.get_json()["lines"]} == {"teapot": 2, "cups": 3}
    assert [[(line["line_id"], line["quantity"]) for line in shipment["lines"]]
            for shipment in rest.get_json()["shipments"]] == [
        [(line_ids["teapot"], 2), (line_ids["cups"], 1)], [(line_ids["cups"], 2)]]
    announced = events(app, "vendor_order.shipped")
    assert [(e["partial"], e["tracking_number"], [(line["offer_id"], line["quantity"]) for line in e["lines"]])
            for e in announced] == [(True, "6A1", [("teapot", 2), ("cups", 1)]), (False, "1Z9", [("cups", 2)])]
    assert announced[0]["tracking_url"] == "https://track.example/6A1" and "tracking_url" not in announced[1]


def test_a_shipment_beyond_what_remains_is_refused_naming_the_lines(app, client, staff_a):
    vendor_order_id = accepted(app, client, staff_a, {"teapot": 2})
    line_ids = lines_of(client, staff_a, vendor_order_id)

    answer = post(client, staff_a, vendor_order_id, "shipments", {"carrier": "ups", "tracking_number": "1Z9", "lines": [
        {"line_id": line_ids["teapot"], "quantity": 3}, {"line_id": "not-a-line", "quantity": 1}]})

    assert answer.status_code == 422
    assert answer.get_json()["lines"] == [
        {"line_id": line_ids["teapot"], "reason": "exceeds_remaining", "remaining_quantity": 2},
        {"line_id": "not-a-line", "reason": "unknown_line"}]
    assert vendor_order(app, vendor_order_id).status == "accepted" and events(app, "vendor_order.shipped") == []


def test_shipping_before_acceptance_is_a_409(app, client, staff_a):
    vendor_order_id = processing_order(app, {"teapot": 1})[VENDOR_A]
    line_id = lines_of(client, staff_a, vendor_order_id)["teapot"]

    answer = post(client, staff_a, vendor_order_id, "shipments", {
        "carrier": "ups", "tracking_number": "1Z9", "lines": [{"line_id": line_id, "quantity": 1}]})

    assert answer.status_code == 409
    assert answer.get_json()["current_status"] == "awaiting_acceptance"


# --- delivery


def test_the_customer_confirms_delivery(app, client, staff_a, alice):
    vendor_order_id = shipped(app, client, staff_a, {"teapot": 1})

    answer = post(client, alice, vendor_order_id, "deliver")

    assert (answer.status_code, answer.get_json()["status"]) == (200, "delivered")
    [delivered] = events(app, "vendor_order.delivered")
    assert delivered["delivered_at"] and vendor_order(app, vendor_order_id).delivered_at is not None


def test_another_customer_cannot_confirm_delivery(app, client, staff_a, bob):
    vendor_order_id = shipped(app, client, staff_a, {"teapot": 1})

    assert post(client, bob, vendor_order_id, "deliver").status_code == 404


def test_delivering_twice_is_a_409(app, client, staff_a, operator):
    vendor_order_id = shipped(app, client, staff_a, {"teapot": 1})
    assert post(client, operator, vendor_order_id, "deliver").status_code == 200

    assert post(client, staff_a, vendor_order_id, "deliver").status_code == 409


# --- cancellation


def test_a_customer_cancels_before_shipping_and_nothing_is_refunded_when_nothing_was_captured(app, client, alice):
    vendor_order_id = processing_order(app, {"teapot": 1})[VENDOR_A]

    answer = post(client, alice, vendor_order_id, "cancel")

    assert (answer.status_code, answer.get_json()["status"]) == (200, "cancelled")
    assert [e["reason"] for e in events(app, "vendor_order.cancelled")] == ["customer_request"]
    assert events(app, "refund.requested") == []
    assert order_status(app, vendor_order_id) == "cancelled"


def test_cancelling_after_capture_requests_a_refund_of_exactly_that_part(app, client, staff_a, alice):
    ids = processing_order(app, {"teapot": 2, "cups": 1, "kettle": 1})
    post(client, staff_a, ids[VENDOR_A], "accept")
    set_vendor_order(app, ids[VENDOR_A], captured_at=now(), refunded_minor=300)

    answer = post(client, alice, ids[VENDOR_A], "cancel", {"reason": "changed my mind"})

    assert answer.status_code == 200
    [refund] = events(app, "refund.requested")
    line_ids = {line["offer_id"]: line["id"] for line in answer.get_json()["lines"]}
    assert {**refund, "refund_request_id": "any"} == {
        "refund_request_id": "any", "cause": "cancellation", "return_id": None,
        "order_id": answer.get_json()["order_id"], "vendor_order_id": ids[VENDOR_A], "vendor_id": VENDOR_A,
        "amount_minor": 2500 * 2 + 800 + 490 - 300, "currency": "EUR", "reason": "changed my mind",
        "lines": [{"line_id": line_ids["teapot"], "offer_id": "teapot", "quantity": 2},
                  {"line_id": line_ids["cups"], "offer_id": "cups", "quantity": 1}]}
    assert order_status(app, ids[VENDOR_A]) == "processing"  # the kettle is still awaiting acceptance


def test_a_customer_cannot_cancel_once_shipping_started(app, client, staff_a, alice):
    vendor_order_id = shipped(app, client, staff_a, {"teapot": 1})

    answer = post(client, alice, vendor_order_id, "cancel")

    assert answer.status_code == 409
    assert (answer.get_json()["current_status"], answer.get_json()["requested_status"]) == ("shipped", "cancelled")


def test_an_operator_cancels_a_shipped_vendor_order_with_a_reason(app, client, staff_a, operator):
    vendor_order_id = shipped(app, client, staff_a, {"teapot": 1})

    without_reason = post(client, operator, vendor_order_id, "cancel")
    answer = post(client, operator, vendor_order_id, "cancel", {"reason": "lost by the carrier"})

    assert without_reason.status_code == 422
    assert (answer.status_code, answer.get_json()["status_reason"]) == (200, "lost by the carrier")
    assert order_status(app, vendor_order_id) == "cancelled"


def test_vendors_refuse_rather_than_cancel_and_support_operators_only_read(app, client, staff_a, support):
    vendor_order_id = processing_order(app, {"teapot": 1})[VENDOR_A]

    assert post(client, staff_a, vendor_order_id, "cancel").status_code == 403
    assert post(client, support, vendor_order_id, "cancel", {"reason": "test"}).status_code == 403
    assert client.get(f"{VENDOR_ORDERS}/{vendor_order_id}", headers=support).status_code == 200


def test_nothing_can_be_cancelled_after_delivery(app, client, staff_a, operator):
    vendor_order_id = shipped(app, client, staff_a, {"teapot": 1})
    post(client, operator, vendor_order_id, "deliver")

    assert post(client, operator, vendor_order_id, "cancel", {"reason": "too late"}).status_code == 409


# --- timers (clock injected)


def test_vendor_orders_not_accepted_by_the_deadline_are_refused(app, client, staff_a):
    ids = processing_order(app, {"teapot": 1, "kettle": 1})
    post(client, staff_a, ids[VENDOR_A], "accept")
    waiting_since = vendor_order(app, ids[VENDOR_B]).status_changed_at.replace(tzinfo=timezone.utc)

    early = refuse_overdue(uow_of(app), waiting_since + timedelta(hours=47))
    late = refuse_overdue(uow_of(app), waiting_since + timedelta(hours=48, seconds=1))

    assert (early, late) == ([], [ids[VENDOR_B]])
    assert [(e["vendor_order_id"], e["reason"], e["actor"]) for e in events(app, "vendor_order.refused")] == [
        (ids[VENDOR_B], "acceptance_deadline", {"kind": "system", "id": None})]
    assert vendor_order(app, ids[VENDOR_A]).status == "accepted"


def test_the_acceptance_deadline_is_a_runtime_setting(app):
    vendor_order_id = processing_order(app, {"teapot": 1})[VENDOR_A]
    with uow_of(app) as uow:
        change(uow, OrdersRuntimeSettings, {"acceptance_deadline_hours": 2}, "weekend rush")
        uow.commit()

    assert refuse_overdue(uow_of(app), now() + timedelta(hours=2, seconds=1)) == [vendor_order_id]
    assert order_status(app, vendor_order_id) == "cancelled"


def test_delivered_vendor_orders_complete_when_the_return_window_ends_and_the_order_completes(
        app, client, staff_a, operator):
    vendor_order_id = shipped(app, client, staff_a, {"teapot": 1})
    post(client, operator, vendor_order_id, "deliver")
    delivered_at = vendor_order(app, vendor_order_id).delivered_at.replace(tzinfo=timezone.utc)

    early = complete_delivered(uow_of(app), delivered_at + timedelta(days=13))
    due = complete_delivered(uow_of(app), delivered_at + timedelta(days=14))

    assert (early, due) == ([], [vendor_order_id])
    assert [e["vendor_order_id"] for e in events(app, "vendor_order.completed")] == [vendor_order_id]
    assert order_status(app, vendor_order_id) == "completed"
    assert len(events(app, "order.completed")) == 1


def test_an_open_return_keeps_a_delivered_vendor_order_open(app, client, staff_a, operator):
    vendor_order_id = shipped(app, client, staff_a, {"teapot": 1})
    post(client, operator, vendor_order_id, "deliver")
    found = vendor_order(app, vendor_order_id)
    with uow_of(app) as uow:
        uow.session.add(Return(id=new_id(), order_id=found.order_id, vendor_order_id=vendor_order_id,
                               vendor_id=VENDOR_A, customer_id="cus-alice", status="requested",
                               reason_code="damaged", created_at=now(), updated_at=now()))
        uow.commit()

    assert complete_delivered(uow_of(app), now() + timedelta(days=30)) == []
    assert vendor_order(app, vendor_order_id).status == "delivered"


# --- reading: tenancy, filters, pagination


def test_vendor_staff_list_their_vendors_orders_only_newest_first(app, client, staff_a, operator):
    first = processing_order(app, {"teapot": 1, "kettle": 1})
    second = processing_order(app, {"cups": 1})

    mine = client.get(VENDOR_ORDERS, headers=staff_a)
    everyone = client.get(VENDOR_ORDERS, headers=operator)

    assert [row["id"] for row in mine.get_json()] == [second[VENDOR_A], first[VENDOR_A]]
    assert {row["id"] for row in everyone.get_json()} == {first[VENDOR_A], first[VENDOR_B], second[VENDOR_A]}


def test_vendor_orders_are_filtered_by_status_and_creation_day(app, client, staff_a):
    old = processing_order(app, {"teapot": 1})[VENDOR_A]
    new = accepted(app, client, staff_a, {"cups": 1})
    set_vendor_order(app, old, created_at=datetime(2025, 3, 1, 23, 30, tzinfo=timezone.utc))

    def listed(**query) -> list[str]:
        answer = client.get(VENDOR_ORDERS, query_string=query, headers=staff_a)
        assert answer.status_code == 200, answer.get_json()
        return [row["id"] for row in answer.get_json()]

    assert listed(status="accepted") == [new]
    assert listed(status="awaiting_acceptance") == [old]
    assert listed(created_from="2025-03-01", created_to="2025-03-01") == [old]
    assert listed(created_from="2025-03-02") == [new]
    assert listed(created_to="2025-02-28") == []
    assert client.get(VENDOR_ORDERS, query_string={"status": "lost"}, headers=staff_a).status_code == 422
    assert client.get(VENDOR_ORDERS, query_string={"created_from": "2025-03-02", "created_to": "2025-03-01"},
                      headers=staff_a).status_code == 422


def test_vendor_orders_are_paginated(app, client, staff_a):
    ids = [processing_order(app, {"teapot": 1})[VENDOR_A] for _ in range(3)]

    page = client.get(VENDOR_ORDERS, query_string={"page": 2, "page_size": 2}, headers=staff_a)

    assert [row["id"] for row in page.get_json()] == [ids[0]]
    assert json.loads(page.headers["X-Pagination"])["total"] == 3


def test_a_vendor_order_shows_its_lines_address_and_timeline(app, client, staff_a):
    vendor_order_id = accepted(app, client, staff_a, {"teapot": 2})

    answer = client.get(f"{VENDOR_ORDERS}/{vendor_order_id}", headers=staff_a).get_json()

    assert [(line["offer_id"], line["quantity"], line["shipped_quantity"]) for line in answer["lines"]] == [
        ("teapot", 2, 0)]
    assert answer["shipping_address"] == ADDRESS and answer["shipments"] == []
    assert [(entry["from_status"], entry["to_status"]) for entry in answer["timeline"]] == [
        ("pending", "awaiting_acceptance"), ("awaiting_acceptance", "accepted")]


def test_customers_read_their_vendor_orders_through_the_orders_api(app, client, alice):
    processing_order(app, {"teapot": 1})

    assert client.get(VENDOR_ORDERS, headers=alice).status_code == 403


ACTIONS = [("accept", None), ("refuse", {"reason": "no"}), ("deliver", None), ("cancel", {"reason": "no"}),
           ("shipments", {"carrier": "ups", "tracking_number": "1Z9", "lines": [{"line_id": "x", "quantity": 1}]})]


@pytest.mark.parametrize("action, body", ACTIONS, ids=[action for action, _ in ACTIONS])
def test_a_vendor_cannot_act_on_another_vendors_vendor_order(app, client, staff_a, action, body):
    theirs = processing_order(app, {"kettle": 1})[VENDOR_B]

    answer = post(client, staff_a, theirs, action, body)

    assert answer.status_code == 404
    assert vendor_order(app, theirs).status == "awaiting_acceptance"


def test_a_vendor_cannot_read_another_vendors_vendor_order(app, client, staff_a, staff_b):
    theirs = processing_order(app, {"kettle": 1})[VENDOR_B]

    assert client.get(f"{VENDOR_ORDERS}/{theirs}", headers=staff_a).status_code == 404
    assert client.get(f"{VENDOR_ORDERS}/{theirs}", headers=staff_b).status_code == 200
    assert client.get(f"{VENDOR_ORDERS}/no-such-id", headers=staff_b).status_code == 404
