"""The order saga's steps in orders: what stock and payment facts do to an order, and its cancellations.

Every use case runs inside the caller's unit of work (an event consumer's, a request's, the
worker's timer) and changes statuses only through ``move_order`` / ``move_vendor_order``.

Duplicates and events out of order are expected. The consumer's inbox drops a redelivered event;
the same fact under another event id finds the order already moved on, and is ignored with a log
line (never a 409: an event is not a request that can be refused). The order row is locked first,
so two facts about one order are applied one after the other.

* ``payment.authorized`` before ``stock.reserved``: remembered on the order (``payment_id``,
  ``payment_authorized_at``); ``stock.reserved`` then moves it to ``awaiting_payment`` and at once
  to ``processing``, announcing both.
* ``payment.authorized`` for an order already cancelled (the unpaid timeout, or the customer, won
  the race): the order stays cancelled; payments voids the authorization on ``order.cancelled``.
* ``payment.failed`` for an order awaiting payment: counted. The customer may pay again with
  another method until ``payment_attempts`` attempts (runtime setting, 3) have failed; the last
  one cancels the order with its reason code (catalog releases the stock). Set to 1, the first
  failure cancels. In any other state it is ignored; the unpaid timeout still cancels an order
  nobody pays.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from chassis.runtime_settings import RECENT_ENOUGH, current
from orders.domain.states import IllegalTransition, OrderStatus, VendorOrderStatus
from orders.fulfilment import settle_order_if_final
from orders.models import Order, VendorOrder
from orders.models.base import utc
from orders.settings import OrdersRuntimeSettings
from orders.transitions import move_order, move_vendor_order

log = logging.getLogger("orders.saga")

_O, _V = OrderStatus, VendorOrderStatus
SYSTEM: Mapping[str, Any] = {"kind": "system", "id": None}
PAYMENT_TIMEOUT = "payment_timeout"
UNPAID_BATCH = 100  # orders cancelled per timer run; the next run takes the rest


def stock_reserved(uow, order_id: str, actor: Mapping[str, Any]) -> bool:
    """``pending`` → ``awaiting_payment`` (``order.awaiting_payment``), and on to ``processing`` if already paid."""
    with uow:
        order = _locked_order(uow, order_id, "stock.reserved")
        if order is None or not _expects(order, _O.PENDING, "stock.reserved"):
            uow.commit()
            return False
        move_order(uow.session, order, _O.AWAITING_PAYMENT, actor)
        timeout = current(uow.session, OrdersRuntimeSettings, max_age=RECENT_ENOUGH).payment_timeout_minutes
        due_at = utc(order.updated_at) + timedelta(minutes=timeout)
        uow.publish("order.awaiting_payment", {**_money(order), "payment_due_at": due_at.isoformat()},
                    subject=order.id)
        if order.payment_authorized_at is not None:  # payment.authorized came first
            _start_processing(uow, order, actor)
        uow.commit()
        return True


def stock_rejected(uow, order_id: str, lines: Sequence[Mapping[str, Any]], actor: Mapping[str, Any]) -> bool:
    """``pending`` → ``rejected`` with the lines' reasons, its vendor orders cancelled; ``order.rejected``."""
    with uow:
        order = _locked_order(uow, order_id, "stock.rejected")
        if order is None or not _expects(order, _O.PENDING, "stock.rejected"):
            uow.commit()
            return False
        reason = ", ".join(sorted({line["reason"] for line in lines}))  # e.g. "insufficient_stock"
        move_order(uow.session, order, _O.REJECTED, actor, reason)
        _cancel_pending_vendor_orders(uow, order, actor, reason)
        uow.publish("order.rejected", {"order_id": order.id, "customer_id": order.customer_id, "reason": reason},
                    subject=order.id)
        uow.commit()
        return True


def payment_authorized(uow, order_id: str, payment_id: str, authorized_at: datetime,
                       actor: Mapping[str, Any]) -> bool:
    """``awaiting_payment`` → ``processing`` (vendor orders awaiting acceptance); remembered while ``pending``."""
    with uow:
        order = _locked_order(uow, order_id, "payment.authorized")
        if order is None:
            uow.commit()
            return False
        if order.status == _O.PENDING:
            if order.payment_authorized_at is None:
                order.payment_id, order.payment_authorized_at = payment_id, authorized_at
            uow.commit()
            return True
        if order.status == _O.CANCELLED:
            log.warning("payment %s authorized for cancelled order %s: left cancelled, payments voids it",
                        payment_id, order.id)
        moved = _expects(order, _O.AWAITING_PAYMENT, "payment.authorized")
        if moved:
            order.payment_id, order.payment_authorized_at = payment_id, authorized_at
            _start_processing(uow, order, actor)
        uow.commit()
        return moved


def payment_failed(uow, order_id: str, reason_code: str, actor: Mapping[str, Any]) -> bool:
    """Count a failed attempt; the ``payment_attempts``-th cancels the order with its reason code."""
    with uow:
        order = _locked_order(uow, order_id, "payment.failed")
        cancelled = False
        if order is not None and _expects(order, _O.AWAITING_PAYMENT, "payment.failed"):
            order.payment_failures += 1
            # Read exactly (not cached): a failed payment is rare and the limit decides a cancellation.
            if order.payment_failures >= current(uow.session, OrdersRuntimeSettings).payment_attempts:
                _cancel(uow, order, actor, reason_code)
                cancelled = True
        uow.commit()
        return cancelled


