"""Returns (RMA): the use cases behind ``/api/v1/returns``.

The customer requests a return of delivered units within the return window → the vendor approves
(return address, RMA number) or refuses (reason; an admin operator may overrule) → the customer
reports the parcel shipped back → the vendor marks it received, choosing per line whether to
restock, and payments is asked to refund those units. A return keeps its own timestamps
(``created_at``, ``updated_at``, ``received_at``) rather than writing to the order's timeline, whose
``from``/``to`` are the order's and vendor orders' statuses. Locks: order, vendor order, then return.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from chassis.errors import Problem
from chassis.runtime_settings import current as current_settings
from orders.domain.money import return_refund_minor
from orders.domain.states import (OPEN_RETURNS, ReturnStatus, VendorOrderStatus, check_return_approval,
                                  check_transition, return_window_closes_at)
from orders.fulfilment import Caller, vendor_order_for
from orders.refunds import request_refund
from orders.models import OrderLine, Return, ReturnLine, VendorOrder
from orders.models.base import new_id, now, utc
from orders.settings import OrdersRuntimeSettings

_R = ReturnStatus


@dataclass(frozen=True)
class RequestReturn:
    vendor_order_id: str
    reason_code: str
    comment: str | None
    lines: Mapping[str, int]  # order line id -> units to return


@dataclass(frozen=True)
class ApproveReturn:
    return_address: Mapping[str, str]
    rma_number: str


@dataclass(frozen=True)
class ShipBack:
    carrier: str
    tracking_number: str
    tracking_url: str | None


def return_for(session, return_id: str, caller: Caller) -> Return:
    """The return if the caller may see it (its customer, its vendor's staff, operators), else 404."""
    found = session.get(Return, return_id)
    if found is None or not (caller.operator or (caller.vendor_id is not None and caller.vendor_id == found.vendor_id)
                             or (caller.customer_id is not None and caller.customer_id == found.customer_id)):
        raise Problem(404, "not-found", f"return {return_id[:64]!r} not found")
    return found


def request_return(uow, caller: Caller, command: RequestReturn) -> Return:
    """The order's customer asks to return delivered units within the window: ``requested``, ``return.requested``."""
    vendor_order = vendor_order_for(uow.session, command.vendor_order_id, caller)
    if caller.customer_id != vendor_order.customer_id:
        raise Problem(403, "insufficient-role", "only the order's customer requests a return")
    vendor_order = vendor_order_for(uow.session, command.vendor_order_id, caller, lock=True)
    _check_returnable(uow.session, vendor_order, now())
    _check_quantities(uow.session, vendor_order, command.lines)
    moment = now()
    row = Return(id=new_id(), order_id=vendor_order.order_id, vendor_order_id=vendor_order.id,
                 vendor_id=vendor_order.vendor_id, customer_id=vendor_order.customer_id, status=_R.REQUESTED,
                 reason_code=command.reason_code, comment=command.comment, created_at=moment, updated_at=moment)
    uow.session.add(row)
    uow.session.flush()
    uow.session.add_all(ReturnLine(return_id=row.id, order_line_id=line_id, quantity=quantity)
                        for line_id, quantity in command.lines.items())
    uow.session.flush()
    uow.publish("return.requested", {**_facts(uow.session, row, caller.actor), "reason": command.reason_code,
                                     "reason_code": command.reason_code, "comment": command.comment},
                subject=row.order_id)
    return row


def approve(uow, return_id: str, caller: Caller, command: ApproveReturn) -> Return:
    """Its vendor approves a requested return; an admin operator may also overrule a refused one."""
    row = _acted_on(uow, return_id, caller, vendor=True, admin=True)
    check_return_approval(row.status, by_operator=caller.admin)
    row.return_address, row.rma_number = dict(command.return_address), command.rma_number
    _move(row, _R.APPROVED)
    uow.publish("return.approved", {**_facts(uow.session, row, caller.actor), "rma_number": row.rma_number,
                                    "return_address": row.return_address}, subject=row.order_id)
    return row


def refuse(uow, return_id: str, caller: Caller, reason: str) -> Return:
    """Its vendor refuses a requested return, saying why."""
    row = _acted_on(uow, return_id, caller, vendor=True)
    check_transition("return", row.status, _R.REFUSED)
    row.refusal_reason = reason
    _move(row, _R.REFUSED)
    uow.publish("return.refused", {**_facts(uow.session, row, caller.actor), "reason": reason}, subject=row.order_id)
    return row


def ship_back(uow, return_id: str, caller: Caller, command: ShipBack) -> Return:
    """The customer reports the approved return shipped back, with its tracking."""
    row = _acted_on(uow, return_id, caller, customer=True)
    check_transition("return", row.status, _R.SHIPPED_BACK)
    row.carrier, row.tracking_number, row.tracking_url = command.carrier, command.tracking_number, command.tracking_url
    _move(row, _R.SHIPPED_BACK)
    return row


def receive(uow, return_id: str, caller: Caller, restock: Mapping[str, bool]) -> Return:
    """Its vendor receives the parcel, restocking per line: ``return.received`` and a refund of those units."""
    row = _acted_on(uow, return_id, caller, vendor=True)
    check_transition("return", row.status, _R.RECEIVED)
    return_lines = _return_lines(uow.session, row.id)
    _check_restock_choices(return_lines, restock)
    vendor_order = uow.session.get(VendorOrder, row.vendor_order_id)
    order_lines = {line.id: line for line in _order_lines(uow.session, vendor_order.id)}
    for return_line in return_lines:
        return_line.restock = restock[return_line.order_line_id]
        order_lines[return_line.order_line_id].returned_quantity += return_line.quantity
    row.refund_minor = return_refund_minor(
        [(order_lines[line.order_line_id].unit_price_minor, line.quantity) for line in return_lines],
        shipping_minor=vendor_order.shipping_minor,
        whole_vendor_order=all(line.returned_quantity == line.quantity for line in order_lines.values()))
    row.received_at = _move(row, _R.RECEIVED)
    facts = _facts(uow.session, row, caller.actor)
    uow.publish("return.received", facts, subject=row.order_id)
    request_refund(uow, vendor_order, f"return {row.rma_number or row.id}: {row.reason_code}",
                   amount_minor=row.refund_minor, return_id=row.id,
                   lines=[{key: line[key] for key in ("line_id", "offer_id", "quantity")} for line in facts["lines"]])
    return row


def _acted_on(uow, return_id: str, caller: Caller, *, vendor: bool = False, customer: bool = False,
              admin: bool = False) -> Return:
    """Look up (404 when not visible), check this caller may do this (403), then lock order, vendor order, return."""
    row = return_for(uow.session, return_id, caller)
    allowed = ((vendor and caller.vendor_id == row.vendor_id) or (customer and caller.customer_id == row.customer_id)
               or (admin and caller.admin))
    if not allowed:
        raise Problem(403, "insufficient-role", "this caller may not do that to a return")
    vendor_order_for(uow.session, row.vendor_order_id, Caller(actor=caller.actor, operator=True), lock=True)
    uow.session.refresh(row, with_for_update=True)
    return row


def _move(row: Return, to_status: str) -> datetime:
    moment = now()
    row.status, row.updated_at = to_status, moment
    return moment


def _check_returnable(session, vendor_order: VendorOrder, moment: datetime) -> None:
    """409 unless delivered; 422 once the return window (runtime setting ``return_window_days``) has closed."""
    if vendor_order.status != VendorOrderStatus.DELIVERED:
        raise Problem(409, "not-returnable", f"a vendor order that is {vendor_order.status} cannot be returned; "
                      "only a delivered one", current_status=vendor_order.status)
    days = current_settings(session, OrdersRuntimeSettings).return_window_days
    closes_at = return_window_closes_at(utc(vendor_order.delivered_at), days)
    if moment > closes_at:
        raise Problem(422, "return-window-closed", f"the return window closed on {closes_at.isoformat()}",
                      closed_at=closes_at.isoformat())


def _check_quantities(session, vendor_order: VendorOrder, requested: Mapping[str, int]) -> None:
    """One 422 naming each line that is not this vendor order's or exceeds its returnable units."""
    in_open_returns = dict(session.execute(
        select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity)).join(Return)
        .where(Return.vendor_order_id == vendor_order.id, Return.status.in_(OPEN_RETURNS))
        .group_by(ReturnLine.order_line_id)).all())
    by_id, problems = {line.id: line for line in _order_lines(session, vendor_order.id)}, []
    for line_id, quantity in requested.items():
        line = by_id.get(line_id)
        returnable = line and line.shipped_quantity - line.returned_quantity - in_open_returns.get(line_id, 0)
        if line is None:
            problems.append({"line_id": line_id, "reason": "unknown_line"})
        elif quantity > returnable:
            problems.append({"line_id": line_id, "reason": "exceeds_returnable", "returnable_quantity": returnable})
    if problems:
        raise Problem(422, "return-refused", "some lines cannot be returned in these quantities", lines=problems)


