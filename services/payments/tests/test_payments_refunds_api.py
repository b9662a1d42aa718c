"""GET /api/v1/refunds: each caller reads only its own refunds; operators read all and filter them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from payments.models import Refund
from payments.testing import Marketplace

REFUNDS = "/api/v1/refunds"


class Refunded:
    """cus-1's order: 10.00 refunded on ven-a, 5.00 on ven-b; cus-2's order: 7.00 on ven-a;
    cus-1's second order, paid with a card whose refunds fail: 3.00 asked of ven-b, failed."""

    def __init__(self, app) -> None:
        self.app = app
        self.mine, self.theirs, self.failing = Marketplace(app), Marketplace(app), Marketplace(app)
        self._paid(self.mine, "cus-1", "pm_card_visa", {"ven-a": 1000, "ven-b": 500})
        self._paid(self.theirs, "cus-2", "pm_card_visa", {"ven-a": 700})
        self._paid(self.failing, "cus-1", "pm_card_refundDeclined", {"ven-b": 300})

    @staticmethod
    def _paid(market: Marketplace, customer_id: str, method: str, refunds: dict[str, int]) -> None:
        market.placed(customer_id=customer_id)
        market.pay(method, customer_id=customer_id)
        for vendor, amount in refunds.items():
            market.vendor_order_event("vendor_order.accepted", vendor)
            market.refund_requested(vendor, amount)

    def refund(self, market: Marketplace, vendor: str) -> dict:
        with self.app.extensions["chassis.runtime"].uow() as uow:
            row = uow.session.scalars(select(Refund).where(
                Refund.vendor_order_id == market.vendor_orders[vendor])).one()
            return {column.key: getattr(row, column.key) for column in Refund.__table__.columns}


@pytest.fixture
def world(app):
    return Refunded(app)


def listed(app, caller: dict, **query) -> list[dict]:
    response = app.test_client().get(REFUNDS, query_string=query, headers=caller)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def amounts(refunds: list[dict]) -> list[tuple[str, str, int]]:
    return sorted((refund["order_id"], refund["vendor_id"], refund["amount_minor"]) for refund in refunds)


def test_a_refund_reads_whole_for_operators(app, world, operator):
    stored = world.refund(world.mine, "ven-a")
    read = app.test_client().get(f"{REFUNDS}/{stored['id']}", headers=operator).get_json()
    assert {key: value for key, value in read.items() if key != "created_at"} == {
        "id": stored["id"], "refund_request_id": stored["refund_request_id"], "payment_id": stored["payment_id"],
        "order_id": world.mine.order_id, "vendor_order_id": world.mine.vendor_orders["ven-a"], "vendor_id": "ven-a",
        "customer_id": "cus-1", "return_id": "ret-1", "status": "refunded", "currency": "EUR", "amount_minor": 1000,
        "commission_reversed_minor": stored["commission_reversed_minor"], "reason": "arrived broken",
        "failure_code": None}
    assert stored["commission_reversed_minor"] > 0


def test_a_customer_lists_their_own_refunds_without_the_commission(app, world, customer):
    mine = listed(app, customer)
    assert amounts(mine) == sorted([(world.mine.order_id, "ven-a", 1000), (world.mine.order_id, "ven-b", 500),
                                    (world.failing.order_id, "ven-b", 300)])
    assert {refund["commission_reversed_minor"] for refund in mine} == {None}
    assert listed(app, customer, customer_id="cus-2") == []  # filters narrow, never widen


def test_a_customer_cannot_read_another_customers_refund(app, world, customer, other_customer):
    theirs = world.refund(world.theirs, "ven-a")["id"]
    assert app.test_client().get(f"{REFUNDS}/{theirs}", headers=other_customer).status_code == 200
    refused = app.test_client().get(f"{REFUNDS}/{theirs}", headers=customer)
    assert (refused.status_code, refused.mimetype) == (404, "application/problem+json")


def test_a_vendor_lists_only_its_own_refunds(app, world, vendor_a, vendor_b):
    assert amounts(listed(app, vendor_a)) == sorted([(world.mine.order_id, "ven-a", 1000),
                                                     (world.theirs.order_id, "ven-a", 700)])
    assert amounts(listed(app, vendor_b)) == sorted([(world.mine.order_id, "ven-b", 500),
                                                     (world.failing.order_id, "ven-b", 300)])
    assert listed(app, vendor_b, vendor_id="ven-a") == []


def test_a_vendor_cannot_read_another_vendors_refund_of_the_same_order(app, world, vendor_a, vendor_b):
    of_a = world.refund(world.mine, "ven-a")["id"]
    assert app.test_client().get(f"{REFUNDS}/{of_a}", headers=vendor_a).get_json()["commission_reversed_minor"] > 0
    assert app.test_client().get(f"{REFUNDS}/{of_a}", headers=vendor_b).status_code == 404


def test_operators_list_every_refund_and_filter_them(app, world, operator):
    assert len(listed(app, operator)) == 4
    assert amounts(listed(app, operator, status="failed")) == [(world.failing.order_id, "ven-b", 300)]
    assert listed(app, operator, status="failed")[0]["failure_code"] == "refund_declined"
    assert amounts(listed(app, operator, vendor_id="ven-a")) == sorted([(world.mine.order_id, "ven-a", 1000),
                                                                        (world.theirs.order_id, "ven-a", 700)])
    assert amounts(listed(app, operator, order_id=world.mine.order_id)) == sorted(
        [(world.mine.order_id, "ven-a", 1000), (world.mine.order_id, "ven-b", 500)])
    assert amounts(listed(app, operator, customer_id="cus-2", status="refunded")) == [
        (world.theirs.order_id, "ven-a", 700)]


def test_an_unknown_status_filter_is_a_422(app, world, operator):
    response = app.test_client().get(REFUNDS, query_string={"status": "pending"}, headers=operator)
    assert (response.status_code, list(response.get_json()["errors"])) == (422, ["status"])


def test_an_unknown_refund_is_not_found(app, operator):
    assert app.test_client().get(f"{REFUNDS}/nope", headers=operator).status_code == 404
