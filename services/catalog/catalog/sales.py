"""What becomes of reserved stock after the order: sold parcel by parcel, restocked from returns.

* ``mark_sold`` sells a vendor order parcel by parcel: each shipment moves its
  units from reserved to sold (``Reservation.sold_quantity``), never more than
  is still reserved; a release later gives back only the units not shipped.
* ``restock_return`` puts returned units marked ``restock`` back on sale, once per return.

The lock order is the reservations' (the order's decision row, then offers by id), and the
``shipment:<id>`` / ``return:<id>`` movement reasons make a sale or restock happen once,
whatever the event id.
"""
from __future__ import annotations

import functools
import logging
from collections import defaultdict

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import Session

from chassis.actors import event_actor
from chassis.db import serialize
from catalog.locked_stock import StockChanges
from catalog.models import StockMovement
from catalog.models.base import now
from catalog.reservations import RESERVATIONS, RESERVED, SOLD, held_reservations, lock_decision

log = logging.getLogger("catalog.sales")


def shipped_units(vendor_order_shipped: dict) -> dict[str, int] | None:
    """Units per offer in a ``vendor_order.shipped`` parcel; None for an event without lines (all shipped)."""
    if "lines" not in vendor_order_shipped:
        return None
    units: dict[str, int] = defaultdict(int)
    for line in vendor_order_shipped["lines"]:
        units[line["offer_id"]] += line["quantity"]
    return dict(units)


def mark_sold(uow, vendor_order_id: str, shipped: dict[str, int] | None = None, *,
              shipment_id: str | None = None) -> int:
    """The shipped units leave the stock for good (reserved → sold); returns the units sold.

    ``shipped`` (offer id → units of this parcel) sells exactly these units and
    leaves the rest reserved; None sells every unit still reserved (a shipment
    event of before partial shipments). Units beyond what is still reserved are
    not sold: the excess is logged and ignored, so the stock never goes wrong.
    A shipment already sold (``shipment_id`` seen under another event id) sells nothing.
    """
    with uow:
        session = uow.session
        order_id = session.connection().execute(select(RESERVATIONS.c.order_id).where(
            RESERVATIONS.c.vendor_order_id == vendor_order_id).limit(1)).scalar()
        if order_id is None:
            uow.commit()
            return 0
        lock_decision(session, order_id)  # lock order: the order, then offers
        marker = f"shipment:{shipment_id}" if shipment_id else f"vendor_order:{vendor_order_id}"
        if shipment_id and _moved(session, order_id, "sale", marker):
            uow.commit()
            return 0
        held = held_reservations(session, RESERVATIONS.c.vendor_order_id == vendor_order_id, None)
        sales = _sales(vendor_order_id, held, shipped)
        changes, actor = StockChanges(session, {reservation.offer_id for reservation, _ in sales}), event_actor()
        for reservation, units in sales:
            changes.move(reservation.offer_id, "sale", 0, -units, reason=marker, actor=actor, order_id=order_id)
        _record_sales(session, sales)
        changes.write(uow)
        uow.commit()
        return sum(units for _, units in sales)


def _sales(vendor_order_id: str, held: list, shipped: dict[str, int] | None) -> list[tuple]:
    """(held reservation, units to sell) for a shipment; more than is held is refused with a warning."""
    if shipped is None:
        return [(reservation, reservation.quantity) for reservation in held]
    by_offer = {reservation.offer_id: reservation for reservation in held}
    sales = []
    for offer_id, units in sorted(shipped.items()):
        reservation = by_offer.get(offer_id)
        held_units = reservation.quantity if reservation is not None else 0
        if units > held_units:
            log.warning("vendor order %s shipped %d units of offer %s but %d are reserved: %d not sold",
                        vendor_order_id, units, offer_id, held_units, units - held_units)
        if held_units and units:
            sales.append((reservation, min(units, held_units)))
    return sales


def _record_sales(session: Session, sales: list[tuple]) -> None:
    if sales:
        session.connection().execute(_sale_update(), [
            {"b_id": reservation.id, "b_units": units, "b_at": now(),
             "b_status": SOLD if units == reservation.quantity else RESERVED} for reservation, units in sales])


@functools.cache
def _sale_update():
    # sold_quantity grows in SQL: the CHECK constraints refuse a sale beyond the reservation.
    return (update(RESERVATIONS).where(RESERVATIONS.c.id == bindparam("b_id"))
            .values(sold_quantity=RESERVATIONS.c.sold_quantity + bindparam("b_units"), status=bindparam("b_status"),
                    updated_at=bindparam("b_at")))


def _moved(session: Session, order_id: str, kind: str, reason: str) -> bool:
    """Whether the order's stock already moved this way for this reason (a shipment or return seen before)."""
    return bool(session.scalar(select(exists().where(StockMovement.order_id == order_id, StockMovement.kind == kind,
                                                     StockMovement.reason == reason))))


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
        if _moved(session, order_id, "restock", marker) or not wanted:
            uow.commit()
            return 0
        changes, actor = StockChanges(session, wanted), event_actor()
        for offer_id, quantity in sorted(wanted.items()):
            if offer_id not in changes.offers:
                log.warning("return %s: offer %s no longer exists, not restocked", return_id, offer_id)
                continue
            changes.move(offer_id, "restock", quantity, 0, reason=marker, actor=actor, order_id=order_id)
        changes.write(uow)
        uow.commit()
        return sum(quantity for offer_id, quantity in wanted.items() if offer_id in changes.offers)
