"""Stock reservations: catalog's step of the order saga, all or nothing, never overselling.

Every use case runs inside the caller's unit of work (an event consumer's) and
tolerates duplicates and events arriving out of order:

* ``reserve_order`` is idempotent per order: one ``OrderReservation`` row per
  order id, whatever the event id, inserted first (``ON CONFLICT DO NOTHING``)
  so a concurrent duplicate waits for it and then does nothing.
* Offers are locked with ``SELECT ... FOR UPDATE`` in one statement ordered by
  id, so two orders touching the same offers queue up instead of
  deadlocking on PostgreSQL; on SQLite the writer holds the database lock
  from ``BEGIN IMMEDIATE`` on. The CHECK constraints on ``offers`` refuse a
  negative stock should this code ever be wrong.
* An order cancelled (or rejected) before catalog saw it placed leaves a
  tombstone (outcome ``cancelled``): the late ``order.placed`` then reserves
  nothing and publishes nothing, since orders already holds the order final.

Lock order, everywhere: the order's ``OrderReservation`` row, then offers by id.
Movements say why in ``reason``: ``vendor_order:<id>`` (reservation, sale), the
release's reason code, ``return:<id>`` (restock, which also makes it idempotent).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from chassis.actors import event_actor
from chassis.db import serialize
from catalog import stock
from catalog.models import Offer, OrderReservation, Reservation, StockMovement, VendorState
from catalog.models.base import new_id, now

log = logging.getLogger("catalog.reservations")

RESERVED, REJECTED, CANCELLED, RELEASED, SOLD = "reserved", "rejected", "cancelled", "released", "sold"
DUPLICATE = "duplicate"  # what reserve_order answers for an order it has already decided


@dataclass(frozen=True)
class StockLine:
    """Units of one offer wanted by one vendor order (order lines aggregated)."""

    vendor_order_id: str
    offer_id: str
    vendor_id: str
    quantity: int


def order_lines(order_placed: dict) -> list[StockLine]:
    """The order's lines summed per (vendor_order_id, offer_id), sorted by offer then vendor order."""
    quantities: dict[tuple[str, str, str], int] = defaultdict(int)
    for vendor_order in order_placed["vendor_orders"]:
        for line in vendor_order["lines"]:
            key = (line["offer_id"], vendor_order["vendor_order_id"], line["vendor_id"])
            quantities[key] += line["quantity"]
    return [StockLine(vendor_order_id=vo, offer_id=offer_id, vendor_id=vendor_id, quantity=quantity)
            for (offer_id, vo, vendor_id), quantity in sorted(quantities.items())]


def reserve_order(uow, order_placed: dict) -> str:
    """Reserve every line of a placed order or none; publish ``stock.reserved`` or ``stock.rejected``.

    Returns the outcome: ``reserved``, ``rejected``, or ``duplicate`` when the
    order was already decided (or cancelled) and nothing was done.
    """
    order_id = order_placed["order_id"]
    with uow:
        session = uow.session
        if not _claim(session, order_id):
            uow.commit()
            return DUPLICATE
        lines = order_lines(order_placed)
        offers, suspended = _offers_to_reserve(session, {line.offer_id for line in lines})
        refused = _refusals(lines, offers, suspended, order_placed["currency"])
        if refused:
            session.execute(update(OrderReservation).where(OrderReservation.order_id == order_id)
                            .values(outcome=REJECTED))
            uow.publish("stock.rejected", {"order_id": order_id, "lines": refused}, subject=order_id)
        else:
            _take(session, order_id, lines, offers)
            uow.publish("stock.reserved", {"order_id": order_id, "lines": [_line_data(line) for line in lines]},
                        subject=order_id)
            stock.after_stock_change(uow, list(offers.values()), _deltas((line.offer_id, -line.quantity)
                                                                         for line in lines))
        uow.commit()
        return REJECTED if refused else RESERVED


def _deltas(changes) -> dict[str, int]:
    """Offer id -> total change of its available quantity."""
    totals: dict[str, int] = defaultdict(int)
    for offer_id, delta in changes:
        totals[offer_id] += delta
    return totals


def _claim(session: Session, order_id: str) -> bool:
    """Record that this transaction decides the order; False if one already did.

    ``INSERT ... ON CONFLICT DO NOTHING``: a concurrent duplicate waits for the
    first transaction's commit, then inserts nothing (no error, no retry).
    """
    dialect_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    claimed = session.execute(dialect_insert(OrderReservation)
                              .values(order_id=order_id, outcome=RESERVED, created_at=now())
                              .on_conflict_do_nothing(index_elements=["order_id"])
                              .returning(OrderReservation.order_id))
    return claimed.first() is not None


