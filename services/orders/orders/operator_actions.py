"""What an admin operator does to a whole order: force-cancel it, with a reason, whatever was paid.

The use case composes the saga's and fulfilment's own cancellations rather than moving statuses
itself, so the events, the timeline, the stock release and the void or refund are exactly theirs:

* ``awaiting_payment``: ``saga.cancel_order`` (``order.cancelled``: catalog releases the stock,
  payments voids any authorization).
* ``processing``: each open vendor order is cancelled through fulfilment's operator path
  (``vendor_order.cancelled``, and ``refund.requested`` once its part was captured); the last one
  settles the order (``cancelled``, or ``completed`` if a vendor order had already completed).
* ``pending``: 409. Catalog is reserving the stock; a cancellation now would race that answer
  (a reservation arriving after it would hold stock nobody releases). Retry once it is awaiting payment.
* A processing order with a ``delivered`` vendor order: 409, nothing changed. Delivered goods come
  back through a return, and cancelling only the other vendor orders is what ``…/vendor-orders/<id>/cancel`` is for.
* ``completed``, ``rejected``, ``cancelled``: 409 from the state machine.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from chassis.errors import Problem
from orders import fulfilment
from orders.domain.states import VENDOR_ORDER_FINAL, IllegalTransition, OrderStatus, VendorOrderStatus
from orders.models import Order, VendorOrder
from orders.saga import cancel_order

_O, _V = OrderStatus, VendorOrderStatus


def force_cancel(uow, order_id: str, actor: Mapping[str, Any], reason: str) -> Order:
    """Cancel an unpaid or paid order (admin operators, reason required); see the module docstring."""
    with uow:
        order = uow.session.get(Order, order_id, with_for_update=True)
        if order is None:
            raise Problem(404, "not-found", f"order {order_id[:64]!r} not found")
        if order.status == _O.PENDING:
            raise IllegalTransition("order", order.status, _O.CANCELLED,
                                    "its stock reservation is in flight; retry once it awaits payment")
        if order.status == _O.PROCESSING:
            _cancel_open_vendor_orders(uow, order, actor, reason)
        else:
            cancel_order(uow, order, actor, reason)  # 409 unless awaiting payment
        uow.commit()
        return order


def _cancel_open_vendor_orders(uow, order: Order, actor: Mapping[str, Any], reason: str) -> None:
    open_ones = uow.session.scalars(select(VendorOrder).where(
        VendorOrder.order_id == order.id, VendorOrder.status.not_in(list(VENDOR_ORDER_FINAL)))
        .order_by(VendorOrder.id)).all()
    delivered = [vendor_order.id for vendor_order in open_ones if vendor_order.status == _V.DELIVERED]
    if delivered:
        raise IllegalTransition("order", order.status, _O.CANCELLED,
                                f"vendor order {delivered[0]} was delivered: it comes back through a return")
    operator = fulfilment.Caller(actor=actor, operator=True, admin=True)
    for vendor_order in open_ones:
        fulfilment.cancel(uow, vendor_order.id, operator, reason)
