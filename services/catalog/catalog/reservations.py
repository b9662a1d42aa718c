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

* ``reserve_orders`` decides a batch of placed orders (the worker's backlog) in
  one transaction: each in turn, all or nothing, against the same locked stock.
  Rows are read and written with Core statements (``catalog.locked_stock``).

What becomes of reserved units once shipped or returned is ``catalog.sales``.

Lock order, everywhere: the order's ``OrderReservation`` row, then offers by id.
Movements say why in ``reason``: ``vendor_order:<id>`` (reservation, and a sale
announced without shipment id), ``shipment:<id>`` (sale), ``return:<id>``
(restock), the release's reason code. The shipment and return markers also make
a sale or restock happen once, whatever the event id.
"""
from __future__ import annotations

import functools
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from chassis.actors import event_actor
from chassis.uow import Outgoing
from catalog.listing import unsellable_reason
from catalog.locked_stock import LockedOffer, StockChanges
from catalog.models import OrderReservation, Reservation
from catalog.models.base import new_id, now

log = logging.getLogger("catalog.reservations")

RESERVED, REJECTED, CANCELLED, RELEASED, SOLD = "reserved", "rejected", "cancelled", "released", "sold"
DUPLICATE = "duplicate"  # what reserve_order answers for an order it has already decided
DECISIONS, RESERVATIONS = OrderReservation.__table__, Reservation.__table__


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
    return reserve_orders(uow, [order_placed])[0]


def reserve_orders(uow, placed: Sequence[dict], correlation_ids: Sequence[str | None] | None = None) -> list[str]:
    """``reserve_order`` for several orders in one transaction, in turn; their outcomes in the same order.

    Each order is decided on its own, all or nothing, exactly as alone; only the
    statements are shared (one claim, one lock of every offer, one write of each
    kind). ``correlation_ids`` (one per order) go on the events each order causes.
    """
    correlations = list(correlation_ids or [None] * len(placed))
    with uow:
        session = uow.session
        claimed = _claim(session, [order["order_id"] for order in placed])
        lines = {order["order_id"]: order_lines(order) for order in placed if order["order_id"] in claimed}
        changes = StockChanges(session, {line.offer_id for order_lines_ in lines.values() for line in order_lines_})
        taken, rejected, outcomes, announced = [], [], [], []
        for order, correlation_id in zip(placed, correlations):
            order_id = order["order_id"]
            if order_id not in claimed:
                outcomes.append(DUPLICATE)
                continue
            claimed.discard(order_id)  # the same order twice in one batch is decided once
            refused = _refusals(lines[order_id], changes.offers, order["currency"])
            if refused:
                rejected.append(order_id)
                announced.append(Outgoing("stock.rejected", {"order_id": order_id, "lines": refused}, order_id,
                                          correlation_id))
            else:
                taken += _take(changes, order_id, lines[order_id])
                announced.append(Outgoing("stock.reserved", {"order_id": order_id, "lines": [
                    _line_data(line) for line in lines[order_id]]}, order_id, correlation_id))
            outcomes.append(REJECTED if refused else RESERVED)
        _set_outcome(session, rejected, REJECTED)
        _insert_reservations(session, taken)
        uow.publish_all(announced)
        changes.write(uow)
        uow.commit()
        return outcomes


def _claim(session: Session, order_ids: list[str]) -> set[str]:
    """Record that this transaction decides these orders; returns those no transaction decided before.

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: a concurrent duplicate waits
    for the first transaction's commit, then inserts nothing (no error, no retry).
    """
    connection = session.connection()
    moment = now()
    claimed = connection.execute(_claim_statement(connection.dialect.name), [
        {"order_id": order_id, "outcome": RESERVED, "created_at": moment} for order_id in dict.fromkeys(order_ids)])
    return {row.order_id for row in claimed}


# Statements are built once: SQLAlchemy memoizes a statement's cache key on the object.
@functools.cache
def _claim_statement(dialect: str):
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (dialect_insert(DECISIONS).on_conflict_do_nothing(index_elements=["order_id"])
            .returning(DECISIONS.c.order_id))


@functools.cache
def _reservations_insert():
    return insert(RESERVATIONS)


def _set_outcome(session: Session, order_ids: list[str], outcome: str) -> None:
    if order_ids:
        session.connection().execute(update(DECISIONS).where(DECISIONS.c.order_id.in_(order_ids))
                                     .values(outcome=outcome))


def _insert_reservations(session: Session, rows: list[dict]) -> None:
    if rows:
        session.connection().execute(_reservations_insert(), rows)


def _refusals(lines: list[StockLine], offers: dict[str, LockedOffer], currency: str) -> list[dict]:
    """The lines that cannot be reserved, each with its reason code (empty: all can)."""
    wanted: dict[str, int] = defaultdict(int)
    for line in lines:
        wanted[line.offer_id] += line.quantity
    refused = []
    for line in lines:
        offer = offers.get(line.offer_id)
        reason = _refusal(line, offer, currency, wanted[line.offer_id])
        if reason is None:
            continue
        refused_line = {"offer_id": line.offer_id, "vendor_order_id": line.vendor_order_id, "vendor_id": None,
                        "quantity": line.quantity, "reason": reason}
        if reason != "unknown_offer":
            refused_line.update(vendor_id=line.vendor_id, available_quantity=offer.available)
        refused.append(refused_line)
    return refused


def _refusal(line: StockLine, offer: LockedOffer | None, currency: str, wanted: int) -> str | None:
    # An offer of another vendor than the line says is, for that vendor, no offer at all.
    if offer is None or offer.vendor_id != line.vendor_id:
        return "unknown_offer"
    unsellable = unsellable_reason(active=offer.active, product_status=offer.product_status,
                                   vendor_suspended=offer.vendor_suspended)
    if unsellable:
        return unsellable  # archived or suspended since the order was priced
    if offer.currency != currency:
        return "currency_mismatch"
    if offer.available < wanted:
        return "insufficient_stock"
    return None


def _take(changes: StockChanges, order_id: str, lines: list[StockLine]) -> list[dict]:
    """Move the order's units from available to reserved; returns its reservation rows to insert."""
    actor, moment = event_actor(), now()
    for line in lines:
        changes.move(line.offer_id, "reservation", -line.quantity, line.quantity, reason=f"vendor_order:"
                     f"{line.vendor_order_id}", actor=actor, order_id=order_id)
    return [{"id": new_id(), "order_id": order_id, "vendor_order_id": line.vendor_order_id,
             "offer_id": line.offer_id, "vendor_id": line.vendor_id, "quantity": line.quantity, "sold_quantity": 0,
             "status": RESERVED, "created_at": moment, "updated_at": moment} for line in lines]


def _line_data(line) -> dict:
    """A StockLine's or held reservation row's part of an event."""
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
        if not lock_decision(session, order_id):
            _remember_cancelled(session, order_id, vendor_order_id)
            uow.commit()
            return []
        held = held_reservations(session, RESERVATIONS.c.order_id == order_id, vendor_order_id)
        if not held:
            uow.commit()
            return []
        changes, actor = StockChanges(session, {reservation.offer_id for reservation in held}), event_actor()
        for reservation in held:
            changes.move(reservation.offer_id, "release", reservation.quantity, -reservation.quantity,
                         reason=reason, actor=actor, order_id=order_id)
        _set_status(session, held, RELEASED)
        if vendor_order_id is None:
            _set_outcome(session, [order_id], RELEASED)
        lines = [_line_data(reservation) for reservation in held]
        uow.publish("stock.released", {"order_id": order_id, "vendor_order_id": vendor_order_id, "lines": lines,
                                       "reason": reason}, subject=order_id)
        changes.write(uow)
        uow.commit()
        return lines


def lock_decision(session: Session, order_id: str) -> bool:
    """Lock the order's decision row (first in the lock order); False if catalog never saw the order."""
    query = select(DECISIONS.c.order_id).where(DECISIONS.c.order_id == order_id).with_for_update()
    return session.connection().execute(query).first() is not None


def _remember_cancelled(session: Session, order_id: str, vendor_order_id: str | None) -> None:
    if vendor_order_id is None:
        session.connection().execute(insert(DECISIONS).values(order_id=order_id, outcome=CANCELLED,
                                                              created_at=now()))
        return
    # A vendor order is refused or cancelled only after its order was reserved and paid;
    # catalog not knowing the order means a replay into an empty database: nothing to give back.
    log.warning("release of vendor order %s of unknown order %s ignored", vendor_order_id, order_id)


def held_reservations(session: Session, which, vendor_order_id: str | None) -> list:
    """The reservations still holding units, locked; rows: id, offer_id, vendor_order_id, vendor_id, and
    ``quantity``, the units still held (those not sold yet)."""
    query = select(RESERVATIONS.c.id, RESERVATIONS.c.offer_id, RESERVATIONS.c.vendor_order_id,
                   RESERVATIONS.c.vendor_id, (RESERVATIONS.c.quantity - RESERVATIONS.c.sold_quantity).label("quantity")
                   ).where(which, RESERVATIONS.c.status == RESERVED)
    if vendor_order_id is not None:
        query = query.where(RESERVATIONS.c.vendor_order_id == vendor_order_id)
    return list(session.connection().execute(
        query.order_by(RESERVATIONS.c.offer_id, RESERVATIONS.c.id).with_for_update()))


def _set_status(session: Session, held: list, status: str) -> None:
    session.connection().execute(update(RESERVATIONS).where(RESERVATIONS.c.id.in_([row.id for row in held]))
                                 .values(status=status, updated_at=now()))
