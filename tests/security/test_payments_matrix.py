"""Payments' OpenAPI matrix (see this folder's conftest): every operation of its document called by vendor A and
a customer (cus-1) on the money of another customer's order from vendor B; mass assignment, body and page limits."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from payments.models import Payment, Payout, Refund
from payments.models.base import now
from payments.payouts import Trigger, run_payouts
from payments.testing import Marketplace
from .matrix_tests import *  # noqa: F401,F403  (every shared test, collected on this module's world)


def definition():
    from payments.app import definition
    return definition()


VENDOR_OPERATIONS = {
    "GET /api/v1/payments", "GET /api/v1/payments/{payment_id}", "GET /api/v1/refunds",
    "GET /api/v1/refunds/{refund_id}", "GET /api/v1/payouts", "GET /api/v1/payouts/{payout_id}",
    "GET /api/v1/commission-rules", "GET /api/v1/commission-rules/preview", "GET /api/v1/commission-rules/{rule_id}",
    "GET /api/v1/balances", "GET /api/v1/balances/{vendor_id}", "GET /api/v1/ledger/statement",
    "GET /api/v1/ledger/invoices/{vendor_id}/{month}",
}
CUSTOMER_OPERATIONS = {
    "POST /api/v1/payments", "GET /api/v1/payments", "GET /api/v1/payments/{payment_id}",
    "GET /api/v1/refunds", "GET /api/v1/refunds/{refund_id}",
}
PATH_VALUES = {"month": datetime.now(timezone.utc).strftime("%Y-%m")}


@pytest.fixture(scope="module")
def world(module_app, issue) -> dict[str, str]:
    """cus-2's order from ven-b alone: paid, captured, completed, partly refunded and paid out; a ven-b rule."""
    market = vendor_b_order_of_another_customer(module_app)
    market.pay(customer_id="cus-2")
    market.vendor_order_event("vendor_order.accepted", "ven-b")
    market.vendor_order_event("vendor_order.completed", "ven-b")
    market.refund_requested("ven-b", 1000)
    run_id = run_payouts(market.runtime.uow, Trigger.OPERATOR, "op-1")
    rule = module_app.test_client().post("/api/v1/commission-rules", json={"vendor_id": "ven-b", "rate_bps": 900},
                                         headers=issue(subject="op-admin", roles=["operator", "admin"]))
    assert rule.status_code == 201, rule.get_json()
    with market.runtime.uow() as uow:
        ids = {"payment_id": uow.session.scalars(select(Payment.id)).one(),
               "refund_id": uow.session.scalars(select(Refund.id)).one(),
               "payout_id": uow.session.scalars(select(Payout.id).where(Payout.vendor_id == "ven-b")).one()}
    return {**ids, "run_id": run_id, "rule_id": rule.get_json()["id"], "vendor_id": "ven-b", "customer_id": "cus-2",
            "order_id": market.order_id}


def vendor_b_order_of_another_customer(app) -> Marketplace:
    market = Marketplace(app)
    vendor_order_id = market.vendor_orders["ven-b"]
    line = {"line_id": "l1", "offer_id": "off-1", "product_id": "prd-1", "category_id": "toys", "vendor_id": "ven-b",
            "quantity": 1, "unit_price_minor": 3000, "title": "Kettle"}
    market.deliver("order.placed", {
        "order_id": market.order_id, "customer_id": "cus-2", "currency": "EUR", "total_minor": 3000,
        "placed_at": now().isoformat(), "vendor_orders": [{
            "vendor_order_id": vendor_order_id, "vendor_id": "ven-b", "items_total_minor": 3000,
            "shipping_minor": 0, "total_minor": 3000, "lines": [line]}]})
    market.deliver("order.awaiting_payment", {"order_id": market.order_id, "customer_id": "cus-2",
                                              "currency": "EUR", "total_minor": 3000})
    return market
