"""Events catalog consumes (each handler translates an event into a command).

Orders drive the stock: placed → reserve; cancelled / rejected → release the
whole order; a vendor order refused or cancelled → release what it still has
reserved; shipped → sell the parcel's units; a return received → restock what
the vendor chose to. Identity drives vendor states, which decide whether a
vendor's offers are sellable.
"""
from __future__ import annotations

from datetime import datetime
from typing import Mapping

from chassis.events.consumer import BatchHandler, EventHandler
from chassis.events.envelope import CloudEvent
from chassis.uow import UnitOfWork
from catalog import listing, reservations, sales
from catalog.models import VendorState
from catalog.models.base import utc


def on_order_placed(uow: UnitOfWork, event: CloudEvent) -> None:
    reservations.reserve_order(uow, event.data)


def on_orders_placed(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    """A backlog of placed orders, reserved in one transaction (each decided as alone)."""
    reservations.reserve_orders(uow, [event.data for event in events],
                                [event.correlationid or event.id for event in events])


def on_order_cancelled(uow: UnitOfWork, event: CloudEvent) -> None:
    reservations.release(uow, event.data["order_id"], reason="order_cancelled")


def on_order_rejected(uow: UnitOfWork, event: CloudEvent) -> None:
    reservations.release(uow, event.data["order_id"], reason="order_rejected")


def on_vendor_order_refused(uow: UnitOfWork, event: CloudEvent) -> None:
    reservations.release(uow, event.data["order_id"], vendor_order_id=event.data["vendor_order_id"],
                         reason="vendor_order_refused")


def on_vendor_order_cancelled(uow: UnitOfWork, event: CloudEvent) -> None:
    reservations.release(uow, event.data["order_id"], vendor_order_id=event.data["vendor_order_id"],
                         reason="vendor_order_cancelled")


def on_vendor_order_shipped(uow: UnitOfWork, event: CloudEvent) -> None:
    sales.mark_sold(uow, event.data["vendor_order_id"], sales.shipped_units(event.data),
                           shipment_id=event.data.get("shipment_id"))


def on_return_received(uow: UnitOfWork, event: CloudEvent) -> None:
    sales.restock_return(uow, event.data)


def on_vendor_suspended(uow: UnitOfWork, event: CloudEvent) -> None:
    set_vendor_state(uow, event.data["vendor_id"], suspended=True, as_of=_event_time(event))


def on_vendor_reinstated(uow: UnitOfWork, event: CloudEvent) -> None:
    set_vendor_state(uow, event.data["vendor_id"], suspended=False, as_of=_event_time(event))


def set_vendor_state(uow: UnitOfWork, vendor_id: str, *, suspended: bool, as_of: datetime) -> bool:
    """Record whether a vendor is suspended and refresh its products' listing; False if ``as_of`` is stale.

    Suspension and reinstatement may arrive out of order: a state older than
    the one recorded (by the event's time) is ignored.
    """
    with uow:
        state = uow.session.get(VendorState, vendor_id, with_for_update=True)
        if state is not None and utc(state.updated_at) > as_of:
            uow.commit()
            return False
        if state is None:
            state = VendorState(vendor_id=vendor_id)
            uow.session.add(state)
        state.suspended, state.updated_at = suspended, as_of
        uow.session.flush()
        listing.refresh_for_vendor(uow.session, vendor_id)
        uow.commit()
        return True


def _event_time(event: CloudEvent) -> datetime:
    return utc(event.occurred_at)


def handlers_by_type() -> Mapping[str, EventHandler]:
    """Event type -> handler; must match ``contracts.subscriptions`` for catalog."""
    return {"order.placed": on_order_placed, "order.cancelled": on_order_cancelled,
            "order.rejected": on_order_rejected, "vendor_order.refused": on_vendor_order_refused,
            "vendor_order.cancelled": on_vendor_order_cancelled, "vendor_order.shipped": on_vendor_order_shipped,
            "return.received": on_return_received, "vendor.suspended": on_vendor_suspended,
            "vendor.reinstated": on_vendor_reinstated}


def batch_handlers_by_type() -> Mapping[str, BatchHandler]:
    """Event types also handled in batches when they queue up (the order saga's busiest step)."""
    return {"order.placed": on_orders_placed}
