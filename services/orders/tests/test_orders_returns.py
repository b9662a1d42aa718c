"""Returns (RMA): request within the window, approve or refuse (operator overrule), ship back, receive, refund.

The saga is not under test: orders are placed with fixed quotes and moved to ``processing`` directly, then
accepted, shipped and delivered through the vendor-order API, as in the fulfilment tests.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from orders.fulfilment import complete_delivered
from orders.models import OrderLine, VendorOrder
from orders.models.base import now
from orders.testing import ADDRESS, events, paid_order, uow_of

RETURNS, VENDOR_ORDERS = "/api/v1/returns", "/api/v1/vendor-orders"
VENDOR_A, VENDOR_B = "vendor-a", "vendor-b"
WAREHOUSE = {**ADDRESS, "name": "Vendor A returns", "line1": "1 quai des Retours"}
QUOTES = {  # offer -> (vendor, unit price, shipping)
    "teapot": (VENDOR_A, 2500, 490), "cups": (VENDOR_A, 800, 300), "kettle": (VENDOR_B, 4000, 590)}


@pytest.fixture
def delivered(app, client, staff_a, staff_b, alice):
    """Alice's delivered vendor orders: vendor A's (2 teapots, 3 cups), vendor B's (1 kettle)."""
    ids = paid_order(app, "cus-alice", {"teapot": 2, "cups": 3, "kettle": 1}, QUOTES)
    for vendor, staff in ((VENDOR_A, staff_a), (VENDOR_B, staff_b)):
        vendor_order_id = ids[vendor]
        assert client.post(f"{VENDOR_ORDERS}/{vendor_order_id}/accept", headers=staff).status_code == 200
        parcel = [{"line_id": line_id, "quantity": quantity}
                  for line_id, (_, quantity) in lines_of(app, vendor_order_id).items()]
        shipped = client.post(f"{VENDOR_ORDERS}/{vendor_order_id}/shipments", headers=staff,
                              json={"carrier": "colissimo", "tracking_number": "6A1", "lines": parcel})
        assert shipped.status_code == 200, shipped.get_json()
        assert client.post(f"{VENDOR_ORDERS}/{vendor_order_id}/deliver", headers=alice).status_code == 200
    return ids


def lines_of(app, vendor_order_id: str) -> dict[str, tuple[str, int]]:
    """Order line id -> (offer id, ordered quantity), in the order's line order."""
    with uow_of(app) as uow:
        lines = uow.session.scalars(select(OrderLine).where(OrderLine.vendor_order_id == vendor_order_id)
                                    .order_by(OrderLine.position))
        return {line.id: (line.offer_id, line.quantity) for line in lines}


def line_of(app, vendor_order_id: str, offer_id: str) -> str:
    return next(line_id for line_id, (offer, _) in lines_of(app, vendor_order_id).items() if offer == offer_id)


def returned_quantities(app, vendor_order_id: str) -> dict[str, int]:
    with uow_of(app) as uow:
        rows = uow.session.execute(select(OrderLine.offer_id, OrderLine.returned_quantity)
                                   .where(OrderLine.vendor_order_id == vendor_order_id))
        return dict(rows.all())


def request(client, caller, vendor_order_id: str, lines: dict[str, int], **body):
    return client.post(RETURNS, headers=caller, json={
        "vendor_order_id": vendor_order_id, "reason_code": "damaged",
        "lines": [{"line_id": line_id, "quantity": quantity} for line_id, quantity in lines.items()], **body})


def act(client, caller, return_id: str, action: str, body: dict | None = None):
    return client.post(f"{RETURNS}/{return_id}/{action}", headers=caller, json=body or {})


def requested(app, client, alice, vendor_order_id: str, **offers: int) -> str:
    answer = request(client, alice, vendor_order_id,
                     {line_of(app, vendor_order_id, offer): quantity for offer, quantity in offers.items()})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def approval() -> dict:
    return {"return_address": WAREHOUSE, "rma_number": "RMA-0042"}


def shipped_back(app, client, alice, staff_a, vendor_order_id: str, **offers: int) -> str:
    return_id = requested(app, client, alice, vendor_order_id, **offers)
    assert act(client, staff_a, return_id, "approve", approval()).status_code == 200
    assert act(client, alice, return_id, "ship", {"carrier": "la-poste", "tracking_number": "8R1"}).status_code == 200
    return return_id


