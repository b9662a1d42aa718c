"""Stock of offers: every change is a movement with its reason and actor; low stock is announced once.

Quantities only ever change through conditional UPDATEs (``available + delta >= 0``),
so two writers can never take the same unit, and the CHECK constraints on ``offers``
refuse a negative stock even if a bug tried.
"""
from __future__ import annotations

from typing import Mapping

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chassis.errors import Problem
from chassis.runtime_settings import current
from catalog import listing
from catalog.models import Offer, StockMovement
from catalog.models.base import new_id, now
from catalog.settings import CatalogRuntimeSettings

MOVEMENT_KINDS = frozenset({"adjustment", "import", "reservation", "release", "sale", "restock"})


def record(session: Session, offer: Offer, kind: str, available_delta: int, reserved_delta: int, *,
           reason: str | None, actor: dict, order_id: str | None = None) -> StockMovement:
    """Write the movement that explains a change already applied to ``offer`` (values after it)."""
    if kind not in MOVEMENT_KINDS:
        raise ValueError(f"unknown stock movement kind {kind!r}")
    movement = StockMovement(id=new_id(), offer_id=offer.id, vendor_id=offer.vendor_id, kind=kind,
                             available_delta=available_delta, reserved_delta=reserved_delta,
                             available_after=offer.available, reserved_after=offer.reserved, reason=reason,
                             actor=actor, order_id=order_id, created_at=now())
    session.add(movement)
    return movement


def adjust(uow, offer: Offer, delta: int, *, kind: str, reason: str | None, actor: dict) -> Offer:
    """Add ``delta`` (negative to remove) to the available quantity; 409 if that would go below zero."""
    if delta == 0:
        return offer
    session = uow.session
    changed = session.execute(
        update(Offer).where(Offer.id == offer.id, Offer.available + delta >= 0)
        .values(available=Offer.available + delta, updated_at=now(), version=Offer.version + 1)
        .execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise Problem(409, "insufficient-stock", f"cannot remove {-delta}: only {offer.available} available",
                      available_quantity=offer.available)
    session.refresh(offer)
    record(session, offer, kind, delta, 0, reason=reason, actor=actor)
    after_stock_change(uow, [offer], {offer.id: delta})
    return offer


def after_stock_change(uow, offers: list[Offer], deltas: Mapping[str, int] | None = None) -> None:
    """Announce offers that crossed their low-stock threshold; refresh listings whose stock state changed.

    ``deltas`` (offer id -> change of ``available``) lets this skip the listing
    refresh unless an offer went out of or back into stock, the only stock changes
    a product's summary (in stock, best price) depends on.
    """
    announce_low_stock(uow, offers)
    refresh_listings(uow.session, offers, deltas)


def announce_low_stock(uow, offers, default_threshold: int | None = None) -> None:
    """Publish ``stock.low`` for offers now at or below their threshold, once; flags them (in memory)."""
    default = default_low_stock_threshold(uow.session) if default_threshold is None else default_threshold
    for offer in offers:
        _check_low_stock(uow, offer, default)


def default_low_stock_threshold(session: Session) -> int:
    return current(session, CatalogRuntimeSettings).low_stock_threshold


def refresh_listings(session: Session, offers, deltas: Mapping[str, int] | None = None) -> None:
    """Recompute the summaries of the offers' products (only those out of or back in stock, given ``deltas``)."""
    moved = [offer for offer in offers if deltas is None or _crossed_zero(offer, deltas.get(offer.id, 0))]
    if moved:
        listing.refresh(session, [offer.product_id for offer in moved])


def _crossed_zero(offer, delta: int) -> bool:
    return (offer.available > 0) != (offer.available - delta > 0)


def _check_low_stock(uow, offer, default_threshold: int) -> None:
    threshold = offer.low_stock_threshold if offer.low_stock_threshold is not None else default_threshold
    low = offer.available <= threshold
    if low and not offer.low_stock_alerted:
        offer.low_stock_alerted = True
        uow.publish("stock.low", {"offer_id": offer.id, "vendor_id": offer.vendor_id, "product_id": offer.product_id,
                                  "available_quantity": offer.available, "threshold": threshold})
    elif not low and offer.low_stock_alerted:
        offer.low_stock_alerted = False


def offer_for_update(session: Session, offer_id: str) -> Offer | None:
    """The offer row, locked on PostgreSQL until the transaction ends."""
    return session.scalars(select(Offer).where(Offer.id == offer_id).with_for_update()).first()
