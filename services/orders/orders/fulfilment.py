"""Vendor fulfilment: the use cases behind ``/api/v1/vendor-orders`` and the vendor-order timers.

A vendor accepts or refuses its vendor order, ships it (partial shipments exist: per-line
quantities), someone confirms delivery, and the return window completes it; customers and
operators cancel. Every status change goes through ``move_vendor_order`` and announces itself;
when the last vendor order of a processing order becomes final, ``settle_order_if_final`` moves
the order. Each use case locks the order row first, then the vendor order, so two vendor orders
finishing at once cannot both miss that they were the last.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from chassis.errors import Problem
from chassis.runtime_settings import current as current_settings
from orders.domain.states import (OrderStatus, VendorOrderStatus, check_transition, check_vendor_order_cancellation,
                                  is_due_for_completion, order_outcome, status_after_shipment)
from orders.models import Order, OrderLine, Return, Shipment, ShipmentLine, VendorOrder
from orders.models.base import new_id, now, utc
from orders.refunds import request_refund
from orders.settings import OrdersRuntimeSettings
from orders.transitions import move_order, move_vendor_order

_V = VendorOrderStatus
SYSTEM = {"kind": "system", "id": None}
ACCEPTANCE_DEADLINE = "acceptance_deadline"
ALL_FINAL = "every vendor order was refused or cancelled"


@dataclass(frozen=True)
class Caller:
    """Who acts, as the token says: tenancy (which vendor orders it sees) and what it may do."""

    actor: Mapping[str, Any]
    vendor_id: str | None = None  # vendor staff: their vendor's vendor orders only
    vendor_role: str | None = None  # owner, manager or staff; None for a vendor's API client (or an older token)
    customer_id: str | None = None  # a customer: the vendor orders of their own orders
    operator: bool = False  # sees every vendor order
    admin: bool = False  # an operator who may change them (support operators only read)


@dataclass(frozen=True)
class ShipVendorOrder:
    carrier: str
    tracking_number: str
    tracking_url: str | None
    lines: Mapping[str, int]  # order line id -> units shipped now


def vendor_order_for(session, vendor_order_id: str, caller: Caller, *, lock: bool = False) -> VendorOrder:
    """The vendor order if the caller may see it, else 404 (another vendor's or customer's is not there)."""
    vendor_order = session.get(VendorOrder, vendor_order_id)
    if vendor_order is None or not _sees(caller, vendor_order):
        raise Problem(404, "not-found", f"vendor order {vendor_order_id[:64]!r} not found")
    if lock:  # the order first, then the vendor order: one lock order for every use case
        session.get(Order, vendor_order.order_id, with_for_update=True, populate_existing=True)
        session.refresh(vendor_order, with_for_update=True)
    return vendor_order


def accept(uow, vendor_order_id: str, caller: Caller) -> VendorOrder:
    """Vendor staff accept: ``awaiting_acceptance → accepted``; payments captures on ``vendor_order.accepted``."""
    vendor_order = acted_on(uow, vendor_order_id, caller, vendor=True)
    move_vendor_order(uow.session, vendor_order, _V.ACCEPTED, caller.actor)
    uow.publish("vendor_order.accepted", _facts(vendor_order, caller.actor), subject=vendor_order.order_id)
    return vendor_order


def refuse(uow, vendor_order_id: str, caller: Caller, reason: str) -> VendorOrder:
    """Vendor staff refuse (reason): payments voids that part, catalog releases its stock."""
    vendor_order = acted_on(uow, vendor_order_id, caller, vendor=True)
    _refuse(uow, vendor_order, caller.actor, reason)
    return vendor_order


def ship(uow, vendor_order_id: str, caller: Caller, shipment: ShipVendorOrder) -> VendorOrder:
    """Vendor staff ship some or all remaining units: ``partially_shipped`` until every unit is shipped."""
    vendor_order = acted_on(uow, vendor_order_id, caller, vendor=True)
    lines = _lines(uow.session, vendor_order.id)
    ordered, already = sum(line.quantity for line in lines), sum(line.shipped_quantity for line in lines)
    target = status_after_shipment(ordered, already + sum(shipment.lines.values()))
    check_transition("vendor_order", vendor_order.status, target)  # 409 before any quantity is looked at
    _check_quantities(lines, shipment.lines)
    moment, by_id = now(), {line.id: line for line in lines}
    row = Shipment(id=new_id(), order_id=vendor_order.order_id, vendor_order_id=vendor_order.id,
                   vendor_id=vendor_order.vendor_id, carrier=shipment.carrier, tracking_number=shipment.tracking_number,
                   tracking_url=shipment.tracking_url, actor=dict(caller.actor), shipped_at=moment)
    uow.session.add(row)
    uow.session.flush()
    for line_id, quantity in shipment.lines.items():
        by_id[line_id].shipped_quantity += quantity
        uow.session.add(ShipmentLine(shipment_id=row.id, order_line_id=line_id, quantity=quantity))
    move_vendor_order(uow.session, vendor_order, target, caller.actor)
    uow.publish("vendor_order.shipped", _shipped_data(vendor_order, row, caller.actor, by_id, shipment.lines),
                subject=vendor_order.order_id)
    return vendor_order


def deliver(uow, vendor_order_id: str, caller: Caller) -> VendorOrder:
    """The vendor, an operator or the order's customer confirms delivery: ``shipped → delivered``."""
    vendor_order = acted_on(uow, vendor_order_id, caller, vendor=True, customer=True, admin=True)
    move_vendor_order(uow.session, vendor_order, _V.DELIVERED, caller.actor)
    vendor_order.delivered_at = vendor_order.status_changed_at
    uow.publish("vendor_order.delivered", {**_facts(vendor_order, caller.actor),
                                           "delivered_at": vendor_order.delivered_at.isoformat()},
                subject=vendor_order.order_id)
    return vendor_order


