"""Payments use cases, each run inside a unit of work."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chassis.events.envelope import utcnow
from chassis.uow import UnitOfWork
from payments.domain.states import PAYABLE_ORDER_TRANSITIONS, PayableOrderStatus, follows
from payments.models import PayableOrder


@dataclass(frozen=True)
class RecordPlacedOrder:
    order_id: str
    customer_id: str
    currency: str
    total_minor: int
    placed_at: datetime


@dataclass(frozen=True)
class AdvancePayableOrder:
    order_id: str
    status: PayableOrderStatus


def record_placed_order(uow: UnitOfWork, command: RecordPlacedOrder) -> None:
    """Remember what the order costs, so a payment never takes the amount from the client."""
    with uow:
        if uow.session.get(PayableOrder, command.order_id) is None:
            uow.session.add(PayableOrder(order_id=command.order_id, customer_id=command.customer_id,
                                         currency=command.currency, total_minor=command.total_minor,
                                         status=PayableOrderStatus.PLACED.value, placed_at=command.placed_at,
                                         updated_at=utcnow()))
        uow.commit()


def advance_payable_order(uow: UnitOfWork, command: AdvancePayableOrder) -> None:
    """Follow the order's status; an event for an order not yet known waits in the retry loop."""
    with uow:
        order = uow.session.get(PayableOrder, command.order_id)
        if order is None:
            raise LookupError(f"order {command.order_id} not known yet (order.placed not handled)")
        if follows(PAYABLE_ORDER_TRANSITIONS, PayableOrderStatus(order.status), command.status):
            order.status = command.status.value
        order.updated_at = utcnow()
        uow.commit()
