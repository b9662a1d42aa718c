"""Offers: one vendor selling one product with its own SKU, price, stock and terms.

``vendor_id`` always comes from the caller's token (or, for an operator importing
for a vendor, from the operator's explicit choice), never from a vendor's body.
Quantity changes go through ``stock.adjust`` so each one leaves a movement.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis.errors import Problem
from chassis.runtime_settings import current
from catalog import listing, stock
from catalog.models import Offer, Product
from catalog.models.base import new_id, now
from catalog.products_workflow import ARCHIVED
from catalog.settings import CatalogRuntimeSettings

CONDITIONS = ("new", "used", "refurbished")
TERMS = ("price_minor", "currency", "shipping_minor", "condition", "lead_time_days", "active", "low_stock_threshold")


def create_offer(uow, vendor_id: str, fields: dict[str, Any], *, actor: dict, stock_kind: str = "adjustment") -> Offer:
    session = uow.session
    _check_product(session, fields["product_id"])
    _check_sku_free(session, vendor_id, fields["sku"])
    _check_terms(session, fields)
    offer = Offer(id=new_id(), vendor_id=vendor_id, product_id=fields["product_id"], sku=fields["sku"],
                  price_minor=fields["price_minor"], currency=fields["currency"],
                  shipping_minor=fields.get("shipping_minor", 0), condition=fields.get("condition", "new"),
                  lead_time_days=fields.get("lead_time_days", 1), active=fields.get("active", True),
                  low_stock_threshold=fields.get("low_stock_threshold"), available=0, reserved=0,
                  low_stock_alerted=False, version=1, created_at=now(), updated_at=now())
    session.add(offer)
    session.flush()
    uow.audit("offer.created", "offer", offer.id, after=_snapshot(offer))
    quantity = fields.get("quantity", 0)
    if quantity:
        stock.adjust(uow, offer, quantity, kind=stock_kind, reason="initial quantity", actor=actor)
    else:
        listing.refresh(session, [offer.product_id])
    _announce(uow, offer)
    return offer


def update_offer(uow, offer: Offer, changes: dict[str, Any], *, actor: dict, stock_kind: str = "adjustment") -> Offer:
    """Change terms and, with ``quantity``, set the available quantity (a movement records the difference)."""
    session = uow.session
    if not _differs(offer, changes):
        return offer
    if "sku" in changes and changes["sku"] != offer.sku:
        _check_sku_free(session, offer.vendor_id, changes["sku"])
        offer.sku = changes["sku"]
    _check_terms(session, {field: changes.get(field, getattr(offer, field)) for field in TERMS})
    before = _snapshot(offer)
    for field in TERMS:
        if field in changes:
            setattr(offer, field, changes[field])
    offer.updated_at, offer.version = now(), offer.version + 1
    session.flush()
    if "quantity" in changes and changes["quantity"] != offer.available:
        stock.adjust(uow, offer, changes["quantity"] - offer.available, kind=stock_kind,
                     reason=changes.get("reason") or "quantity set", actor=actor)
    else:
        stock.after_stock_change(uow, [offer])
    uow.audit("offer.updated", "offer", offer.id, before=before, after=_snapshot(offer))
    _announce(uow, offer)
    return offer


def delete_offer(uow, offer: Offer) -> None:
    """Offers with reserved units stay (orders hold them); deactivate them instead."""
    if offer.reserved:
        raise Problem(409, "offer-has-reservations", f"{offer.reserved} units are reserved by orders; "
                      "deactivate the offer instead", reserved_quantity=offer.reserved)
    offer.active, offer.updated_at = False, now()
    uow.audit("offer.deactivated", "offer", offer.id)
    uow.session.flush()
    listing.refresh(uow.session, [offer.product_id])
    _announce(uow, offer)


def _differs(offer: Offer, changes: dict[str, Any]) -> bool:
    current_values = {**{field: getattr(offer, field) for field in TERMS}, "sku": offer.sku, "quantity": offer.available}
    return any(field in current_values and value != current_values[field] for field, value in changes.items())


def _check_product(session: Session, product_id: str) -> None:
    status = session.scalar(select(Product.status).where(Product.id == product_id))
    if status is None:
        raise Problem(422, "unknown-product", f"no product {product_id!r}", errors={"product_id": ["unknown"]})
    if status == ARCHIVED:
        raise Problem(409, "product-archived", "the product is archived; it cannot get new offers")


def _check_sku_free(session: Session, vendor_id: str, sku: str) -> None:
    if session.scalar(select(Offer.id).where(Offer.vendor_id == vendor_id, Offer.sku == sku)):
        raise Problem(409, "sku-taken", f"you already have an offer with SKU {sku!r}", sku=sku)


def _check_terms(session: Session, fields: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    currency = current(session, CatalogRuntimeSettings).currency
    if fields.get("currency") != currency:
        errors["currency"] = [f"offers are priced in the marketplace currency, {currency}"]
    if fields.get("condition", "new") not in CONDITIONS:
        errors["condition"] = [f"one of {', '.join(CONDITIONS)}"]
    if errors:
        raise Problem(422, "validation-failed", "The offer is invalid; see 'errors'.", errors=errors)


def _snapshot(offer: Offer) -> dict[str, Any]:
    return {"sku": offer.sku, **{field: getattr(offer, field) for field in TERMS}, "available": offer.available}


def _announce(uow, offer: Offer) -> None:
    uow.publish("offer.updated", {"offer_id": offer.id, "vendor_id": offer.vendor_id, "product_id": offer.product_id,
                                  "price_minor": offer.price_minor, "currency": offer.currency,
                                  "available_quantity": offer.available, "active": offer.active})