# --- the whole flow


def test_a_received_return_restocks_what_the_vendor_chose_and_requests_a_refund_of_exactly_those_units(
        app, client, delivered, alice, staff_a):
    vendor_order_id = delivered[VENDOR_A]
    teapot, cups = line_of(app, vendor_order_id, "teapot"), line_of(app, vendor_order_id, "cups")
    return_id = shipped_back(app, client, alice, staff_a, vendor_order_id, teapot=1, cups=2)

    answer = act(client, staff_a, return_id, "receive", {"lines": [{"line_id": teapot, "restock": True},
                                                                   {"line_id": cups, "restock": False}]})

    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["status"], answer.get_json()["refund_minor"]) == ("received", 2500 + 2 * 800)
    order_id = answer.get_json()["order_id"]
    staff = {"kind": "user", "id": "staff-a", "roles": ["vendor"]}
    [received] = events(app, "return.received")
    assert received == {"return_id": return_id, "order_id": order_id, "vendor_order_id": vendor_order_id,
                        "vendor_id": VENDOR_A, "customer_id": "cus-alice", "actor": staff,
                        "lines": [{"line_id": teapot, "offer_id": "teapot", "quantity": 1, "restock": True},
                                  {"line_id": cups, "offer_id": "cups", "quantity": 2, "restock": False}]}
    [refund] = events(app, "refund.requested")
    assert refund == {"refund_request_id": refund["refund_request_id"], "cause": "return", "return_id": return_id,
                      "order_id": order_id, "vendor_order_id": vendor_order_id, "vendor_id": VENDOR_A,
                      "amount_minor": 4100, "currency": "EUR", "reason": "return RMA-0042: damaged",
                      "lines": [{"line_id": teapot, "offer_id": "teapot", "quantity": 1},
                                {"line_id": cups, "offer_id": "cups", "quantity": 2}]}
    assert returned_quantities(app, vendor_order_id) == {"teapot": 1, "cups": 2}


def test_each_step_is_announced_with_the_returns_lines(app, client, delivered, alice, staff_a):
    vendor_order_id = delivered[VENDOR_A]
    cups = line_of(app, vendor_order_id, "cups")
    return_id = request(client, alice, vendor_order_id, {cups: 1}, comment="chipped").get_json()["id"]

    act(client, staff_a, return_id, "approve", approval())

    [asked] = events(app, "return.requested")
    assert (asked["return_id"], asked["reason"], asked["comment"]) == (return_id, "damaged", "chipped")
    assert asked["lines"] == [{"line_id": cups, "offer_id": "cups", "quantity": 1}]
    [approved] = events(app, "return.approved")
    assert (approved["rma_number"], approved["return_address"]) == ("RMA-0042", WAREHOUSE)


def test_returning_everything_refunds_the_shipping_too(app, client, delivered, alice, staff_b):
    vendor_order_id = delivered[VENDOR_B]
    kettle = line_of(app, vendor_order_id, "kettle")
    return_id = shipped_back(app, client, alice, staff_b, vendor_order_id, kettle=1)

    answer = act(client, staff_b, return_id, "receive", {"lines": [{"line_id": kettle, "restock": True}]})

    assert answer.get_json()["refund_minor"] == 4000 + 590
    assert [refund["amount_minor"] for refund in events(app, "refund.requested")] == [4590]


def test_the_customer_reads_the_return_with_its_lines(app, client, delivered, alice, staff_a):
    vendor_order_id = delivered[VENDOR_A]
    return_id = requested(app, client, alice, vendor_order_id, teapot=2)

    answer = client.get(f"{RETURNS}/{return_id}", headers=alice).get_json()

    assert (answer["status"], answer["reason_code"], answer["vendor_order_id"]) == ("requested", "damaged",
                                                                                     vendor_order_id)
    assert answer["lines"] == [{"line_id": line_of(app, vendor_order_id, "teapot"), "offer_id": "teapot",
                                "title": "Teapot", "unit_price_minor": 2500, "quantity": 2, "restock": None}]


# --- refusal and overrule


