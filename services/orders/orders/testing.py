"""Test helpers: orders placed from fixed quotes and moved on as the saga would, events in and out (test-only).

Catalog is not asked: each test module passes its own quotes, offer id -> (vendor id, unit price,
shipping), all in minor units.
"""
from __future__ import annotations

from sqlalchemy import select

from chassis.testing.events import deliver as deliver_event, published
from orders.domain.placement import OfferQuote, RequestedLine
from orders.models import VendorOrder
from orders.events import handlers_by_type
from orders.placement import PlaceOrder, place_order
from orders.transitions import move_order, move_vendor_order

SYSTEM = {"kind": "system", "id": None}  # the actor the saga records
ADDRESS = {"name": "Ada Lovelace", "line1": "12 rue des Lilas", "line2": None, "postal_code": "75011",
           "city": "Paris", "country": "FR", "phone": "+33 6 12 34 56 78"}


def offer_quotes(quotes: dict[str, tuple[str, int, int]], currency: str = "EUR") -> dict[str, OfferQuote]:
    """Catalog's answer for ``quotes``: every offer sellable, of product ``prd-<offer>``, titled after it."""
    return {offer: OfferQuote(offer, f"prd-{offer}", None, vendor, offer.title(), price, shipping, currency)
            for offer, (vendor, price, shipping) in quotes.items()}


def paid_order(app, customer_id: str, lines: dict[str, int], quotes: dict[str, tuple[str, int, int]],
               currency: str = "EUR") -> dict[str, str]:
    """A ``processing`` order of ``lines`` (offer -> quantity), its vendor orders ``awaiting_acceptance``.

    Answers vendor id -> vendor order id.
    """
    cart = PlaceOrder([RequestedLine(offer, quantity) for offer, quantity in lines.items()], ADDRESS)
    with app.extensions["chassis.runtime"].uow() as uow:
        order = place_order(uow, customer_id, cart, offer_quotes(quotes, currency)).order
        move_order(uow.session, order, "awaiting_payment", SYSTEM)
        move_order(uow.session, order, "processing", SYSTEM)
        vendor_orders = uow.session.scalars(select(VendorOrder).where(VendorOrder.order_id == order.id)).all()
        for vendor_order in vendor_orders:
            move_vendor_order(uow.session, vendor_order, "awaiting_acceptance", SYSTEM)
        uow.commit()
        return {vendor_order.vendor_id: vendor_order.id for vendor_order in vendor_orders}


def uow_of(app):
    return app.extensions["chassis.runtime"].uow()


def deliver(app, event_type: str, data: dict) -> str:
    """Hand an event to orders' consumer as the worker would, under a fresh event id."""
    return deliver_event(app.extensions["chassis.runtime"], handlers_by_type(), event_type, data)


def events(app, event_type: str) -> list[dict]:
    """The ``data`` of every ``event_type`` in the outbox, each checked against its contract."""
    return published(app.extensions["chassis.runtime"], event_type)
