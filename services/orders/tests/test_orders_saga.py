"""The order saga in orders: stock and payment facts move orders on, delivered through the real consumer.

Orders are placed with the real placement use case (quotes made by hand); events go through
``EventConsumer`` as the worker hands them over: contract validation, inbox, handler, commit.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from chassis.events.consumer import EventConsumer
from chassis.events.envelope import CloudEvent
from chassis.runtime import Runtime
from chassis.runtime_settings import change as change_settings
from chassis.tables import outbox
from chassis.testing.events import deliver
from contracts.testing import assert_valid_event
from orders.app import definition
from orders.domain.placement import OfferQuote, RequestedLine
from orders.events import batch_handlers_by_type, handlers_by_type
from orders.models import Order, OrderLine, TimelineEntry, VendorOrder
from orders.models.base import now, utc
from orders.placement import PlaceOrder, place_order
from orders.saga import cancel_unpaid
from orders.settings import OrdersRuntimeSettings
from orders.transitions import move_vendor_order

ADDRESS = {"name": "Ada Lovelace", "line1": "12 rue des Lilas", "postal_code": "75011", "city": "Paris",
           "country": "FR", "phone": "+33 6 12 34 56 78"}
SAGA_EVENTS = ("order.awaiting_payment", "order.processing", "order.rejected", "order.cancelled",
               "vendor_order.cancelled")


@dataclass
class SagaWorld:
    """Orders placed by customers, the events orders receives about them, and what it did."""

    runtime: Runtime

    def place(self, customer_id: str = "cus-alice", vendors: tuple[str, ...] = ("ven-a", "ven-b")) -> str:
        """A pending order of one 25.00 + 4.90 line per vendor; its id."""
        quotes = {str(uuid.uuid4()): vendor for vendor in vendors}
        request = PlaceOrder(lines=[RequestedLine(offer_id, 1) for offer_id in quotes], shipping_address=ADDRESS)
        with self.runtime.uow() as uow:
            order = place_order(uow, customer_id, request, {offer_id: OfferQuote(
                offer_id=offer_id, product_id=str(uuid.uuid4()), category_id=None, vendor_id=vendor, title="Teapot",
                price_minor=2500, shipping_minor=490, currency="EUR") for offer_id, vendor in quotes.items()}).order
            uow.commit()
            return order.id

    def deliver(self, event_type: str, data: dict, *, event_id: str | None = None) -> str:
        """Hand an event to orders' consumer as the worker would (inbox included); 'handled' or 'duplicate'."""
        return deliver(self.runtime, handlers_by_type(), event_type, data, event_id=event_id)

    def stock_reserved(self, order_id: str) -> dict:
        return {"order_id": order_id, "lines": [{"offer_id": line.offer_id, "vendor_id": line.vendor_id,
                                                 "quantity": line.quantity} for line in self._lines(order_id)]}

    def stock_rejected(self, order_id: str, reason: str = "insufficient_stock") -> dict:
        first = self._lines(order_id)[0]
        return {"order_id": order_id, "lines": [{"offer_id": first.offer_id, "vendor_id": first.vendor_id,
                                                 "quantity": first.quantity, "available_quantity": 0,
                                                 "reason": reason}]}

    def payment_authorized(self, order_id: str, payment_id: str = "pay-1") -> dict:
        return {"payment_id": payment_id, "order_id": order_id, "amount_minor": 5980, "currency": "EUR"}

    def payment_failed(self, order_id: str, reason_code: str = "card_declined") -> dict:
        return {"payment_id": "pay-1", "order_id": order_id, "reason_code": reason_code}

    def statuses(self, order_id: str) -> tuple[str, list[str]]:
        """(order status, its vendor orders' statuses sorted)."""
        with self.runtime.uow() as uow:
            vendor_orders = uow.session.scalars(select(VendorOrder.status).where(VendorOrder.order_id == order_id))
            return uow.session.get(Order, order_id).status, sorted(vendor_orders)

    def order(self, order_id: str) -> Order:
        with self.runtime.uow() as uow:
            order = uow.session.get(Order, order_id)
            uow.session.expunge(order)
            return order

    def announced(self, order_id: str) -> list[tuple[str, dict]]:
        """The saga's events about the order, in the order they were written."""
        with self.runtime.uow() as uow:
            rows = uow.session.execute(select(outbox.c.envelope).where(outbox.c.event_type.in_(SAGA_EVENTS))
                                       .order_by(outbox.c.id))
            events = [envelope for (envelope,) in rows if envelope["data"]["order_id"] == order_id]
        for event in events:
            assert_valid_event(event["type"], event["data"])
        return [(event["type"], event["data"]) for event in events]

    def timeline(self, order_id: str) -> list[tuple[str | None, str, str | None]]:
        """(from, to, reason) of the order's own entries."""
        with self.runtime.uow() as uow:
            entries = uow.session.scalars(select(TimelineEntry).where(
                TimelineEntry.order_id == order_id, TimelineEntry.vendor_order_id.is_(None))
                .order_by(TimelineEntry.at, TimelineEntry.id))
            return [(entry.from_status, entry.to_status, entry.reason) for entry in entries]

    def _lines(self, order_id: str) -> list:
        """(offer_id, vendor_id, quantity) rows of the order's lines."""
        with self.runtime.uow() as uow:
            return list(uow.session.execute(select(OrderLine.offer_id, OrderLine.vendor_id, OrderLine.quantity)
                                            .where(OrderLine.order_id == order_id).order_by(OrderLine.position)))


