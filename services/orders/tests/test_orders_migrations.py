"""The orders revisions go both ways, and the database itself refuses impossible rows."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from chassis import migrations
from orders.app import definition
from orders.models import Order, OrderLine, RefundRequest, VendorOrder
from orders.models.base import new_id, now

ORDERS_TABLES = {"orders", "vendor_orders", "order_lines", "order_timeline", "shipments", "shipment_lines",
                 "returns", "return_lines", "refund_requests"}


@pytest.fixture
def runtime(service_app):
    return service_app(definition()).extensions["chassis.runtime"]


def table_names(runtime) -> set[str]:
    return set(inspect(runtime.database.engine).get_table_names())


def test_the_orders_revision_downgrades_to_the_chassis_tables_and_upgrades_again(runtime):
    assert ORDERS_TABLES <= table_names(runtime)
    migrations.downgrade(runtime, "0001")
    assert not ORDERS_TABLES & table_names(runtime)
    migrations.upgrade(runtime)
    assert ORDERS_TABLES <= table_names(runtime)


def test_the_refund_requests_revision_downgrades_to_0002_and_upgrades_again(runtime):
    migrations.downgrade(runtime, "0002")
    assert table_names(runtime) & ORDERS_TABLES == ORDERS_TABLES - {"refund_requests"}
    migrations.upgrade(runtime)
    assert ORDERS_TABLES <= table_names(runtime)


def order_row(**overrides) -> Order:
    values = dict(id=new_id(), customer_id="cus-1", status="pending", currency="EUR", items_total_minor=1000,
                  shipping_minor=490, total_minor=1490, shipping_address={}, created_at=now(), updated_at=now())
    return Order(**{**values, **overrides})


def vendor_order_row(order_id: str) -> VendorOrder:
    return VendorOrder(id=new_id(), order_id=order_id, vendor_id="ven-a", customer_id="cus-1", status="pending",
                       currency="EUR", items_total_minor=1000, shipping_minor=490, total_minor=1490,
                       refunded_minor=0, status_changed_at=now(), created_at=now(), updated_at=now())


def line_row(order_id: str, vendor_order_id: str, **overrides) -> OrderLine:
    values = dict(id=new_id(), order_id=order_id, vendor_order_id=vendor_order_id, position=0, offer_id="off-1",
                  product_id="prd-1", vendor_id="ven-a", title="Teapot", unit_price_minor=500, shipping_minor=490,
                  quantity=2, currency="EUR", shipped_quantity=0, returned_quantity=0)
    return OrderLine(**{**values, **overrides})


def store(runtime, *rows) -> None:
    with runtime.uow() as uow:
        for row in rows:
            uow.session.add(row)
            uow.session.flush()
        uow.commit()


def test_a_consistent_order_is_stored(runtime):
    order = order_row()
    vendor_order = vendor_order_row(order.id)
    store(runtime, order, vendor_order, line_row(order.id, vendor_order.id))


@pytest.mark.parametrize("overrides", [{"status": "teleported"}, {"total_minor": 1491},
                                       {"items_total_minor": -10, "total_minor": 480}])
def test_the_database_refuses_an_unknown_status_or_a_total_that_does_not_add_up(runtime, overrides):
    with pytest.raises(IntegrityError):
        store(runtime, order_row(**overrides))


@pytest.mark.parametrize("overrides", [{"quantity": 0}, {"quantity": 100}, {"shipped_quantity": 3},
                                       {"shipped_quantity": 1, "returned_quantity": 2}])
def test_the_database_refuses_shipping_or_returning_more_than_was_sold(runtime, overrides):
    order = order_row()
    vendor_order = vendor_order_row(order.id)
    store(runtime, order, vendor_order)
    with pytest.raises(IntegrityError):
        store(runtime, line_row(order.id, vendor_order.id, **overrides))


def refund_request_row(order_id: str, vendor_order_id: str, **overrides) -> RefundRequest:
    values = dict(id=new_id(), order_id=order_id, vendor_order_id=vendor_order_id, cause="cancellation",
                  amount_minor=1490, currency="EUR", reason="changed my mind", status="requested", created_at=now(),
                  updated_at=now())
    return RefundRequest(**{**values, **overrides})


@pytest.mark.parametrize("overrides", [{"status": "lost"}, {"cause": "whim"}, {"amount_minor": 0},
                                       {"refunded_minor": -1}])
def test_the_database_refuses_an_unknown_refund_status_or_cause_or_an_empty_amount(runtime, overrides):
    order = order_row()
    vendor_order = vendor_order_row(order.id)
    store(runtime, order, vendor_order, refund_request_row(order.id, vendor_order.id))
    with pytest.raises(IntegrityError):
        store(runtime, refund_request_row(order.id, vendor_order.id, **overrides))


def refund_causes(runtime) -> list[str]:
    with runtime.uow() as uow:
        return list(uow.session.scalars(select(RefundRequest.cause).order_by(RefundRequest.created_at)))


def test_the_goodwill_revision_goes_back_to_0004_with_goodwill_requests_kept_as_payments_ones(runtime):
    order = order_row()
    vendor_order = vendor_order_row(order.id)
    store(runtime, order, vendor_order, refund_request_row(order.id, vendor_order.id, cause="goodwill"))

    migrations.downgrade(runtime, "0004")
    assert refund_causes(runtime) == ["payments"]
    with pytest.raises(IntegrityError):
        store(runtime, refund_request_row(order.id, vendor_order.id, cause="goodwill"))

    migrations.upgrade(runtime)
    store(runtime, refund_request_row(order.id, vendor_order.id, cause="goodwill"))
    assert sorted(refund_causes(runtime)) == ["goodwill", "payments"]


def test_one_payments_refund_settles_one_request_at_most(runtime):
    order = order_row()
    vendor_order = vendor_order_row(order.id)
    store(runtime, order, vendor_order, refund_request_row(order.id, vendor_order.id, payment_refund_id="rfd-1"))
    with pytest.raises(IntegrityError):
        store(runtime, refund_request_row(order.id, vendor_order.id, payment_refund_id="rfd-1"))
