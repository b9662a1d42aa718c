"""The saga's first step across real processes: orders' outbox -> broker -> catalog's worker reserves stock
(or refuses it) and relays stock.reserved / stock.rejected; a vendor's suspension hides its offers."""
from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select

from catalog.app import definition as catalog_definition
from catalog.models import Offer, Product
from catalog.testing import CatalogWorld, VENDOR_A
from chassis.tables import outbox
from contracts.examples import example
from orders.app import definition as orders_definition

pytestmark = pytest.mark.slow


@pytest.fixture
def orders_app(service_app):
    return service_app(orders_definition())


@pytest.fixture
def catalog_app(service_app):
    return service_app(catalog_definition())


def settings_of(app):
    return app.extensions["chassis.runtime"].settings


def publish(app, event_type: str, data: dict) -> None:
    with app.extensions["chassis.runtime"].uow() as uow:
        uow.publish(event_type, data)
        uow.commit()


def order_for(offer: dict, quantity: int) -> dict:
    order_id = str(uuid.uuid4())
    line = {"line_id": str(uuid.uuid4()), "offer_id": offer["id"], "product_id": offer["product_id"],
            "category_id": None, "vendor_id": offer["vendor_id"], "quantity": quantity, "unit_price_minor": 1000,
            "title": "Trail runner"}
    total = 1000 * quantity
    return example("order.placed", order_id=order_id, customer_id="customer-1", total_minor=total, vendor_orders=[
        {"vendor_order_id": str(uuid.uuid4()), "vendor_id": offer["vendor_id"], "items_total_minor": total,
         "shipping_minor": 0, "total_minor": total, "lines": [line]}])


def relayed(app, event_type: str, order_id: str, timeout: float = 30.0) -> dict:
    """The event catalog's worker published (relayed to the broker) about ``order_id``."""
    sessions = app.extensions["chassis.runtime"].database.sessions
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as session:
            for envelope, published_at in session.execute(
                    select(outbox.c.envelope, outbox.c.published_at).where(outbox.c.event_type == event_type)):
                if envelope["data"].get("order_id") == order_id and published_at is not None:
                    return envelope["data"]
        time.sleep(0.2)
    raise AssertionError(f"no relayed {event_type} for order {order_id}")


def test_catalog_worker_reserves_what_orders_placed_and_refuses_the_rest(orders_app, catalog_app, bearer, processes,
                                                                         tmp_path):
    world = CatalogWorld(catalog_app, bearer)
    offer = world.offer(world.approved_product()["id"], quantity=5)
    processes("orders", "worker", settings=settings_of(orders_app), tmp_path=tmp_path)
    processes("catalog", "worker", settings=settings_of(catalog_app), tmp_path=tmp_path)

    first, second = order_for(offer, 3), order_for(offer, 3)
    publish(orders_app, "order.placed", first)
    reserved = relayed(catalog_app, "stock.reserved", first["order_id"])
    publish(orders_app, "order.placed", second)
    rejected = relayed(catalog_app, "stock.rejected", second["order_id"])

    assert [(line["offer_id"], line["quantity"]) for line in reserved["lines"]] == [(offer["id"], 3)]
    assert [(line["reason"], line["available_quantity"]) for line in rejected["lines"]] == [("insufficient_stock", 2)]
    with catalog_app.extensions["chassis.runtime"].database.sessions() as session:
        stored = session.get(Offer, offer["id"])
        assert (stored.available, stored.reserved) == (2, 3)


def test_a_suspended_vendor_leaves_the_storefront_through_the_worker(orders_app, catalog_app, bearer, processes,
                                                                    tmp_path):
    world = CatalogWorld(catalog_app, bearer)
    product = world.approved_product()
    world.offer(product["id"])
    processes("orders", "worker", settings=settings_of(orders_app), tmp_path=tmp_path)
    processes("catalog", "worker", settings=settings_of(catalog_app), tmp_path=tmp_path)
    # identity's event; orders' outbox and relay stand in for identity's (same broker, same envelope)
    publish(orders_app, "vendor.suspended", {"vendor_id": VENDOR_A, "reason": "unpaid fees",
                                             "actor": {"kind": "user", "id": "op-1"}})
    sessions = catalog_app.extensions["chassis.runtime"].database.sessions
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with sessions() as session:
            if not session.get(Product, product["id"]).listed:
                break
        time.sleep(0.2)
    assert world.call("GET", "/api/v1/products").get_json() == []