def _offers_to_reserve(session: Session, offer_ids: set[str]) -> tuple[dict[str, Offer], set[str]]:
    """The offers locked in id order, and which of their vendors are suspended (one statement)."""
    query = (select(Offer, VendorState.suspended).outerjoin(VendorState, VendorState.vendor_id == Offer.vendor_id)
             .where(Offer.id.in_(sorted(offer_ids))).order_by(Offer.id).with_for_update(of=Offer)
             .execution_options(populate_existing=True))
    rows = session.execute(query).all()
    return {offer.id: offer for offer, _ in rows}, {offer.vendor_id for offer, suspended in rows if suspended}


def _locked_offers(session: Session, offer_ids: Iterable[str]) -> dict[str, Offer]:
    """The offers, row-locked in id order (one statement) until the transaction ends."""
    ids = sorted(set(offer_ids))
    if not ids:
        return {}
    query = (select(Offer).where(Offer.id.in_(ids)).order_by(Offer.id).with_for_update()
             .execution_options(populate_existing=True))
    return {offer.id: offer for offer in session.scalars(query)}


def _refusals(lines: list[StockLine], offers: dict[str, Offer], suspended: set[str], currency: str) -> list[dict]:
    """The lines that cannot be reserved, each with its reason code (empty: all can)."""
    wanted: dict[str, int] = defaultdict(int)
    for line in lines:
        wanted[line.offer_id] += line.quantity
    refused = []
    for line in lines:
        offer = offers.get(line.offer_id)
        reason = _refusal(line, offer, currency, suspended, wanted[line.offer_id])
        if reason is None:
            continue
        refused_line = {"offer_id": line.offer_id, "vendor_order_id": line.vendor_order_id, "vendor_id": None,
                        "quantity": line.quantity, "reason": reason}
        if reason != "unknown_offer":
            refused_line.update(vendor_id=line.vendor_id, available_quantity=offer.available)
        refused.append(refused_line)
    return refused


def _refusal(line: StockLine, offer: Offer | None, currency: str, suspended: set[str], wanted: int) -> str | None:
    # An offer of another vendor than the line says is, for that vendor, no offer at all.
    if offer is None or offer.vendor_id != line.vendor_id:
        return "unknown_offer"
    if line.vendor_id in suspended:
        return "vendor_suspended"
    if not offer.active:
        return "inactive_offer"
    if offer.currency != currency:
        return "currency_mismatch"
    if offer.available < wanted:
        return "insufficient_stock"
    return None


def _take(session: Session, order_id: str, lines: list[StockLine], offers: dict[str, Offer]) -> None:
    actor, moment = event_actor(), now()
    for line in lines:
        offer = offers[line.offer_id]
        _move(session, offer, "reservation", -line.quantity, line.quantity, actor, order_id,
              f"vendor_order:{line.vendor_order_id}")
        session.add(Reservation(id=new_id(), order_id=order_id, vendor_order_id=line.vendor_order_id,
                                offer_id=offer.id, vendor_id=offer.vendor_id, quantity=line.quantity,
                                status=RESERVED, created_at=moment, updated_at=moment))


def _move(session: Session, offer: Offer, kind: str, available_delta: int, reserved_delta: int, actor: dict,
          order_id: str | None, reason: str | None) -> None:
    """Apply a change to a locked offer and write the movement explaining it."""
    offer.available += available_delta
    offer.reserved += reserved_delta
    offer.version += 1
    offer.updated_at = now()
    stock.record(session, offer, kind, available_delta, reserved_delta, reason=reason, actor=actor,
                 order_id=order_id)


def _line_data(line: StockLine | Reservation) -> dict:
    return {"offer_id": line.offer_id, "vendor_order_id": line.vendor_order_id, "vendor_id": line.vendor_id,
            "quantity": line.quantity}


