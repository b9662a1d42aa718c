"""Events payments consumes (each handler translates an event into a command)."""
from __future__ import annotations

from datetime import datetime
from typing import Mapping

from chassis.events.consumer import EventHandler
from chassis.events.envelope import CloudEvent
from chassis.uow import UnitOfWork
from payments import handlers
from payments.domain.states import PayableOrderStatus


def on_order_placed(uow: UnitOfWork, event: CloudEvent) -> None:
    data = event.data
    handlers.record_placed_order(uow, handlers.RecordPlacedOrder(
        order_id=data["order_id"], customer_id=data["customer_id"], currency=data["currency"],
        total_minor=data["total_minor"], placed_at=datetime.fromisoformat(data["placed_at"])))


def on_order_awaiting_payment(uow: UnitOfWork, event: CloudEvent) -> None:
    handlers.advance_payable_order(uow, handlers.AdvancePayableOrder(event.data["order_id"],
                                                                     PayableOrderStatus.AWAITING_PAYMENT))


def on_order_cancelled(uow: UnitOfWork, event: CloudEvent) -> None:
    handlers.advance_payable_order(uow, handlers.AdvancePayableOrder(event.data["order_id"],
                                                                     PayableOrderStatus.CANCELLED))


def handlers_by_type() -> Mapping[str, EventHandler]:
    """Event type -> handler; a subset of ``contracts.subscriptions('payments')``."""
    return {"order.placed": on_order_placed, "order.awaiting_payment": on_order_awaiting_payment,
            "order.cancelled": on_order_cancelled}