@pytest.fixture
def orders_app(service_app):
    return service_app(definition())


@pytest.fixture
def world(orders_app) -> SagaWorld:
    return SagaWorld(orders_app.extensions["chassis.runtime"])


def money(order_id: str) -> dict:
    return {"order_id": order_id, "customer_id": "cus-alice", "currency": "EUR", "total_minor": 5980}


def awaiting_payment(world: SagaWorld, order_id: str) -> str:
    world.deliver("stock.reserved", world.stock_reserved(order_id))
    return order_id


def test_reserved_then_authorized_order_is_processing_and_its_vendors_can_accept(world):
    order_id = world.place()

    world.deliver("stock.reserved", world.stock_reserved(order_id))
    assert world.statuses(order_id) == ("awaiting_payment", ["pending", "pending"])
    world.deliver("payment.authorized", world.payment_authorized(order_id))

    assert world.statuses(order_id) == ("processing", ["awaiting_acceptance", "awaiting_acceptance"])
    [(awaiting, awaiting_data), processing] = world.announced(order_id)
    assert (awaiting, {key: value for key, value in awaiting_data.items() if key != "payment_due_at"}) == (
        "order.awaiting_payment", money(order_id))
    assert processing == ("order.processing", {"order_id": order_id, "customer_id": "cus-alice",
                                               "payment_id": "pay-1"})
    assert world.timeline(order_id) == [(None, "pending", None), ("pending", "awaiting_payment", None),
                                        ("awaiting_payment", "processing", None)]


def test_payment_is_due_after_the_payment_timeout(world):
    order_id = awaiting_payment(world, world.place())

    [(_, data)] = world.announced(order_id)
    waiting_since = utc(world.order(order_id).updated_at)
    assert datetime.fromisoformat(data["payment_due_at"]) == waiting_since + timedelta(minutes=30)


def test_rejected_stock_rejects_the_order_with_the_lines_reasons_and_cancels_its_vendor_orders(world):
    order_id = world.place()

    world.deliver("stock.rejected", world.stock_rejected(order_id, "insufficient_stock"))

    assert world.statuses(order_id) == ("rejected", ["cancelled", "cancelled"])
    assert world.order(order_id).status_reason == "insufficient_stock"
    assert world.announced(order_id) == [("order.rejected", {"order_id": order_id, "customer_id": "cus-alice",
                                                             "reason": "insufficient_stock"})]


