"""Fixtures of the stock tests: a migrated catalog, offers built through the models, events delivered."""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from chassis.runtime import Runtime
from chassis.tables import outbox
from chassis.testing.events import deliver
from catalog import listing
from catalog.app import definition
from catalog.events import handlers_by_type
from catalog.models import Offer, Product, Reservation
from catalog.models.base import new_id, now
from catalog.products_workflow import APPROVED


@pytest.fixture
def catalog_app(service_app):
    # Enough pooled connections for the concurrency tests to really run side by side.
    return service_app(definition(), db_pool_size=20)


@pytest.fixture
def stock_world(catalog_app) -> "StockWorld":
    return StockWorld(catalog_app.extensions["chassis.runtime"])


@dataclass
class StockWorld:
    """Offers and orders of the stock tests, and what catalog published about them."""

    runtime: Runtime

    def __post_init__(self) -> None:
        self._numbers = itertools.count(1)

    def offer(self, vendor_id: str = "ven-a", available: int = 10, *, active: bool = True, currency: str = "EUR",
              low_stock_threshold: int | None = None) -> str:
        """An offer of a new approved product; returns its id."""
        number, moment = next(self._numbers), now()
        with self.runtime.uow() as uow:
            product = Product(id=new_id(), title=f"Teapot {number}", status=APPROVED, attributes={},
                              created_at=moment, updated_at=moment, approved_at=moment)
            offer = Offer(id=new_id(), vendor_id=vendor_id, product_id=product.id, sku=f"sku-{number}",
                          price_minor=1000, currency=currency, shipping_minor=0, condition="new",
                          lead_time_days=1, active=active, available=available, reserved=0,
                          low_stock_threshold=low_stock_threshold, low_stock_alerted=False, version=1,
                          created_at=moment, updated_at=moment)
            uow.session.add(product)
            uow.session.flush()
            uow.session.add(offer)
            uow.session.flush()
            listing.refresh(uow.session, [product.id])
            uow.commit()
        return offer.id

    def order(self, *lines: tuple[str, str, str, int], order_id: str | None = None, currency: str = "EUR") -> dict:
        """``order.placed`` data; each line is (vendor_order_id, vendor_id, offer_id, quantity)."""
        vendor_orders: dict[str, dict] = {}
        for vendor_order_id, vendor_id, offer_id, quantity in lines:
            vendor_order = vendor_orders.setdefault(vendor_order_id, {
                "vendor_order_id": vendor_order_id, "vendor_id": vendor_id, "items_total_minor": 0,
                "shipping_minor": 0, "total_minor": 0, "lines": []})
            vendor_order["lines"].append({
                "line_id": new_id(), "offer_id": offer_id, "product_id": "prd-x", "category_id": None,
                "vendor_id": vendor_id, "quantity": quantity, "unit_price_minor": 1000, "title": "Teapot"})
        return {"order_id": order_id or new_id(), "customer_id": "cus-1", "currency": currency, "total_minor": 0,
                "placed_at": now().isoformat(), "vendor_orders": list(vendor_orders.values())}

    def deliver(self, event_type: str, data: dict, *, event_id: str | None = None) -> str:
        """Hand an event to catalog's consumer as the worker would (inbox included); 'handled' or 'duplicate'."""
        return deliver(self.runtime, handlers_by_type(), event_type, data, event_id=event_id)

    def stock(self, offer_id: str) -> tuple[int, int]:
        """(available, reserved) of the offer."""
        with self.runtime.uow() as uow:
            offer = uow.session.get(Offer, offer_id)
            return offer.available, offer.reserved

    def reservations(self, order_id: str) -> list[tuple[str, str, int, str]]:
        """(vendor_order_id, offer_id, quantity, status) of the order, sorted."""
        with self.runtime.uow() as uow:
            rows = uow.session.execute(select(Reservation.vendor_order_id, Reservation.offer_id, Reservation.quantity,
                                              Reservation.status).where(Reservation.order_id == order_id))
            return sorted(tuple(row) for row in rows)

    def outbox(self, *event_types: str) -> list[tuple[str, dict]]:
        """(type, data) of what catalog published, oldest first, only ``event_types`` if given."""
        with self.runtime.uow() as uow:
            rows = uow.session.execute(select(outbox.c.event_type, outbox.c.envelope).order_by(outbox.c.id))
            return [(kind, envelope["data"]) for kind, envelope in rows if not event_types or kind in event_types]