def _check_restock_choices(return_lines: list[ReturnLine], restock: Mapping[str, bool]) -> None:
    """One 422 unless the vendor decided, once, for each line of the return and for no other."""
    expected = {line.order_line_id for line in return_lines}
    problems = ([{"line_id": line_id, "reason": "not_in_return"} for line_id in restock if line_id not in expected]
                + [{"line_id": line_id, "reason": "missing"} for line_id in sorted(expected - set(restock))])
    if problems:
        raise Problem(422, "receipt-refused", "say for each line of the return, and only those, whether to restock",
                      lines=problems)


def _facts(session, row: Return, actor) -> dict:
    """What every ``return.*`` event says: ids, the customer, and its lines (with ``restock`` once decided)."""
    offers = dict(session.execute(select(OrderLine.id, OrderLine.offer_id)
                                  .where(OrderLine.vendor_order_id == row.vendor_order_id)).all())
    lines = [{"line_id": line.order_line_id, "offer_id": offers[line.order_line_id], "quantity": line.quantity}
             | ({} if line.restock is None else {"restock": line.restock}) for line in _return_lines(session, row.id)]
    return {"return_id": row.id, "order_id": row.order_id, "vendor_order_id": row.vendor_order_id,
            "vendor_id": row.vendor_id, "customer_id": row.customer_id, "lines": lines, "actor": dict(actor)}


def _return_lines(session, return_id: str) -> list[ReturnLine]:
    return list(session.scalars(select(ReturnLine).join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
                                .where(ReturnLine.return_id == return_id).order_by(OrderLine.position)))


def _order_lines(session, vendor_order_id: str) -> list[OrderLine]:
    return list(session.scalars(select(OrderLine).where(OrderLine.vendor_order_id == vendor_order_id)
                                .order_by(OrderLine.position)))