def test_a_failed_payment_leaves_the_order_awaiting_payment_so_the_customer_can_pay_again(world):
    order_id = awaiting_payment(world, world.place())

    world.deliver("payment.failed", world.payment_failed(order_id, "card_declined"))
    assert world.statuses(order_id) == ("awaiting_payment", ["pending", "pending"])
    world.deliver("payment.authorized", world.payment_authorized(order_id, "pay-2"))  # another card

    assert world.statuses(order_id) == ("processing", ["awaiting_acceptance", "awaiting_acceptance"])
    assert [event_type for event_type, _ in world.announced(order_id)] == ["order.awaiting_payment",
                                                                          "order.processing"]


def test_a_backlog_of_reservations_moves_each_order_on_in_one_batch_keeping_each_correlation(world):
    first, second, authorized = world.place(), world.place(), world.place()
    world.deliver("payment.authorized", world.payment_authorized(authorized))
    events = [replace(CloudEvent.new("catalog", "stock.reserved", world.stock_reserved(order_id)),
                      correlationid=f"corr-{index}") for index, order_id in enumerate((first, second, authorized))]
    consumer = EventConsumer(service="orders", handlers=handlers_by_type(), new_uow=world.runtime.uow,
                             dead_letters=None, batch_handlers=batch_handlers_by_type())

    assert consumer.apply_batch([*events, events[0]]) == ["handled", "handled", "handled", "duplicate"]
    assert [world.statuses(order_id)[0] for order_id in (first, second, authorized)] == [
        "awaiting_payment", "awaiting_payment", "processing"]
    with world.runtime.uow() as uow:
        answers = [(envelope["type"], envelope["correlationid"]) for envelope in uow.session.execute(
            select(outbox.c.envelope).where(outbox.c.event_type.in_(["order.awaiting_payment", "order.processing"]))
            .order_by(outbox.c.id)).scalars()]
    assert answers == [("order.awaiting_payment", "corr-0"), ("order.awaiting_payment", "corr-1"),
                       ("order.awaiting_payment", "corr-2"), ("order.processing", "corr-2")]


def test_the_last_allowed_failed_payment_cancels_the_order_so_catalog_releases_its_stock(world):
    order_id = awaiting_payment(world, world.place())

    for attempt, reason in enumerate(("card_declined", "insufficient_funds", "card_declined"), start=1):
        world.deliver("payment.failed", world.payment_failed(order_id, reason))
        expected = "cancelled" if attempt == 3 else "awaiting_payment"  # payment_attempts: 3 by default
        assert world.statuses(order_id)[0] == expected
    assert world.statuses(order_id) == ("cancelled", ["cancelled", "cancelled"])
    assert world.announced(order_id)[1:] == [("order.cancelled", {
        **money(order_id), "reason": "card_declined", "actor": {"kind": "system", "id": None}})]


def test_with_one_attempt_allowed_the_first_failed_payment_cancels_the_order(world):
    with world.runtime.uow() as uow:
        change_settings(uow, OrdersRuntimeSettings, {"payment_attempts": 1}, reason="strict checkout")
        uow.commit()
    order_id = awaiting_payment(world, world.place())

    world.deliver("payment.failed", world.payment_failed(order_id, "insufficient_funds"))

    assert world.order(order_id).status_reason == "insufficient_funds"
    assert world.statuses(order_id) == ("cancelled", ["cancelled", "cancelled"])


def test_payment_authorized_before_stock_reserved_is_remembered_then_applied(world):
    order_id = world.place()

    world.deliver("payment.authorized", world.payment_authorized(order_id))
    assert world.statuses(order_id) == ("pending", ["pending", "pending"])
    assert world.announced(order_id) == []
    world.deliver("stock.reserved", world.stock_reserved(order_id))

    assert world.statuses(order_id) == ("processing", ["awaiting_acceptance", "awaiting_acceptance"])
    assert [event_type for event_type, _ in world.announced(order_id)] == ["order.awaiting_payment",
                                                                          "order.processing"]
    assert world.order(order_id).payment_id == "pay-1"


def test_payment_failed_before_stock_reserved_is_ignored_and_the_order_still_waits_for_payment(world):
    order_id = world.place()

    world.deliver("payment.failed", world.payment_failed(order_id))
    world.deliver("stock.reserved", world.stock_reserved(order_id))

    assert world.statuses(order_id) == ("awaiting_payment", ["pending", "pending"])