def cancel_order(uow, order: Order, actor: Mapping[str, Any], reason: str) -> None:
    """A customer's (or operator's) cancellation of an unpaid order; ``order.cancelled``.

    409 unless the order is ``awaiting_payment``: a pending one waits for catalog's answer, and a
    paid one is cancelled vendor order by vendor order (each its own void or refund).
    """
    with uow:
        if order.status == _O.PROCESSING:
            raise IllegalTransition("order", order.status, _O.CANCELLED, "cancel its vendor orders instead")
        _cancel(uow, order, actor, reason)
        uow.commit()


def cancel_unpaid(uow, now: datetime) -> list[str]:
    """Cancel orders ``awaiting_payment`` for longer than ``payment_timeout_minutes``; their ids.

    An order waiting for payment changes only by leaving that status, so ``updated_at`` is when it
    began waiting. Rows locked by another transaction (a payment being applied, another worker's
    timer) are skipped: the next run sees them again if they are still unpaid.
    """
    with uow:
        timeout = current(uow.session, OrdersRuntimeSettings).payment_timeout_minutes
        cutoff = now - timedelta(minutes=timeout)
        overdue = uow.session.scalars(
            select(Order).where(Order.status == _O.AWAITING_PAYMENT, Order.updated_at <= cutoff)
            .order_by(Order.updated_at, Order.id).limit(UNPAID_BATCH).with_for_update(skip_locked=True)).all()
        for order in overdue:
            _cancel(uow, order, SYSTEM, PAYMENT_TIMEOUT)
        uow.commit()
        return [order.id for order in overdue]


def payment_captured(uow, vendor_order_id: str, captured_at: datetime) -> bool:
    """Remember when the vendor order's part was captured (a later cancellation is then a refund)."""
    with uow:
        vendor_order = uow.session.get(VendorOrder, vendor_order_id, with_for_update=True)
        if vendor_order is None or vendor_order.captured_at is not None:
            log.info("payment.captured for vendor order %s ignored (unknown or already captured)", vendor_order_id)
            uow.commit()
            return False
        vendor_order.captured_at = captured_at
        uow.commit()
        return True


def capture_failed(uow, order_id: str, vendor_order_id: str, reason_code: str, actor: Mapping[str, Any]) -> bool:
    """An accepted vendor order whose part could not be captured is cancelled with that reason.

    ``vendor_order.cancelled`` (catalog releases its stock, payments voids that part); the order
    is settled if that was its last open vendor order.
    """
    with uow:
        order = _locked_order(uow, order_id, "payment.capture_failed")
        vendor_order = order and uow.session.get(VendorOrder, vendor_order_id, with_for_update=True)
        if vendor_order is None or vendor_order.order_id != order_id or vendor_order.status != _V.ACCEPTED:
            log.info("payment.capture_failed for vendor order %s ignored: unknown or not accepted", vendor_order_id)
            uow.commit()
            return False
        move_vendor_order(uow.session, vendor_order, _V.CANCELLED, actor, reason_code)
        uow.publish("vendor_order.cancelled", {
            "order_id": order_id, "vendor_order_id": vendor_order.id, "vendor_id": vendor_order.vendor_id,
            "customer_id": vendor_order.customer_id, "currency": vendor_order.currency,
            "total_minor": vendor_order.total_minor, "actor": dict(actor), "reason": reason_code},
            subject=order_id)
        settle_order_if_final(uow, order)
        uow.commit()
        return True


def _locked_order(uow, order_id: str, fact: str) -> Order | None:
    order = uow.session.get(Order, order_id, with_for_update=True)
    if order is None:  # orders writes order.placed with the order: a replay into another database
        log.warning("%s for unknown order %s ignored", fact, order_id)
    return order


def _expects(order: Order, status: str, fact: str) -> bool:
    """Whether ``fact`` applies to ``order`` now; a stale or repeated fact is logged and ignored."""
    if order.status == status:
        return True
    log.info("%s for order %s ignored: it is %s, not %s", fact, order.id, order.status, status)
    return False


def _start_processing(uow, order: Order, actor: Mapping[str, Any]) -> None:
    move_order(uow.session, order, _O.PROCESSING, actor)
    for vendor_order in _vendor_orders(uow, order, _V.PENDING):
        move_vendor_order(uow.session, vendor_order, _V.AWAITING_ACCEPTANCE, actor)
    uow.publish("order.processing", {"order_id": order.id, "customer_id": order.customer_id,
                                     "payment_id": order.payment_id}, subject=order.id)


def _cancel(uow, order: Order, actor: Mapping[str, Any], reason: str) -> None:
    move_order(uow.session, order, _O.CANCELLED, actor, reason)
    _cancel_pending_vendor_orders(uow, order, actor, reason)
    # catalog releases the stock, payments voids whatever was authorized.
    uow.publish("order.cancelled", {**_money(order), "reason": reason, "actor": dict(actor)}, subject=order.id)


def _cancel_pending_vendor_orders(uow, order: Order, actor: Mapping[str, Any], reason: str) -> None:
    # No vendor_order.cancelled: nobody saw these vendor orders live; order.cancelled / rejected covers them.
    for vendor_order in _vendor_orders(uow, order, _V.PENDING):
        move_vendor_order(uow.session, vendor_order, _V.CANCELLED, actor, reason)


def _vendor_orders(uow, order: Order, status: str) -> list[VendorOrder]:
    return list(uow.session.scalars(select(VendorOrder).where(VendorOrder.order_id == order.id,
                                                              VendorOrder.status == status)
                                    .order_by(VendorOrder.id).with_for_update()))


def _money(order: Order) -> dict:
    return {"order_id": order.id, "customer_id": order.customer_id, "currency": order.currency,
            "total_minor": order.total_minor}
