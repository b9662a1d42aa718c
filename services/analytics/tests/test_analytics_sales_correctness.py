"""The sales figures equal payments' to the cent: orders driven through payments' real consumer and use cases
(paid, refused, cancelled, refunded, returned), the same events and payments' own captures and refunds handed
to analytics, then every figure compared with payments' charges and ledger; re-delivering everything changes
nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from analytics.testing import SalesEvents, return_event
from payments.models import Charge
from payments.models.base import now
from payments.testing import Marketplace

ANALYTICS_EVENTS = ("order.placed", "order.cancelled", "vendor_order.refused", "vendor_order.cancelled")
PAYMENTS_EVENTS = ("payment.captured", "payment.refunded")


class MirroredOrder(Marketplace):
    """A payments ``Marketplace`` order whose orders-side events analytics receives too."""

    def __init__(self, payments_app, sales: SalesEvents, customer_id: str) -> None:
        super().__init__(payments_app)
        self.sales, self.customer_id = sales, customer_id

    def deliver(self, event_type: str, data: dict | None = None, **fields) -> str:
        outcome = super().deliver(event_type, data, **fields)
        if event_type in ANALYTICS_EVENTS:
            self.sales.send(event_type, data or self._facts(**fields), now())
        return outcome

    def placed(self, customer_id: str | None = None) -> None:
        super().placed(customer_id or self.customer_id)

    def pay(self, method: str = "pm_card_visa", customer_id: str | None = None):
        return super().pay(method, customer_id or self.customer_id)

    def accepted(self, *vendors: str) -> None:
        for vendor in vendors:
            self.vendor_order_event("vendor_order.accepted", vendor)


@pytest.fixture
def payments_app(service_app):
    from payments.app import definition
    return service_app(definition())


@pytest.fixture
def world(app, payments_app):
    """Four orders: paid and accepted by both then ven-a refunds 10.00 after a return; paid, ven-a accepts and ven-b
    refuses; cancelled before payment; paid, ven-b accepts then refunds it all."""
    sales = SalesEvents(app)
    first, second, third, fourth = (MirroredOrder(payments_app, sales, customer)
                                    for customer in ("cus-1", "cus-2", "cus-1", "cus-3"))
    for order in (first, second, fourth):
        order.placed()
        order.pay()
    first.accepted("ven-a", "ven-b")
    sales.send("return.requested", return_event("ret-1", first.order_id, first.vendor_orders["ven-a"], "ven-a", "l1"),
               now())
    sales.send("return.received", return_event("ret-1", first.order_id, first.vendor_orders["ven-a"], "ven-a", "l1"),
               now())
    first.refund_requested("ven-a", 1000)
    second.accepted("ven-a")
    second.vendor_order_event("vendor_order.refused", "ven-b")
    third.placed()
    third.cancelled()
    fourth.accepted("ven-b")
    fourth.refund_requested("ven-b", 3000)
    assert set(sales.relay(payments_app.extensions["chassis.runtime"], PAYMENTS_EVENTS)) == {"handled"}
    return sales


def charges(payments_app) -> list[Charge]:
    with payments_app.extensions["chassis.runtime"].uow() as uow:
        found = list(uow.session.scalars(select(Charge)))
        uow.session.expunge_all()
    return found


def money(client, headers, **query) -> dict:
    today = now().date().isoformat()
    body = client.get("/api/v1/stats/summary", query_string={"from": today, "to": today, "tz": "UTC", **query},
                      headers=headers).get_json()
    return {"counts": body["counts"], **(body["money"][0] if body["money"] else {})}


def expected(charged: list[Charge]) -> dict:
    gmv = sum(charge.captured_minor for charge in charged)
    refunds = sum(charge.refunded_minor for charge in charged)
    captured_orders = len({charge.order_id for charge in charged if charge.captured_minor})
    return {"gmv_minor": gmv, "refunds_minor": refunds, "net_sales_minor": gmv - refunds,
            "commission_revenue_minor": sum(c.commission_minor - c.commission_reversed_minor for c in charged),
            "average_basket_minor": (2 * gmv + captured_orders) // (2 * captured_orders)}


def test_every_figure_equals_what_payments_holds(client, operator, world, payments_app):
    charged = charges(payments_app)
    figures = money(client, operator)
    assert {key: figures[key] for key in expected(charged)} == expected(charged)
    assert figures["gmv_minor"] == 2500 + 3000 + 2500 + 3000 and figures["commission_revenue_minor"] > 0
    assert figures["counts"] | {} == {"orders": 4, "captured_orders": 3, "units": 2 + 1 + 2 + 1,
                                      "cancelled_orders": 1, "cancellations": 0, "refusals": 1, "new_customers": 3,
                                      "returning_customers": 1, "returns_requested": 1, "returns_received": 1}


@pytest.mark.parametrize("vendor", ["ven-a", "ven-b"])
def test_each_vendors_figures_equal_its_charges_and_ledger(client, operator, world, payments_app, vendor):
    charged = [charge for charge in charges(payments_app) if charge.vendor_id == vendor]
    figures = money(client, operator, vendor_id=vendor)
    mine = expected(charged)
    mine.pop("average_basket_minor")
    assert {key: figures[key] for key in mine} == mine
    balances = Marketplace(payments_app).balances(vendor)
    owed = sum(balance.pending_minor + balance.available_minor for balance in balances)
    assert owed == figures["net_sales_minor"] - figures["commission_revenue_minor"]


def test_redelivering_every_event_changes_no_figure(client, operator, world):
    before = world.rollups()
    assert set(world.redeliver_all()) == {"duplicate"}
    world.redeliver_all(new_ids=True)
    assert world.rollups() == before