def cancel(uow, vendor_order_id: str, caller: Caller, reason: str | None) -> VendorOrder:
    """The customer before shipping, an operator (reason) until delivery; after capture, a refund request."""
    vendor_order = acted_on(uow, vendor_order_id, caller, customer=True, admin=True)
    by_operator = caller.admin
    if by_operator and not reason:
        raise Problem(422, "validation-failed", "an operator says why", errors={"reason": ["required"]})
    check_vendor_order_cancellation(vendor_order.status, by_operator=by_operator)
    reason = reason or "customer_request"
    move_vendor_order(uow.session, vendor_order, _V.CANCELLED, caller.actor, reason)
    uow.publish("vendor_order.cancelled", {**_facts(vendor_order, caller.actor), "reason": reason},
                subject=vendor_order.order_id)
    if vendor_order.captured_at is not None:
        request_refund(uow, vendor_order, reason)
    settle_order_if_final(uow, _order_of(uow.session, vendor_order))
    return vendor_order


def refuse_overdue(uow, now: datetime, *, limit: int = 500) -> list[str]:
    """Refuse vendor orders left ``awaiting_acceptance`` past the deadline; returns their ids (commits)."""
    with uow:
        hours = current_settings(uow.session, OrdersRuntimeSettings).acceptance_deadline_hours
        overdue = _ids_in(uow.session, _V.AWAITING_ACCEPTANCE, VendorOrder.status_changed_at,
                          now - timedelta(hours=hours), limit)
        refused = []
        for vendor_order_id in overdue:
            vendor_order = _locked(uow.session, vendor_order_id)
            if vendor_order.status == _V.AWAITING_ACCEPTANCE:  # accepted meanwhile: nothing to do
                _refuse(uow, vendor_order, SYSTEM, ACCEPTANCE_DEADLINE)
                refused.append(vendor_order_id)
        uow.commit()
        return refused


def complete_delivered(uow, now: datetime, *, limit: int = 500) -> list[str]:
    """Complete delivered vendor orders whose return window ended with no open return; returns their ids."""
    with uow:
        days = current_settings(uow.session, OrdersRuntimeSettings).return_window_days
        candidates = _ids_in(uow.session, _V.DELIVERED, VendorOrder.delivered_at, now - timedelta(days=days), limit)
        completed = []
        for vendor_order_id in candidates:
            vendor_order = _locked(uow.session, vendor_order_id)
            returns = uow.session.scalars(select(Return.status).where(Return.vendor_order_id == vendor_order_id))
            if vendor_order.status == _V.DELIVERED and is_due_for_completion(
                    utc(vendor_order.delivered_at), now, days, returns.all()):
                move_vendor_order(uow.session, vendor_order, _V.COMPLETED, SYSTEM)
                uow.publish("vendor_order.completed", _facts(vendor_order, SYSTEM), subject=vendor_order.order_id)
                settle_order_if_final(uow, _order_of(uow.session, vendor_order))
                completed.append(vendor_order_id)
        uow.commit()
        return completed


def settle_order_if_final(uow, order: Order) -> OrderStatus | None:
    """Once every vendor order of a processing order is final: ``completed`` (one completed) or ``cancelled``."""
    if order.status != OrderStatus.PROCESSING:
        return None
    uow.session.flush()
    statuses = uow.session.scalars(select(VendorOrder.status).where(VendorOrder.order_id == order.id)).all()
    outcome = order_outcome(statuses)
    if outcome is None:
        return None
    money = {"order_id": order.id, "customer_id": order.customer_id, "currency": order.currency,
             "total_minor": order.total_minor}
    if outcome == OrderStatus.COMPLETED:
        move_order(uow.session, order, outcome, SYSTEM)
        uow.publish("order.completed", money, subject=order.id)
    else:
        move_order(uow.session, order, outcome, SYSTEM, ALL_FINAL)
        uow.publish("order.cancelled", {**money, "reason": ALL_FINAL, "actor": SYSTEM}, subject=order.id)
    return outcome


