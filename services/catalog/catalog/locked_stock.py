"""Offers' stock as the order saga changes it: lock the rows, change them in memory, write once.

The saga's steps (reserve, release, sell, restock) each touch a few offers, many
times a second under load. They lock the offers' stock with one ``SELECT ... FOR
UPDATE`` in id order, apply their changes to these plain objects, then write the
offers (one executemany UPDATE) and the movements explaining them (one
multi-row INSERT) with Core statements: going through the ORM's unit of work
cost more CPU than the rest of a reservation put together.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from catalog import stock
from catalog.models import Offer, Product, StockMovement, VendorState
from catalog.models.base import new_id, now

OFFERS = Offer.__table__
_LOCKED_COLUMNS = (OFFERS.c.id, OFFERS.c.vendor_id, OFFERS.c.product_id, OFFERS.c.currency, OFFERS.c.active,
                   OFFERS.c.available, OFFERS.c.reserved, OFFERS.c.low_stock_threshold, OFFERS.c.low_stock_alerted,
                   OFFERS.c.version)


@dataclass
class LockedOffer:
    """An offer's stock, row-locked until the transaction ends; changed here, then written by ``StockChanges``."""

    id: str
    vendor_id: str
    product_id: str
    currency: str
    active: bool
    available: int
    reserved: int
    low_stock_threshold: int | None
    low_stock_alerted: bool
    version: int
    product_status: str
    vendor_suspended: bool


class StockChanges:
    """The offers of one saga step, locked; ``move`` them, then ``write`` once."""

    def __init__(self, session: Session, offer_ids: Iterable[str]) -> None:
        self._session = session
        # Read before the rows are locked: every statement under the lock makes others wait longer.
        self._default_threshold = stock.default_low_stock_threshold(session)
        self.offers = _lock(session, offer_ids)
        self._movements: list[dict] = []
        self._available_deltas: dict[str, int] = defaultdict(int)

    def move(self, offer_id: str, kind: str, available_delta: int, reserved_delta: int, *, reason: str | None,
             actor: dict, order_id: str | None) -> None:
        """Change a locked offer's stock and note the movement explaining it (values after the change)."""
        if kind not in stock.MOVEMENT_KINDS:
            raise ValueError(f"unknown stock movement kind {kind!r}")
        offer = self.offers[offer_id]
        offer.available += available_delta
        offer.reserved += reserved_delta
        offer.version += 1
        self._available_deltas[offer_id] += available_delta
        self._movements.append({
            "id": new_id(), "offer_id": offer_id, "vendor_id": offer.vendor_id, "kind": kind,
            "available_delta": available_delta, "reserved_delta": reserved_delta,
            "available_after": offer.available, "reserved_after": offer.reserved, "reason": reason,
            "actor": actor, "order_id": order_id, "created_at": now()})

    def write(self, uow) -> None:
        """Announce low stock, write the moved offers and their movements, refresh the listings that changed."""
        if not self._movements:
            return
        moved = [self.offers[offer_id] for offer_id in sorted(self._available_deltas)]
        stock.announce_low_stock(uow, moved, self._default_threshold)
        connection = self._session.connection()
        connection.execute(_update_offers(), [_offer_values(offer) for offer in moved])
        connection.execute(_insert_movements(), self._movements)
        stock.refresh_listings(self._session, moved, self._available_deltas)
        self._movements = []
        self._available_deltas = defaultdict(int)


def _lock(session: Session, offer_ids: Iterable[str]) -> dict[str, LockedOffer]:
    ids = sorted(set(offer_ids))
    if not ids:
        return {}
    return {row.id: LockedOffer(*row[:-1], vendor_suspended=bool(row.suspended))
            for row in session.connection().execute(_lock_offers(), {"ids": ids})}


# Statements are built once: SQLAlchemy memoizes a statement's cache key on the object.
@functools.cache
def _lock_offers():
    return (select(*_LOCKED_COLUMNS, Product.status, VendorState.suspended)
            .join(Product, Product.id == OFFERS.c.product_id)
            .outerjoin(VendorState, VendorState.vendor_id == OFFERS.c.vendor_id)
            .where(OFFERS.c.id.in_(bindparam("ids", expanding=True))).order_by(OFFERS.c.id)
            .with_for_update(of=OFFERS))


@functools.cache
def _insert_movements():
    return insert(StockMovement.__table__)


@functools.cache
def _update_offers():
    return (update(OFFERS).where(OFFERS.c.id == bindparam("b_id"))
            .values(available=bindparam("b_available"), reserved=bindparam("b_reserved"),
                    version=bindparam("b_version"), low_stock_alerted=bindparam("b_alerted"),
                    updated_at=bindparam("b_updated_at")))


def _offer_values(offer: LockedOffer) -> dict:
    return {"b_id": offer.id, "b_available": offer.available, "b_reserved": offer.reserved,
            "b_version": offer.version, "b_alerted": offer.low_stock_alerted, "b_updated_at": now()}