def test_a_refused_return_is_overruled_by_an_admin_operator(app, client, delivered, alice, staff_a, operator):
    return_id = requested(app, client, alice, delivered[VENDOR_A], teapot=1)
    refused = act(client, staff_a, return_id, "refuse", {"reason": "shows signs of use"})
    assert (refused.status_code, refused.get_json()["status"]) == (200, "refused")
    assert [event["reason"] for event in events(app, "return.refused")] == ["shows signs of use"]

    answer = act(client, operator, return_id, "approve", approval())

    assert (answer.status_code, answer.get_json()["status"]) == (200, "approved")
    [approved] = events(app, "return.approved")
    assert approved["actor"] == {"kind": "user", "id": "op-1", "roles": ["operator"]}


def test_the_vendor_cannot_overrule_its_own_refusal(app, client, delivered, alice, staff_a):
    return_id = requested(app, client, alice, delivered[VENDOR_A], teapot=1)
    act(client, staff_a, return_id, "refuse", {"reason": "shows signs of use"})

    answer = act(client, staff_a, return_id, "approve", approval())

    assert answer.status_code == 409
    assert (answer.get_json()["current_status"], answer.get_json()["requested_status"]) == ("refused", "approved")


# --- what may be returned


def test_a_return_outside_the_window_is_a_422(app, client, delivered, alice):
    vendor_order_id = delivered[VENDOR_A]
    with uow_of(app) as uow:
        uow.session.execute(update(VendorOrder).where(VendorOrder.id == vendor_order_id)
                            .values(delivered_at=now() - timedelta(days=15)))
        uow.commit()

    answer = request(client, alice, vendor_order_id, {line_of(app, vendor_order_id, "teapot"): 1})

    assert (answer.status_code, answer.get_json()["type"].rsplit(":", 1)[-1]) == (422, "return-window-closed")
    assert events(app, "return.requested") == []


def test_more_units_than_returnable_are_refused_naming_each_line(app, client, delivered, alice):
    vendor_order_id = delivered[VENDOR_A]
    teapot, cups = line_of(app, vendor_order_id, "teapot"), line_of(app, vendor_order_id, "cups")
    requested(app, client, alice, vendor_order_id, cups=2)  # open: only 1 cup left to return

    answer = request(client, alice, vendor_order_id, {teapot: 3, cups: 2, "no-such-line": 1})

    assert answer.status_code == 422
    assert answer.get_json()["lines"] == [
        {"line_id": teapot, "reason": "exceeds_returnable", "returnable_quantity": 2},
        {"line_id": cups, "reason": "exceeds_returnable", "returnable_quantity": 1},
        {"line_id": "no-such-line", "reason": "unknown_line"}]


def test_units_of_a_refused_return_can_be_requested_again(app, client, delivered, alice, staff_a):
    vendor_order_id = delivered[VENDOR_A]
    return_id = requested(app, client, alice, vendor_order_id, teapot=2)
    act(client, staff_a, return_id, "refuse", {"reason": "no"})

    assert request(client, alice, vendor_order_id, {line_of(app, vendor_order_id, "teapot"): 2}).status_code == 201


def test_a_vendor_order_not_yet_delivered_cannot_be_returned(app, client, delivered, alice, staff_a):
    vendor_order_id = delivered[VENDOR_A]
    with uow_of(app) as uow:
        uow.session.execute(update(VendorOrder).where(VendorOrder.id == vendor_order_id).values(status="shipped"))
        uow.commit()

    answer = request(client, alice, vendor_order_id, {line_of(app, vendor_order_id, "teapot"): 1})

    assert (answer.status_code, answer.get_json()["current_status"]) == (409, "shipped")


def test_a_retried_request_with_the_same_idempotency_key_creates_one_return(app, client, delivered, alice):
    vendor_order_id = delivered[VENDOR_A]
    lines = {line_of(app, vendor_order_id, "teapot"): 2}
    keyed = {**alice, "Idempotency-Key": "ret-1"}

    first, again = request(client, keyed, vendor_order_id, lines), request(client, keyed, vendor_order_id, lines)

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert len(events(app, "return.requested")) == 1


def test_an_open_return_keeps_the_vendor_order_open_past_the_window(app, client, delivered, alice):
    vendor_order_id = delivered[VENDOR_A]
    requested(app, client, alice, vendor_order_id, teapot=1)

    assert complete_delivered(uow_of(app), now() + timedelta(days=30)) == [delivered[VENDOR_B]]