def test_a_redelivered_event_is_applied_once(world):
    order_id = world.place()
    reserved = world.stock_reserved(order_id)

    assert world.deliver("stock.reserved", reserved, event_id="evt-1") == "handled"
    assert world.deliver("stock.reserved", reserved, event_id="evt-1") == "duplicate"

    assert [event_type for event_type, _ in world.announced(order_id)] == ["order.awaiting_payment"]


def test_the_same_facts_under_other_event_ids_change_nothing_more(world):
    order_id = world.place()
    for _ in range(2):
        world.deliver("stock.reserved", world.stock_reserved(order_id))
        world.deliver("payment.authorized", world.payment_authorized(order_id))
    world.deliver("stock.rejected", world.stock_rejected(order_id))  # contradicts what came first
    world.deliver("payment.failed", world.payment_failed(order_id))  # another attempt, after one succeeded

    assert world.statuses(order_id) == ("processing", ["awaiting_acceptance", "awaiting_acceptance"])
    assert [event_type for event_type, _ in world.announced(order_id)] == ["order.awaiting_payment",
                                                                          "order.processing"]
    assert len(world.timeline(order_id)) == 3


def test_a_payment_authorized_after_the_order_was_cancelled_leaves_it_cancelled(world):
    order_id = awaiting_payment(world, world.place())
    cancel_unpaid(world.runtime.uow(), now() + timedelta(minutes=31))

    assert world.deliver("payment.authorized", world.payment_authorized(order_id)) == "handled"

    assert world.statuses(order_id) == ("cancelled", ["cancelled", "cancelled"])
    assert [event_type for event_type, _ in world.announced(order_id)] == ["order.awaiting_payment",
                                                                          "order.cancelled"]


def test_events_about_an_unknown_order_are_ignored(world):
    assert world.deliver("stock.reserved", {"order_id": "nope", "lines": [
        {"offer_id": "o", "vendor_id": "v", "quantity": 1}]}) == "handled"


def test_unpaid_orders_are_cancelled_once_the_payment_timeout_has_passed(world):
    order_id = awaiting_payment(world, world.place())
    paid_id = world.place()
    world.deliver("payment.authorized", world.payment_authorized(paid_id))
    awaiting_payment(world, paid_id)

    assert cancel_unpaid(world.runtime.uow(), now() + timedelta(minutes=29)) == []
    assert cancel_unpaid(world.runtime.uow(), now() + timedelta(minutes=31)) == [order_id]
    assert cancel_unpaid(world.runtime.uow(), now() + timedelta(minutes=32)) == []

    assert world.statuses(order_id) == ("cancelled", ["cancelled", "cancelled"])
    assert world.statuses(paid_id)[0] == "processing"
    assert world.announced(order_id)[1:] == [("order.cancelled", {
        **money(order_id), "reason": "payment_timeout", "actor": {"kind": "system", "id": None}})]
    assert world.timeline(order_id)[-1] == ("awaiting_payment", "cancelled", "payment_timeout")


def test_the_payment_timeout_is_an_operator_setting(world, orders_app, bearer):
    operator = bearer(subject="op-1", roles=["operator", "admin"])
    assert orders_app.test_client().patch("/api/v1/orders/settings", json={"payment_timeout_minutes": 5},
                                          headers=operator).status_code == 200
    order_id = awaiting_payment(world, world.place())

    assert cancel_unpaid(world.runtime.uow(), now() + timedelta(minutes=6)) == [order_id]


def test_payment_captured_records_when_the_vendor_orders_part_was_captured(world):
    order_id = awaiting_payment(world, world.place(vendors=("ven-a",)))
    world.deliver("payment.authorized", world.payment_authorized(order_id))
    with world.runtime.uow() as uow:
        vendor_order_id = uow.session.scalars(select(VendorOrder.id).where(VendorOrder.order_id == order_id)).one()
    captured = {"payment_id": "pay-1", "order_id": order_id, "vendor_order_id": vendor_order_id,
                "vendor_id": "ven-a", "amount_minor": 2990, "currency": "EUR"}

    world.deliver("payment.captured", captured)
    with world.runtime.uow() as uow:
        first = uow.session.get(VendorOrder, vendor_order_id).captured_at
    world.deliver("payment.captured", captured)

    with world.runtime.uow() as uow:
        assert first is not None and uow.session.get(VendorOrder, vendor_order_id).captured_at == first


