"""The order saga across real worker processes: orders and catalog talk only through the broker.

A placed order goes orders' outbox -> broker -> catalog's worker (stock reserved) -> broker ->
orders' worker (awaiting payment). Payments' events are stood in for by orders' own outbox and
relay (same broker, same envelopes): an authorized payment makes the order processing; a vendor's
refusal goes back to catalog, which releases its stock; a failed payment leaves the order awaiting
payment for the customer's next attempt, until the last allowed one cancels it and catalog gives
the stock back.
"""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from catalog.app import definition as catalog_definition
from catalog.models import Offer
from catalog.testing import CatalogWorld
from chassis.runtime_settings import change as change_settings
from orders.app import definition as orders_definition
from orders.domain.placement import OfferQuote, RequestedLine
from orders.fulfilment import Caller, refuse
from orders.models import Order, VendorOrder
from orders.placement import PlaceOrder, place_order
from orders.settings import OrdersRuntimeSettings

pytestmark = pytest.mark.slow

ADDRESS = {"name": "Ada Lovelace", "line1": "1 Rue de la Paix", "postal_code": "75002", "city": "Paris",
           "country": "FR", "phone": "+33 1 23 45 67 89"}


@pytest.fixture
def orders_app(service_app):
    return service_app(orders_definition())


@pytest.fixture
def catalog_app(service_app):
    return service_app(catalog_definition())


@pytest.fixture
def workers(orders_app, catalog_app, processes, tmp_path):
    for service, app in (("orders", orders_app), ("catalog", catalog_app)):
        processes(service, "worker", settings=app.extensions["chassis.runtime"].settings, tmp_path=tmp_path)


def runtime_of(app):
    return app.extensions["chassis.runtime"]


def place(orders_app, offer: dict, quantity: int) -> str:
    """A customer's order of ``quantity`` units of the catalog offer, priced as catalog's quote says."""
    quote = OfferQuote(offer_id=offer["id"], product_id=offer["product_id"], category_id=None,
                       vendor_id=offer["vendor_id"], title="Trail runner", price_minor=offer["price_minor"],
                       shipping_minor=offer["shipping_minor"], currency=offer["currency"])
    with runtime_of(orders_app).uow() as uow:
        order = place_order(uow, "customer-1", PlaceOrder([RequestedLine(offer["id"], quantity)], ADDRESS),
                            {offer["id"]: quote}).order
        uow.commit()
        return order.id


def publish(app, event_type: str, data: dict) -> None:
    with runtime_of(app).uow() as uow:
        uow.publish(event_type, data)
        uow.commit()


def wait_for_status(orders_app, order_id: str, status: str, timeout: float = 30.0) -> Order:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with runtime_of(orders_app).database.sessions() as session:
            order = session.get(Order, order_id)
            if order.status == status:
                return order
        time.sleep(0.2)
    raise AssertionError(f"order {order_id} is {order.status}, not {status}, after {timeout}s")


def stock(catalog_app, offer_id: str, expected: tuple[int, int], timeout: float = 30.0) -> tuple[int, int]:
    """(available, reserved) of the offer once it is ``expected`` (or what it is at the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        with runtime_of(catalog_app).database.sessions() as session:
            offer = session.get(Offer, offer_id)
            now = (offer.available, offer.reserved)
        if now == expected or time.monotonic() > deadline:
            return now
        time.sleep(0.2)


def test_an_order_is_reserved_paid_refused_and_its_stock_released_through_the_workers(orders_app, catalog_app,
                                                                                      bearer, workers):
    world = CatalogWorld(catalog_app, bearer)
    offer = world.offer(world.approved_product()["id"], quantity=5)
    order_id = place(orders_app, offer, 3)

    order = wait_for_status(orders_app, order_id, "awaiting_payment")
    assert stock(catalog_app, offer["id"], (2, 3)) == (2, 3)

    publish(orders_app, "payment.authorized", {"payment_id": "pay-1", "order_id": order_id,
                                               "amount_minor": order.total_minor, "currency": "EUR"})
    wait_for_status(orders_app, order_id, "processing")
    with runtime_of(orders_app).database.sessions() as session:
        [vendor_order] = session.scalars(select(VendorOrder).where(VendorOrder.order_id == order_id)).all()
        assert vendor_order.status == "awaiting_acceptance"

    with runtime_of(orders_app).uow() as uow:  # what POST /api/v1/vendor-orders/<id>/refuse does
        refuse(uow, vendor_order.id, Caller(actor={"kind": "user", "id": "vendor-staff"},
                                            vendor_id=offer["vendor_id"]), "out of stock")
        uow.commit()
    wait_for_status(orders_app, order_id, "cancelled")  # its only vendor order refused
    assert stock(catalog_app, offer["id"], (5, 0)) == (5, 0)


def test_failed_payments_keep_the_stock_until_the_last_allowed_one_cancels_the_order(orders_app, catalog_app,
                                                                                       bearer, workers):
    with runtime_of(orders_app).uow() as uow:
        change_settings(uow, OrdersRuntimeSettings, {"payment_attempts": 2}, reason="two tries")
        uow.commit()
    world = CatalogWorld(catalog_app, bearer)
    offer = world.offer(world.approved_product()["id"], quantity=4)
    order_id = place(orders_app, offer, 4)
    wait_for_status(orders_app, order_id, "awaiting_payment")
    assert stock(catalog_app, offer["id"], (0, 4)) == (0, 4)

    publish(orders_app, "payment.failed", {"payment_id": "pay-2", "order_id": order_id,
                                           "reason_code": "card_declined"})
    assert wait_for_failures(orders_app, order_id, 1).status == "awaiting_payment"
    assert stock(catalog_app, offer["id"], (0, 4)) == (0, 4)
    publish(orders_app, "payment.failed", {"payment_id": "pay-3", "order_id": order_id,
                                           "reason_code": "insufficient_funds"})

    assert wait_for_status(orders_app, order_id, "cancelled").status_reason == "insufficient_funds"
    assert stock(catalog_app, offer["id"], (4, 0)) == (4, 0)


def wait_for_failures(orders_app, order_id: str, failures: int, timeout: float = 30.0) -> Order:
    deadline = time.monotonic() + timeout
    while True:
        with runtime_of(orders_app).database.sessions() as session:
            order = session.get(Order, order_id)
            session.expunge(order)
        if order.payment_failures >= failures or time.monotonic() > deadline:
            return order
        time.sleep(0.1)


def test_an_order_for_more_than_the_stock_is_rejected(orders_app, catalog_app, bearer, workers):
    world = CatalogWorld(catalog_app, bearer)
    offer = world.offer(world.approved_product()["id"], quantity=2)

    order_id = place(orders_app, offer, 3)

    assert wait_for_status(orders_app, order_id, "rejected").status_reason == "insufficient_stock"
    assert stock(catalog_app, offer["id"], (2, 0)) == (2, 0)
