"""Orders' OpenAPI matrix (see this folder's conftest): every operation of its document called by vendor A and a
customer (cus-1) on another customer's order with vendor B's vendor order and return; mass assignment, body and
page limits."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from orders.domain.placement import OfferQuote, RequestedLine
from orders.models import OrderLine, VendorOrder
from orders.placement import PlaceOrder, place_order
from orders.transitions import move_order, move_vendor_order
from .matrix_tests import *  # noqa: F401,F403  (every shared test, collected on this module's world)


def definition():
    from orders.app import definition
    return definition()


VENDOR_OPERATIONS = {
    "GET /api/v1/vendor-orders", "GET /api/v1/vendor-orders/{vendor_order_id}",
    "POST /api/v1/vendor-orders/{vendor_order_id}/accept", "POST /api/v1/vendor-orders/{vendor_order_id}/refuse",
    "POST /api/v1/vendor-orders/{vendor_order_id}/shipments", "POST /api/v1/vendor-orders/{vendor_order_id}/deliver",
    "POST /api/v1/vendor-orders/{vendor_order_id}/cancel", "POST /api/v1/vendor-orders/{vendor_order_id}/refunds",
    "GET /api/v1/returns", "GET /api/v1/returns/{return_id}", "POST /api/v1/returns/{return_id}/approve",
    "POST /api/v1/returns/{return_id}/refuse", "POST /api/v1/returns/{return_id}/receive",
}
CUSTOMER_OPERATIONS = {
    "POST /api/v1/orders", "GET /api/v1/orders", "GET /api/v1/orders/{order_id}",
    "POST /api/v1/orders/{order_id}/cancel", "POST /api/v1/vendor-orders/{vendor_order_id}/deliver",
    "POST /api/v1/vendor-orders/{vendor_order_id}/cancel",
    "POST /api/v1/returns", "GET /api/v1/returns", "GET /api/v1/returns/{return_id}",
    "POST /api/v1/returns/{return_id}/ship",
}
ADDRESS = {"name": "Grace Hopper", "line1": "1 Navy Way", "line2": None, "postal_code": "75011", "city": "Paris",
           "country": "FR", "phone": "+33 6 12 34 56 78"}
SYSTEM = {"kind": "system", "id": None}
BODIES = {"POST /api/v1/returns/{return_id}/approve": {"return_address": ADDRESS, "rma_number": "RMA-1"}}


@pytest.fixture(scope="module")
def world(module_app, issue) -> dict[str, str]:
    """cus-2's order of a kettle from ven-b: its vendor order delivered, and a return of it requested."""
    vendor_b, other_customer = issue(subject="staff-b", roles=["vendor"], vendor_id="ven-b"), \
        issue(subject="cus-2", roles=["customer"])
    order_id, vendor_order_id, line_id = processing_order(module_app)
    client = module_app.test_client()
    base = f"/api/v1/vendor-orders/{vendor_order_id}"
    steps = [(f"{base}/accept", vendor_b, None),
             (f"{base}/shipments", vendor_b, {"carrier": "colissimo", "tracking_number": "6A1",
                                              "lines": [{"line_id": line_id, "quantity": 1}]}),
             (f"{base}/deliver", other_customer, None),
             ("/api/v1/returns", other_customer, {"vendor_order_id": vendor_order_id, "reason_code": "damaged",
                                                  "lines": [{"line_id": line_id, "quantity": 1}]})]
    answers = [client.post(path, headers={**caller, "Idempotency-Key": path}, json=body or {})
               for path, caller, body in steps]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 201], [a.get_json() for a in answers]
    return {"order_id": order_id, "vendor_order_id": vendor_order_id, "return_id": answers[-1].get_json()["id"],
            "vendor_id": "ven-b", "customer_id": "cus-2"}


def processing_order(app) -> tuple[str, str, str]:
    """cus-2's paid order of one kettle from ven-b, as the saga leaves it: (order, vendor order, line) ids."""
    quotes = {"kettle": OfferQuote("kettle", "prd-kettle", None, "ven-b", "Kettle", 4000, 590, "EUR")}
    with app.extensions["chassis.runtime"].uow() as uow:
        order = place_order(uow, "cus-2", PlaceOrder([RequestedLine("kettle", 1)], ADDRESS), quotes).order
        move_order(uow.session, order, "awaiting_payment", SYSTEM)
        move_order(uow.session, order, "processing", SYSTEM)
        vendor_order = uow.session.scalars(select(VendorOrder).where(VendorOrder.order_id == order.id)).one()
        move_vendor_order(uow.session, vendor_order, "awaiting_acceptance", SYSTEM)
        line_id = uow.session.scalars(select(OrderLine.id).where(OrderLine.vendor_order_id == vendor_order.id)).one()
        uow.commit()
        return order.id, vendor_order.id, line_id