def test_a_failed_capture_cancels_the_accepted_vendor_order_with_its_reason_once(world):
    order_id = awaiting_payment(world, world.place(vendors=("ven-a",)))
    world.deliver("payment.authorized", world.payment_authorized(order_id))
    with world.runtime.uow() as uow:
        vendor_order = uow.session.scalars(select(VendorOrder).where(VendorOrder.order_id == order_id)).one()
        vendor_order_id = vendor_order.id
        move_vendor_order(uow.session, vendor_order, "accepted", {"kind": "user", "id": "ven-a-staff"})
        uow.commit()
    failed = {"payment_id": "pay-1", "order_id": order_id, "vendor_order_id": vendor_order_id, "vendor_id": "ven-a",
              "amount_minor": 2990, "currency": "EUR", "reason_code": "authorization_expired"}

    world.deliver("payment.capture_failed", failed)
    world.deliver("payment.capture_failed", failed)  # the same fact under another event id

    assert world.statuses(order_id) == ("cancelled", ["cancelled"])
    assert [event_type for event_type, _ in world.announced(order_id)][2:] == ["vendor_order.cancelled",
                                                                              "order.cancelled"]
    assert world.announced(order_id)[2][1] == {
        "order_id": order_id, "vendor_order_id": vendor_order_id, "vendor_id": "ven-a", "customer_id": "cus-alice",
        "currency": "EUR", "total_minor": 2990, "actor": {"kind": "system", "id": None},
        "reason": "authorization_expired"}


# Customer cancellation: POST /api/v1/orders/<id>/cancel

@pytest.fixture
def client(orders_app):
    return orders_app.test_client()


def cancel(client, headers, order_id, **body):
    return client.post(f"/api/v1/orders/{order_id}/cancel", json=body, headers=headers)


def test_a_customer_cancels_their_unpaid_order(world, client, bearer):
    order_id = awaiting_payment(world, world.place())

    response = cancel(client, bearer(subject="cus-alice", roles=["customer"]), order_id, reason="changed my mind")

    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["status"], response.get_json()["status_reason"]) == ("cancelled", "changed my mind")
    assert world.statuses(order_id) == ("cancelled", ["cancelled", "cancelled"])
    assert world.announced(order_id)[1:] == [("order.cancelled", {
        **money(order_id), "reason": "changed my mind",
        "actor": {"kind": "user", "id": "cus-alice", "roles": ["customer"]}})]


def test_another_customer_cannot_see_nor_cancel_the_order(world, client, bearer):
    order_id = awaiting_payment(world, world.place())

    response = cancel(client, bearer(subject="cus-bob", roles=["customer"]), order_id)

    assert response.status_code == 404
    assert world.statuses(order_id)[0] == "awaiting_payment"


def test_an_admin_operator_cancels_any_unpaid_order_and_support_cannot(world, client, bearer):
    order_id = awaiting_payment(world, world.place())

    assert cancel(client, bearer(subject="op-2", roles=["operator"]), order_id).status_code == 403
    response = cancel(client, bearer(subject="op-1", roles=["operator", "admin"]), order_id)

    assert (response.status_code, response.get_json()["status_reason"]) == (200, "cancelled_by_operator")


@pytest.mark.parametrize("status", ["pending", "processing"])
def test_only_an_order_awaiting_payment_can_be_cancelled(world, client, bearer, status):
    order_id = world.place()
    if status == "processing":
        world.deliver("stock.reserved", world.stock_reserved(order_id))
        world.deliver("payment.authorized", world.payment_authorized(order_id))

    response = cancel(client, bearer(subject="cus-alice", roles=["customer"]), order_id)

    assert response.status_code == 409
    assert (response.get_json()["current_status"], response.get_json()["requested_status"]) == (status, "cancelled")
    assert world.statuses(order_id)[0] == status
