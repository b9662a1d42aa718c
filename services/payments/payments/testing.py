"""Test helpers: an order's money driven through payments' real consumer and use cases."""
from __future__ import annotations

import uuid

from chassis.testing.events import deliver, published
from payments import ledger_book
from payments.authorization import Pay, pay
from payments.events import handlers_by_type
from payments.models import Charge, Payment
from payments.models.base import now


class Marketplace:
    """An order of two vendor orders (ven-a: 2 × 10.00 + 5.00 shipping, ven-b: 1 × 30.00) and its money."""

    def __init__(self, app) -> None:
        self.runtime = app.extensions["chassis.runtime"]
        self.order_id = str(uuid.uuid4())
        self.vendor_orders = {"ven-a": f"vo-a-{self.order_id[:8]}", "ven-b": f"vo-b-{self.order_id[:8]}"}

    def deliver(self, event_type: str, data: dict | None = None, **fields) -> str:
        return deliver(self.runtime, handlers_by_type(), event_type, data or self._facts(**fields))

    def placed(self, customer_id: str = "cus-1") -> None:
        a, b = self.vendor_orders["ven-a"], self.vendor_orders["ven-b"]
        self.deliver("order.placed", {
            "order_id": self.order_id, "customer_id": customer_id, "currency": "EUR", "total_minor": 5500,
            "placed_at": now().isoformat(), "vendor_orders": [
                _part(a, "ven-a", 2000, 500, [("l1", "books", 2, 1000)]),
                _part(b, "ven-b", 3000, 0, [("l2", "toys", 1, 3000)])]})
        self.deliver("order.awaiting_payment", {"order_id": self.order_id, "customer_id": customer_id,
                                                "currency": "EUR", "total_minor": 5500})

    def pay(self, method: str = "pm_card_visa", customer_id: str = "cus-1") -> Payment:
        return pay(self.runtime.uow(), Pay(self.order_id, customer_id, method))

    def vendor_order_event(self, event_type: str, vendor: str) -> str:
        return self.deliver(event_type, {"order_id": self.order_id, "vendor_order_id": self.vendor_orders[vendor],
                                         "vendor_id": vendor, "customer_id": "cus-1", "currency": "EUR",
                                         "total_minor": 2500 if vendor == "ven-a" else 3000, "reason": "out_of_stock"})

    def refund_requested(self, vendor: str, amount: int, request_id: str | None = None) -> str:
        return self.deliver("refund.requested", {
            "refund_request_id": request_id or str(uuid.uuid4()), "cause": "return", "return_id": "ret-1",
            "order_id": self.order_id, "vendor_order_id": self.vendor_orders[vendor], "vendor_id": vendor,
            "amount_minor": amount, "currency": "EUR", "reason": "arrived broken"})

    def charge(self, vendor: str) -> Charge:
        with self.runtime.uow() as uow:
            charge = uow.session.get(Charge, self.vendor_orders[vendor])
            uow.session.expunge(charge)
            return charge

    def balances(self, vendor: str) -> list[ledger_book.VendorBalance]:
        with self.runtime.uow() as uow:
            return ledger_book.vendor_balances(uow.session, vendor)

    def published(self, event_type: str) -> list[dict]:
        return published(self.runtime, event_type, lambda data: data.get("order_id") == self.order_id)

    def cancelled(self, reason: str = "customer_cancelled") -> str:
        return self.deliver("order.cancelled", {"order_id": self.order_id, "customer_id": "cus-1", "currency": "EUR",
                                                "total_minor": 5500, "reason": reason})

    def _facts(self, **fields) -> dict:
        return {"order_id": self.order_id, **fields}


def _part(vendor_order_id, vendor_id, items, shipping, lines):
    return {"vendor_order_id": vendor_order_id, "vendor_id": vendor_id, "items_total_minor": items,
            "shipping_minor": shipping, "total_minor": items + shipping, "lines": [
                {"line_id": line_id, "offer_id": f"off-{line_id}", "product_id": "prd-1", "category_id": category,
                 "vendor_id": vendor_id, "quantity": quantity, "unit_price_minor": price, "title": "Thing"}
                for line_id, category, quantity, price in lines]}
