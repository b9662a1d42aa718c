"""Moving an order or a vendor order to another status: checked, stamped, written to the timeline.

Every status change of orders goes through ``move_order`` or ``move_vendor_order``,
so none can skip the state machine (``orders.domain.states``: an illegal move is a
409 naming both states) or the timeline (time, actor, from, to, reason). Events are
the caller's: which one a move announces depends on the use case.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orders.domain.states import check_transition
from orders.models import Order, TimelineEntry, VendorOrder
from orders.models.base import now

Actor = Mapping[str, Any]


def move_order(session, order: Order, to_status: str, actor: Actor, reason: str | None = None) -> None:
    """``order`` to ``to_status`` (409 if the machine forbids it), with its timeline entry."""
    check_transition("order", order.status, to_status)
    moment = now()
    session.add(TimelineEntry(order_id=order.id, vendor_order_id=None, at=moment, actor=dict(actor),
                              from_status=order.status, to_status=to_status, reason=reason))
    order.status, order.updated_at = to_status, moment
    if reason is not None:
        order.status_reason = reason


def move_vendor_order(session, vendor_order: VendorOrder, to_status: str, actor: Actor,
                      reason: str | None = None) -> None:
    """``vendor_order`` to ``to_status`` (409 if the machine forbids it), with its timeline entry."""
    check_transition("vendor_order", vendor_order.status, to_status)
    moment = now()
    session.add(TimelineEntry(order_id=vendor_order.order_id, vendor_order_id=vendor_order.id, at=moment,
                              actor=dict(actor), from_status=vendor_order.status, to_status=to_status,
                              reason=reason))
    vendor_order.status, vendor_order.status_changed_at, vendor_order.updated_at = to_status, moment, moment
    if reason is not None:
        vendor_order.status_reason = reason
