"""Events orders consumes (each handler translates an event into a command).

Catalog's answer moves a pending order on (reserved → awaiting payment, rejected → rejected);
payments' answer moves an unpaid one (authorized → processing; a failed attempt is counted, the
customer may pay again until the last allowed one cancels it), records captures and cancels a vendor order whose capture failed; its
refund answers settle the refund requests orders sent (see ``orders.refunds``). Every step tolerates
duplicates and events out of order (see ``orders.saga``).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Mapping

from chassis import context
from chassis.actors import event_actor
from chassis.events.consumer import BatchHandler, EventHandler
from chassis.events.envelope import CloudEvent
from chassis.uow import UnitOfWork
from orders import refunds, saga


def on_stock_reserved(uow: UnitOfWork, event: CloudEvent) -> None:
    saga.stock_reserved(uow, event.data["order_id"], event_actor())


def on_stocks_reserved(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    """A backlog of reservations moved on in one transaction, each order as if alone (and each event's
    answer keeps that event's correlation id)."""
    with uow:
        for event in events:
            with context.bound(correlation_id=event.correlationid or event.id):
                saga.stock_reserved(uow, event.data["order_id"], event_actor())
        uow.commit()


def on_stock_rejected(uow: UnitOfWork, event: CloudEvent) -> None:
    saga.stock_rejected(uow, event.data["order_id"], event.data["lines"], event_actor())


def on_payment_authorized(uow: UnitOfWork, event: CloudEvent) -> None:
    saga.payment_authorized(uow, event.data["order_id"], event.data["payment_id"], _event_time(event), event_actor())


def on_payment_failed(uow: UnitOfWork, event: CloudEvent) -> None:
    saga.payment_failed(uow, event.data["order_id"], event.data["reason_code"], event_actor())


def on_payment_captured(uow: UnitOfWork, event: CloudEvent) -> None:
    saga.payment_captured(uow, event.data["vendor_order_id"], _event_time(event))


def on_payment_capture_failed(uow: UnitOfWork, event: CloudEvent) -> None:
    saga.capture_failed(uow, event.data["order_id"], event.data["vendor_order_id"], event.data["reason_code"],
                        event_actor())


def on_payment_refunded(uow: UnitOfWork, event: CloudEvent) -> None:
    data = event.data
    refunds.refund_confirmed(uow, refunds.RefundConfirmed(
        refund_id=data["refund_id"], refund_request_id=data["refund_request_id"], order_id=data["order_id"],
        vendor_order_id=data["vendor_order_id"], amount_minor=data["amount_minor"], currency=data["currency"]),
        event_actor())


def on_refund_failed(uow: UnitOfWork, event: CloudEvent) -> None:
    refunds.refund_failed(uow, event.data["order_id"], event.data["vendor_order_id"], event.data["refund_request_id"],
                          event.data["reason_code"], event_actor())


def _event_time(event: CloudEvent) -> datetime:
    moment = event.occurred_at
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def handlers_by_type() -> Mapping[str, EventHandler]:
    """Event type -> handler; a subset of ``contracts.subscriptions`` for orders."""
    return {"stock.reserved": on_stock_reserved, "stock.rejected": on_stock_rejected,
            "payment.authorized": on_payment_authorized, "payment.failed": on_payment_failed,
            "payment.captured": on_payment_captured, "payment.capture_failed": on_payment_capture_failed,
            "payment.refunded": on_payment_refunded, "refund.failed": on_refund_failed}


def batch_handlers_by_type() -> Mapping[str, BatchHandler]:
    """Event types also handled in batches when they queue up (the saga's busiest step in orders)."""
    return {"stock.reserved": on_stocks_reserved}
