"""Operators over whole orders: the filtered list, force-cancel with a reason, and the runtime settings.

Orders are placed with fixed quotes and moved to the status under test through ``move_order`` /
``move_vendor_order``, as the saga would; the saga itself is tested in ``test_orders_saga``.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, select, update

from chassis.tables import outbox
from contracts.testing import assert_valid_event
from orders.domain.placement import RequestedLine
from orders.models import Order, VendorOrder
from orders.models.base import now
from orders.placement import PlaceOrder, place_order
from orders.testing import ADDRESS, SYSTEM, offer_quotes, uow_of
from orders.transitions import move_order, move_vendor_order

ORDERS = "/api/v1/orders"
VENDOR_A, VENDOR_B = "vendor-a", "vendor-b"
ADMIN_ACTOR = {"kind": "user", "id": "op-1", "roles": ["operator"]}  # as chassis.actors records them
ALL_FINAL = "every vendor order was refused or cancelled"
QUOTES = {  # offer -> (vendor, unit price, shipping): a teapot order is 2990, a kettle 4590, both 7580
    "teapot": (VENDOR_A, 2500, 490), "kettle": (VENDOR_B, 4000, 590)}
VENDOR_ORDER_ROUTE = {  # vendor order status -> the moves that reach it from awaiting_acceptance
    "awaiting_acceptance": [], "accepted": ["accepted"], "shipped": ["accepted", "shipped"],
    "delivered": ["accepted", "shipped", "delivered"], "completed": ["accepted", "shipped", "delivered", "completed"]}


@pytest.fixture
def admin(operator):
    return operator


def order_in(app, status: str, offers: tuple[str, ...] = ("teapot",), customer: str = "cus-alice",
             created_at: datetime | None = None) -> str:
    """An order of one unit of each offer, moved to ``status`` (vendor orders follow as the saga moves them)."""
    with uow_of(app) as uow:
        cart = PlaceOrder([RequestedLine(offer, 1) for offer in offers], ADDRESS)
        order = place_order(uow, customer, cart, offer_quotes(QUOTES)).order
        path = {"pending": [], "awaiting_payment": ["awaiting_payment"], "rejected": ["rejected"],
                "cancelled": ["awaiting_payment", "cancelled"], "processing": ["awaiting_payment", "processing"],
                "completed": ["awaiting_payment", "processing", "completed"]}[status]
        for step in path:
            move_order(uow.session, order, step, SYSTEM)
        if "processing" in path:
            for vendor_order in uow.session.scalars(select(VendorOrder).where(VendorOrder.order_id == order.id)):
                move_vendor_order(uow.session, vendor_order, "awaiting_acceptance", SYSTEM)
        if created_at is not None:
            order.created_at = created_at
        uow.commit()
        return order.id


def vendor_order_of(app, order_id: str, vendor_id: str) -> str:
    with uow_of(app) as uow:
        return uow.session.scalar(select(VendorOrder.id).where(VendorOrder.order_id == order_id,
                                                               VendorOrder.vendor_id == vendor_id))


def advance_vendor_order(app, vendor_order_id: str, status: str, **values) -> None:
    with uow_of(app) as uow:
        vendor_order = uow.session.get(VendorOrder, vendor_order_id)
        for step in VENDOR_ORDER_ROUTE[status]:
            move_vendor_order(uow.session, vendor_order, step, SYSTEM)
        uow.session.execute(update(VendorOrder).where(VendorOrder.id == vendor_order_id).values(**values))
        uow.commit()


def statuses(app, order_id: str) -> tuple[str, list[str]]:
    """(order status, its vendor orders' statuses sorted)."""
    with uow_of(app) as uow:
        vendor_orders = uow.session.scalars(select(VendorOrder.status).where(VendorOrder.order_id == order_id))
        return uow.session.get(Order, order_id).status, sorted(vendor_orders)


def events_of(app, order_id: str) -> list[tuple[str, dict]]:
    """(type, data) of every event about the order after ``order.placed``, each checked against its contract."""
    with uow_of(app) as uow:
        rows = uow.session.execute(select(outbox.c.envelope).order_by(outbox.c.id))
        envelopes = [envelope if isinstance(envelope, dict) else json.loads(envelope) for (envelope,) in rows]
    found = [(envelope["type"], envelope["data"]) for envelope in envelopes
             if envelope["data"].get("order_id") == order_id and envelope["type"] != "order.placed"]
    for event_type, data in found:
        assert_valid_event(event_type, data)
    return found


def listed(client, caller, **query) -> list[str]:
    answer = client.get(ORDERS, query_string=query, headers=caller)
    assert answer.status_code == 200, answer.get_json()
    return [row["id"] for row in answer.get_json()]


def force_cancel(client, caller, order_id: str, reason: str | None = "fraud suspected"):
    return client.post(f"{ORDERS}/{order_id}/force-cancel", json={} if reason is None else {"reason": reason},
                       headers=caller)


# --- the operator's list: filters, pagination, tenancy


def test_operators_filter_orders_by_status(app, client, admin):
    unpaid, paid = order_in(app, "awaiting_payment"), order_in(app, "processing")

    assert listed(client, admin, status="processing") == [paid]
    assert listed(client, admin, status="awaiting_payment") == [unpaid]
    assert listed(client, admin) == [paid, unpaid]


def test_operators_filter_orders_by_vendor_through_their_vendor_orders(app, client, admin):
    teapot, kettle = order_in(app, "processing", ("teapot",)), order_in(app, "processing", ("kettle",))
    both = order_in(app, "processing", ("teapot", "kettle"))

    assert listed(client, admin, vendor_id=VENDOR_A) == [both, teapot]
    assert listed(client, admin, vendor_id=VENDOR_B) == [both, kettle]
    assert listed(client, admin, vendor_id="vendor-nobody") == []


def test_operators_filter_orders_by_customer(app, client, admin):
    alices, bobs = order_in(app, "pending", customer="cus-alice"), order_in(app, "pending", customer="cus-bob")

    assert listed(client, admin, customer_id="cus-bob") == [bobs]
    assert listed(client, admin, customer_id="cus-alice") == [alices]


def test_operators_filter_orders_by_creation_day_in_utc_both_ends_included(app, client, admin):
    late = order_in(app, "pending", created_at=datetime(2025, 3, 1, 23, 30, tzinfo=timezone.utc))
    early = order_in(app, "pending", created_at=datetime(2025, 3, 2, 0, 0, tzinfo=timezone.utc))

    assert listed(client, admin, created_from="2025-03-01", created_to="2025-03-01") == [late]
    assert listed(client, admin, created_from="2025-03-02") == [early]
    assert listed(client, admin, created_from="2025-03-01", created_to="2025-03-02") == [early, late]
    assert listed(client, admin, created_to="2025-02-28") == []


def test_operators_filter_orders_by_total_in_minor_units_both_ends_included(app, client, admin):
    small, large = order_in(app, "pending", ("teapot",)), order_in(app, "pending", ("teapot", "kettle"))

    assert listed(client, admin, min_total=2990, max_total=2990) == [small]
    assert listed(client, admin, min_total=2991) == [large]
    assert listed(client, admin, max_total=7580) == [large, small]
    assert listed(client, admin, max_total=2989) == []


def test_filters_combine(app, client, admin):
    match = order_in(app, "processing", ("teapot", "kettle"), customer="cus-bob",
                     created_at=datetime(2025, 5, 10, 12, tzinfo=timezone.utc))
    order_in(app, "processing", ("teapot", "kettle"), customer="cus-alice",
             created_at=datetime(2025, 5, 10, 12, tzinfo=timezone.utc))  # another customer
    order_in(app, "awaiting_payment", ("teapot", "kettle"), customer="cus-bob",
             created_at=datetime(2025, 5, 10, 12, tzinfo=timezone.utc))  # another status
    order_in(app, "processing", ("teapot",), customer="cus-bob",
             created_at=datetime(2025, 5, 10, 12, tzinfo=timezone.utc))  # too small, and no kettle
    order_in(app, "processing", ("teapot", "kettle"), customer="cus-bob",
             created_at=datetime(2025, 5, 11, 12, tzinfo=timezone.utc))  # another day

    assert listed(client, admin, status="processing", vendor_id=VENDOR_B, customer_id="cus-bob",
                  created_from="2025-05-10", created_to="2025-05-10", min_total=5000, max_total=8000) == [match]


def test_orders_are_paginated_newest_first_with_the_total_in_the_header(app, client, admin):
    ids = [order_in(app, "pending") for _ in range(3)]

    page = client.get(ORDERS, query_string={"page": 2, "page_size": 2}, headers=admin)

    assert [row["id"] for row in page.get_json()] == [ids[0]]
    assert json.loads(page.headers["X-Pagination"])["total"] == 3


@pytest.mark.parametrize("query", [{"status": "lost"}, {"min_total": "-1"}, {"min_total": "ten"},
                                   {"min_total": "5000", "max_total": "4000"},
                                   {"created_from": "2025-03-02", "created_to": "2025-03-01"}])
def test_malformed_filters_are_a_422(client, admin, query):
    assert client.get(ORDERS, query_string=query, headers=admin).status_code == 422


def test_a_customers_filters_only_narrow_their_own_orders(app, client, alice):
    mine = order_in(app, "processing", ("teapot",), customer="cus-alice")
    order_in(app, "processing", ("teapot",), customer="cus-bob")

    assert listed(client, alice, customer_id="cus-bob") == []
    assert listed(client, alice, vendor_id=VENDOR_A) == [mine]
    assert listed(client, alice, vendor_id=VENDOR_B) == []
    assert listed(client, alice, customer_id="cus-alice") == [mine]


def test_vendors_read_vendor_orders_not_orders(client, staff_a):
    assert client.get(ORDERS, headers=staff_a).status_code == 403


def test_a_filtered_page_costs_the_same_few_statements_however_many_orders_it_shows(app, client, admin):
    engine = app.extensions["chassis.runtime"].database.engine

    def statements_for_a_page() -> int:
        seen = []
        listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            listed(client, admin, vendor_id=VENDOR_A, min_total=0, created_from="2000-01-01")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len([s for s in seen if s.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK")])

    order_in(app, "processing", ("teapot", "kettle"))
    few = statements_for_a_page()
    for _ in range(5):
        order_in(app, "processing", ("teapot", "kettle"))

    assert statements_for_a_page() == few <= 3


# --- force-cancel


def test_an_admin_force_cancels_an_unpaid_order_as_a_customer_cancellation_would(app, client, admin):
    order_id = order_in(app, "awaiting_payment", ("teapot", "kettle"))

    answer = force_cancel(client, admin, order_id, "fraud suspected")

    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["status"], answer.get_json()["status_reason"]) == ("cancelled", "fraud suspected")
    assert statuses(app, order_id) == ("cancelled", ["cancelled", "cancelled"])
    assert events_of(app, order_id) == [("order.cancelled", {
        "order_id": order_id, "customer_id": "cus-alice", "currency": "EUR", "total_minor": 7580,
        "reason": "fraud suspected", "actor": ADMIN_ACTOR})]


def test_an_admin_force_cancels_a_paid_order_vendor_order_by_vendor_order_refunding_what_was_captured(
        app, client, admin):
    order_id = order_in(app, "processing", ("teapot", "kettle"))
    captured, open_one = vendor_order_of(app, order_id, VENDOR_A), vendor_order_of(app, order_id, VENDOR_B)
    advance_vendor_order(app, captured, "shipped", captured_at=now())

    answer = force_cancel(client, admin, order_id, "fraud suspected")

    assert answer.status_code == 200, answer.get_json()
    assert statuses(app, order_id) == ("cancelled", ["cancelled", "cancelled"])
    announced = events_of(app, order_id)
    about = {(event_type, data["vendor_order_id"]) for event_type, data in announced if "vendor_order_id" in data}
    assert about == {("vendor_order.cancelled", captured), ("vendor_order.cancelled", open_one),
                     ("refund.requested", captured)}  # nothing to refund where nothing was captured
    assert all(data["reason"] == "fraud suspected" and data["actor"] == ADMIN_ACTOR
               for event_type, data in announced if event_type == "vendor_order.cancelled")
    refund = next(data for event_type, data in announced if event_type == "refund.requested")
    assert (refund["amount_minor"], refund["cause"], refund["reason"]) == (2990, "cancellation", "fraud suspected")
    assert announced[-1] == ("order.cancelled", {  # the last vendor order's cancellation settles the order
        "order_id": order_id, "customer_id": "cus-alice", "currency": "EUR", "total_minor": 7580,
        "reason": ALL_FINAL, "actor": SYSTEM})


def test_a_paid_order_whose_vendor_orders_are_partly_final_cancels_only_the_open_ones(app, client, admin):
    order_id = order_in(app, "processing", ("teapot", "kettle"))
    refused = vendor_order_of(app, order_id, VENDOR_A)
    with uow_of(app) as uow:
        move_vendor_order(uow.session, uow.session.get(VendorOrder, refused), "refused", SYSTEM, "out of stock")
        uow.commit()

    assert force_cancel(client, admin, order_id).status_code == 200

    assert statuses(app, order_id) == ("cancelled", ["cancelled", "refused"])
    assert [data["vendor_order_id"] for event_type, data in events_of(app, order_id)
            if event_type == "vendor_order.cancelled"] == [vendor_order_of(app, order_id, VENDOR_B)]


def test_a_paid_order_with_a_delivered_vendor_order_is_a_409_and_nothing_changes(app, client, admin):
    order_id = order_in(app, "processing", ("teapot", "kettle"))
    advance_vendor_order(app, vendor_order_of(app, order_id, VENDOR_A), "delivered", captured_at=now())

    answer = force_cancel(client, admin, order_id)

    assert answer.status_code == 409
    assert statuses(app, order_id) == ("processing", ["awaiting_acceptance", "delivered"])
    assert events_of(app, order_id) == []


def test_a_pending_order_cannot_be_force_cancelled_while_its_stock_is_being_reserved(app, client, admin):
    order_id = order_in(app, "pending")

    answer = force_cancel(client, admin, order_id)

    assert answer.status_code == 409
    assert (answer.get_json()["current_status"], answer.get_json()["requested_status"]) == ("pending", "cancelled")
    assert statuses(app, order_id) == ("pending", ["pending"])


@pytest.mark.parametrize("status", ["completed", "rejected", "cancelled"])
def test_a_final_order_cannot_be_force_cancelled(app, client, admin, status):
    order_id = order_in(app, status)

    answer = force_cancel(client, admin, order_id)

    assert answer.status_code == 409
    assert answer.get_json()["current_status"] == status


def test_force_cancelling_an_unknown_order_is_a_404(client, admin):
    assert force_cancel(client, admin, "ord-unknown").status_code == 404


def test_force_cancel_needs_a_reason(app, client, admin):
    order_id = order_in(app, "awaiting_payment")

    assert force_cancel(client, admin, order_id, reason=None).status_code == 422
    assert force_cancel(client, admin, order_id, reason="").status_code == 422
    assert statuses(app, order_id)[0] == "awaiting_payment"


@pytest.mark.parametrize("caller", ["support", "staff_a", "alice"])
def test_only_admin_operators_force_cancel(app, client, request, caller):
    order_id = order_in(app, "awaiting_payment")

    assert force_cancel(client, request.getfixturevalue(caller), order_id).status_code == 403
    assert statuses(app, order_id)[0] == "awaiting_payment"


# --- runtime settings


def test_an_admin_changes_the_payment_timeout_and_a_vendor_cannot(client, admin, staff_a):
    settings = f"{ORDERS}/settings"

    changed = client.patch(settings, json={"payment_timeout_minutes": 12}, headers=admin)
    refused = client.patch(settings, json={"payment_timeout_minutes": 1}, headers=staff_a)

    assert changed.status_code == 200, changed.get_json()
    assert refused.status_code == 403
    assert client.get(settings, headers=admin).get_json()["payment_timeout_minutes"] == 12