# --- who may do what


def test_another_customer_cannot_see_or_request_a_return(app, client, delivered, alice, bob):
    vendor_order_id = delivered[VENDOR_A]
    return_id = requested(app, client, alice, vendor_order_id, teapot=1)

    assert client.get(f"{RETURNS}/{return_id}", headers=bob).status_code == 404
    assert act(client, bob, return_id, "ship", {"carrier": "x", "tracking_number": "y"}).status_code == 404
    assert request(client, bob, vendor_order_id, {line_of(app, vendor_order_id, "teapot"): 1}).status_code == 404
    assert client.get(RETURNS, headers=bob).get_json() == []


def test_another_vendor_gets_a_404_on_every_route_of_a_return(app, client, delivered, alice, staff_b):
    return_id = requested(app, client, alice, delivered[VENDOR_A], teapot=1)

    assert client.get(f"{RETURNS}/{return_id}", headers=staff_b).status_code == 404
    for action, body in (("approve", approval()), ("refuse", {"reason": "no"}),
                         ("receive", {"lines": [{"line_id": "x", "restock": True}]})):
        assert act(client, staff_b, return_id, action, body).status_code == 404, action
    assert [found["id"] for found in client.get(RETURNS, headers=staff_b).get_json()] == []


def test_customers_and_vendors_only_do_their_own_steps(app, client, delivered, alice, staff_a):
    return_id = requested(app, client, alice, delivered[VENDOR_A], teapot=1)

    assert act(client, alice, return_id, "approve", approval()).status_code == 403
    assert act(client, staff_a, return_id, "ship", {"carrier": "x", "tracking_number": "y"}).status_code == 403


def test_lists_show_each_caller_their_own_returns_filtered_by_status(
        app, client, delivered, alice, staff_a, staff_b, operator):
    on_a = requested(app, client, alice, delivered[VENDOR_A], teapot=1)
    on_b = requested(app, client, alice, delivered[VENDOR_B], kettle=1)
    act(client, staff_b, on_b, "refuse", {"reason": "no"})

    def ids(caller, query=""):
        return [found["id"] for found in client.get(f"{RETURNS}{query}", headers=caller).get_json()]

    assert (ids(alice), ids(staff_a), ids(staff_b)) == ([on_b, on_a], [on_a], [on_b])
    assert (ids(operator, "?status=refused"), ids(operator, "?status=requested")) == ([on_b], [on_a])


# --- illegal moves


def test_every_step_out_of_order_is_a_409(app, client, delivered, alice, staff_a):
    vendor_order_id = delivered[VENDOR_A]
    teapot = line_of(app, vendor_order_id, "teapot")
    return_id = requested(app, client, alice, vendor_order_id, teapot=1)
    receipt = {"lines": [{"line_id": teapot, "restock": True}]}

    assert act(client, alice, return_id, "ship", {"carrier": "x", "tracking_number": "y"}).status_code == 409
    assert act(client, staff_a, return_id, "receive", receipt).status_code == 409
    act(client, staff_a, return_id, "approve", approval())
    assert act(client, staff_a, return_id, "refuse", {"reason": "no"}).status_code == 409
    assert act(client, staff_a, return_id, "approve", approval()).status_code == 409
    act(client, alice, return_id, "ship", {"carrier": "x", "tracking_number": "y"})
    assert act(client, staff_a, return_id, "receive", receipt).status_code == 200
    assert act(client, staff_a, return_id, "receive", receipt).status_code == 409
    assert len(events(app, "refund.requested")) == 1


def test_a_receipt_must_decide_for_every_line_of_the_return(app, client, delivered, alice, staff_a):
    vendor_order_id = delivered[VENDOR_A]
    return_id = shipped_back(app, client, alice, staff_a, vendor_order_id, teapot=1, cups=1)

    answer = act(client, staff_a, return_id, "receive",
                 {"lines": [{"line_id": line_of(app, vendor_order_id, "teapot"), "restock": True}]})

    assert (answer.status_code, answer.get_json()["lines"]) == (
        422, [{"line_id": line_of(app, vendor_order_id, "cups"), "reason": "missing"}])
