"""Events payments consumes (each handler translates an event into a command)."""
from __future__ import annotations

from collections.abc import Mapping

from chassis.events.consumer import EventHandler
from chassis.events.envelope import CloudEvent
from chassis.uow import UnitOfWork
from payments import crediting, payable_orders, refunds, settlement
from payments.domain.states import PayableOrderStatus


def on_order_placed(uow: UnitOfWork, event: CloudEvent) -> None:
    payable_orders.record_placed_order(uow, event.data)


def on_order_awaiting_payment(uow: UnitOfWork, event: CloudEvent) -> None:
    _follow(uow, event, PayableOrderStatus.AWAITING_PAYMENT)


def on_order_completed(uow: UnitOfWork, event: CloudEvent) -> None:
    _follow(uow, event, PayableOrderStatus.COMPLETED)


def on_order_cancelled(uow: UnitOfWork, event: CloudEvent) -> None:
    _follow(uow, event, PayableOrderStatus.CANCELLED)
    settlement.void_order(uow, event.data["order_id"])


def on_order_rejected(uow: UnitOfWork, event: CloudEvent) -> None:
    _follow(uow, event, PayableOrderStatus.REJECTED)
    settlement.void_order(uow, event.data["order_id"])


def on_vendor_order_accepted(uow: UnitOfWork, event: CloudEvent) -> None:
    settlement.capture(uow, event.data["vendor_order_id"])


def on_vendor_order_released(uow: UnitOfWork, event: CloudEvent) -> None:
    """Refused or cancelled: its part is voided if not captured (a captured one comes back as a refund)."""
    settlement.void_vendor_order(uow, event.data["vendor_order_id"])


def on_vendor_order_completed(uow: UnitOfWork, event: CloudEvent) -> None:
    crediting.release(uow, event.data["vendor_order_id"])


def on_refund_requested(uow: UnitOfWork, event: CloudEvent) -> None:
    refunds.refund(uow, event.data)


def _follow(uow: UnitOfWork, event: CloudEvent, status: PayableOrderStatus) -> None:
    with uow:
        payable_orders.follow_order(uow, event.data["order_id"], status)
        uow.commit()


def handlers_by_type() -> Mapping[str, EventHandler]:
    """Event type -> handler; a subset of ``contracts.subscriptions('payments')``."""
    return {"order.placed": on_order_placed, "order.awaiting_payment": on_order_awaiting_payment,
            "order.cancelled": on_order_cancelled, "order.rejected": on_order_rejected,
            "order.completed": on_order_completed, "vendor_order.accepted": on_vendor_order_accepted,
            "vendor_order.refused": on_vendor_order_released, "vendor_order.cancelled": on_vendor_order_released,
            "vendor_order.completed": on_vendor_order_completed, "refund.requested": on_refund_requested}