def release(uow, order_id: str, *, vendor_order_id: str | None = None, reason: str) -> list[dict]:
    """Give back the units still reserved for the order (or one of its vendor orders); ``stock.released``.

    Idempotent: what is already released or sold is left alone, and nothing is
    published when nothing was released. A whole order cancelled before it was
    seen placed is remembered, so its late ``order.placed`` reserves nothing.
    Returns the released lines.
    """
    with uow:
        session = uow.session
        decision = session.get(OrderReservation, order_id, with_for_update=True)
        if decision is None:
            _remember_cancelled(session, order_id, vendor_order_id)
            uow.commit()
            return []
        held = _held(session, Reservation.order_id == order_id, vendor_order_id)
        if not held:
            uow.commit()
            return []
        offers = _locked_offers(session, {reservation.offer_id for reservation in held})
        actor = event_actor()
        for reservation in held:
            _move(session, offers[reservation.offer_id], "release", reservation.quantity, -reservation.quantity,
                  actor, order_id, reason)
            _set_status(reservation, RELEASED)
        if vendor_order_id is None:
            decision.outcome = RELEASED
        lines = [_line_data(reservation) for reservation in held]
        uow.publish("stock.released", {"order_id": order_id, "vendor_order_id": vendor_order_id, "lines": lines,
                                       "reason": reason}, subject=order_id)
        stock.after_stock_change(uow, list(offers.values()), _deltas((reservation.offer_id, reservation.quantity)
                                                                     for reservation in held))
        uow.commit()
        return lines


def _remember_cancelled(session: Session, order_id: str, vendor_order_id: str | None) -> None:
    if vendor_order_id is None:
        session.add(OrderReservation(order_id=order_id, outcome=CANCELLED, created_at=now()))
        session.flush()
        return
    # A vendor order is refused or cancelled only after its order was reserved and paid;
    # catalog not knowing the order means a replay into an empty database: nothing to give back.
    log.warning("release of vendor order %s of unknown order %s ignored", vendor_order_id, order_id)


def _held(session: Session, which, vendor_order_id: str | None) -> list[Reservation]:
    query = select(Reservation).where(which, Reservation.status == RESERVED)
    if vendor_order_id is not None:
        query = query.where(Reservation.vendor_order_id == vendor_order_id)
    return list(session.scalars(query.order_by(Reservation.offer_id, Reservation.id).with_for_update()))


def _set_status(reservation: Reservation, status: str) -> None:
    reservation.status = status
    reservation.updated_at = now()


def mark_sold(uow, vendor_order_id: str) -> int:
    """The shipped vendor order's reserved units leave the stock for good; returns the units sold."""
    with uow:
        session = uow.session
        order_id = session.scalars(select(Reservation.order_id)
                                   .where(Reservation.vendor_order_id == vendor_order_id).limit(1)).first()
        if order_id is None:
            uow.commit()
            return 0
        session.get(OrderReservation, order_id, with_for_update=True)  # lock order: the order, then offers
        held = _held(session, Reservation.vendor_order_id == vendor_order_id, None)
        offers = _locked_offers(session, {reservation.offer_id for reservation in held})
        actor = event_actor()
        for reservation in held:
            _move(session, offers[reservation.offer_id], "sale", 0, -reservation.quantity, actor, order_id,
                  f"vendor_order:{vendor_order_id}")
            _set_status(reservation, SOLD)
        uow.commit()
        return sum(reservation.quantity for reservation in held)


def restock_return(uow, return_received: dict) -> int:
    """Put the returned units marked ``restock`` back on sale, once per return; returns the units restocked."""
    return_id, order_id = return_received["return_id"], return_received["order_id"]
    marker = f"return:{return_id}"
    wanted: dict[str, int] = defaultdict(int)
    for line in return_received["lines"]:
        if line.get("restock"):
            wanted[line["offer_id"]] += line["quantity"]
    with uow:
        session = uow.session
        serialize(session, f"catalog.restock:{return_id}")  # two copies of the event under other ids
        done = session.scalar(select(exists().where(StockMovement.order_id == order_id,
                                                    StockMovement.kind == "restock",
                                                    StockMovement.reason == marker)))
        if done or not wanted:
            uow.commit()
            return 0
        offers = _locked_offers(session, wanted)
        actor = event_actor()
        for offer_id, quantity in sorted(wanted.items()):
            if offer_id not in offers:
                log.warning("return %s: offer %s no longer exists, not restocked", return_id, offer_id)
                continue
            _move(session, offers[offer_id], "restock", quantity, 0, actor, order_id, marker)
        stock.after_stock_change(uow, list(offers.values()), wanted)
        uow.commit()
        return sum(quantity for offer_id, quantity in wanted.items() if offer_id in offers)
