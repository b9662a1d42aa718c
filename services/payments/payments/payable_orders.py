"""Orders as payments learns them from events: amounts, the vendor split and the lines, then the status."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chassis.errors import Problem
from chassis.uow import UnitOfWork
from payments.domain.states import PAYABLE_ORDER_TRANSITIONS, PayableOrderStatus, follows
from payments.models import PayableOrder, PayableVendorOrder
from payments.models.base import now


def record_placed_order(uow: UnitOfWork, placed: Mapping[str, Any]) -> None:
    """Remember what the order costs and how it splits, so a payment never takes amounts from a client."""
    with uow:
        if uow.session.get(PayableOrder, placed["order_id"]) is None:
            uow.session.add(PayableOrder(
                order_id=placed["order_id"], customer_id=placed["customer_id"], currency=placed["currency"],
                total_minor=placed["total_minor"], status=PayableOrderStatus.PLACED,
                placed_at=datetime.fromisoformat(placed["placed_at"]), updated_at=now()))
            uow.session.flush()
            uow.session.add_all(_vendor_order(placed, part) for part in placed["vendor_orders"])
        uow.commit()


def follow_order(uow: UnitOfWork, order_id: str, status: PayableOrderStatus) -> PayableOrder:
    """Move to ``status`` if it follows; a stale or repeated event keeps the current one.

    An event for an order not known yet raises, so the consumer retries it after ``order.placed``.
    """
    order = locked_order(uow.session, order_id)
    if order is None:
        raise LookupError(f"order {order_id} not known yet (order.placed not handled)")
    if follows(PAYABLE_ORDER_TRANSITIONS, PayableOrderStatus(order.status), status):
        order.status, order.updated_at = status, now()
    return order


def locked_order(session, order_id: str) -> PayableOrder | None:
    return session.get(PayableOrder, order_id, with_for_update=True)


def customers_order(session, order_id: str, customer_id: str) -> PayableOrder:
    """The customer's own order, locked; anyone else's is a 404 like an unknown one."""
    order = locked_order(session, order_id)
    if order is None or order.customer_id != customer_id:
        raise Problem(404, "not-found", f"order {order_id} not found")
    return order


def _vendor_order(placed: Mapping[str, Any], part: Mapping[str, Any]) -> PayableVendorOrder:
    lines = [dict(line_id=line["line_id"], offer_id=line["offer_id"], category_id=line.get("category_id"),
                  quantity=line["quantity"], unit_price_minor=line["unit_price_minor"],
                  amount_minor=line["quantity"] * line["unit_price_minor"]) for line in part["lines"]]
    return PayableVendorOrder(
        vendor_order_id=part["vendor_order_id"], order_id=placed["order_id"], vendor_id=part["vendor_id"],
        currency=placed["currency"], items_total_minor=part["items_total_minor"],
        shipping_minor=part["shipping_minor"], total_minor=part["total_minor"], lines=lines)
