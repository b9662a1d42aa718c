"""Quotes: the current sellable facts of the offers a cart names, for orders to price it.

Orders asks catalog over HTTP when a customer places an order and keeps a snapshot of what
this answers (prices never come from the client). One statement reads every requested offer
with its product and its vendor's state; ids catalog does not know come back as unknown, so
the caller can name each offending line instead of getting a 404 for the first one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import Connection, bindparam, select

from catalog.listing import UNSELLABLE_REASONS, unsellable_reason
from catalog.models import Offer, Product, VendorState

UNKNOWN_OFFER = "unknown_offer"
REASONS = (UNKNOWN_OFFER, *UNSELLABLE_REASONS)

_FACTS = (Offer.id.label("offer_id"), Offer.vendor_id, Offer.product_id, Product.title, Product.category_id,
          Offer.sku, Offer.price_minor, Offer.shipping_minor, Offer.currency, Offer.condition, Offer.lead_time_days,
          Offer.available.label("available_quantity"))


@dataclass(frozen=True)
class OfferQuote:
    """One requested offer: its facts (None when unknown) and whether it can be sold now, else why not."""

    offer_id: str
    sellable: bool
    reason: str | None
    facts: dict | None


def quote_offers(connection: Connection, offer_ids: Sequence[str]) -> list[OfferQuote]:
    """The quote of every requested offer, in the order asked, in one statement."""
    rows = {row["offer_id"]: row for row in connection.execute(_statement(), {"ids": list(offer_ids)}).mappings()}
    return [_quote(offer_id, rows.get(offer_id)) for offer_id in offer_ids]


def _statement():
    # A vendor catalog never heard about has no vendor_states row and is active (VendorState).
    return (select(*_FACTS, Offer.active, Product.status.label("product_status"),
                   VendorState.suspended.label("vendor_suspended"))
            .join(Product, Product.id == Offer.product_id)
            .outerjoin(VendorState, VendorState.vendor_id == Offer.vendor_id)
            .where(Offer.id.in_(bindparam("ids", expanding=True))))


def _quote(offer_id: str, row) -> OfferQuote:
    if row is None:
        return OfferQuote(offer_id, False, UNKNOWN_OFFER, None)
    reason = unsellable_reason(active=bool(row["active"]), product_status=row["product_status"],
                               vendor_suspended=bool(row["vendor_suspended"]))
    return OfferQuote(offer_id, reason is None, reason, {column.key: row[column.key] for column in _FACTS})