def acted_on(uow, vendor_order_id: str, caller: Caller, *, vendor: bool = False, customer: bool = False,
             admin: bool = False, vendor_roles: frozenset[str] | None = None,
             refusal: str = "this caller may not do that to a vendor order") -> VendorOrder:
    """Look up (404 when not visible), then check this caller may do this action (403), then lock.

    ``vendor_roles``: only those staff roles of the vendor (the token's ``vendor_role``), not all its staff.
    """
    vendor_order = vendor_order_for(uow.session, vendor_order_id, caller)
    own_vendor = vendor and caller.vendor_id == vendor_order.vendor_id and (
        vendor_roles is None or caller.vendor_role in vendor_roles)
    allowed = own_vendor or (customer and caller.customer_id == vendor_order.customer_id) or (admin and caller.admin)
    if not allowed:
        raise Problem(403, "insufficient-role", refusal)
    return vendor_order_for(uow.session, vendor_order_id, caller, lock=True)


def _sees(caller: Caller, vendor_order: VendorOrder) -> bool:
    return (caller.operator or (caller.vendor_id is not None and caller.vendor_id == vendor_order.vendor_id)
            or (caller.customer_id is not None and caller.customer_id == vendor_order.customer_id))


def _locked(session, vendor_order_id: str) -> VendorOrder:
    vendor_order = session.get(VendorOrder, vendor_order_id)
    session.get(Order, vendor_order.order_id, with_for_update=True, populate_existing=True)
    session.refresh(vendor_order, with_for_update=True)
    return vendor_order


def _refuse(uow, vendor_order: VendorOrder, actor: Mapping[str, Any], reason: str) -> None:
    move_vendor_order(uow.session, vendor_order, _V.REFUSED, actor, reason)
    uow.publish("vendor_order.refused", {**_facts(vendor_order, actor), "reason": reason},
                subject=vendor_order.order_id)
    settle_order_if_final(uow, _order_of(uow.session, vendor_order))


def _check_quantities(lines: list[OrderLine], requested: Mapping[str, int]) -> None:
    """422 naming each requested line that is not this vendor order's or exceeds its remaining units."""
    by_id, problems = {line.id: line for line in lines}, []
    for line_id, quantity in requested.items():
        line = by_id.get(line_id)
        if line is None:
            problems.append({"line_id": line_id, "reason": "unknown_line"})
        elif quantity > line.quantity - line.shipped_quantity:
            problems.append({"line_id": line_id, "reason": "exceeds_remaining",
                             "remaining_quantity": line.quantity - line.shipped_quantity})
    if problems:
        raise Problem(422, "shipment-refused", "some lines cannot be shipped in these quantities", lines=problems)


def _ids_in(session, status: str, since_column, until: datetime, limit: int) -> list[str]:
    query = (select(VendorOrder.id).where(VendorOrder.status == status, since_column <= until)
             .order_by(since_column).limit(limit))
    return list(session.scalars(query))


def _lines(session, vendor_order_id: str) -> list[OrderLine]:
    return list(session.scalars(select(OrderLine).where(OrderLine.vendor_order_id == vendor_order_id)
                                .order_by(OrderLine.position)))


def _order_of(session, vendor_order: VendorOrder) -> Order:
    return session.get(Order, vendor_order.order_id)


def _facts(vendor_order: VendorOrder, actor: Mapping[str, Any]) -> dict:
    return {"order_id": vendor_order.order_id, "vendor_order_id": vendor_order.id, "vendor_id": vendor_order.vendor_id,
            "customer_id": vendor_order.customer_id, "currency": vendor_order.currency,
            "total_minor": vendor_order.total_minor, "actor": dict(actor)}


def _shipped_data(vendor_order: VendorOrder, shipment: Shipment, actor, by_id: Mapping[str, OrderLine],
                  quantities: Mapping[str, int]) -> dict:
    """``vendor_order.shipped`` once per shipment; ``partial`` while units remain, ``lines`` this parcel's."""
    data = {**_facts(vendor_order, actor), "carrier": shipment.carrier, "tracking_number": shipment.tracking_number,
            "shipped_at": shipment.shipped_at.isoformat(), "shipment_id": shipment.id,
            "partial": vendor_order.status == _V.PARTIALLY_SHIPPED,
            "lines": [{"line_id": line_id, "offer_id": by_id[line_id].offer_id, "quantity": quantity}
                      for line_id, quantity in quantities.items()]}
    if shipment.tracking_url:
        data["tracking_url"] = shipment.tracking_url
    return data
