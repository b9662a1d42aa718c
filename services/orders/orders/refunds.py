"""Refunds of vendor orders: what orders asks payments for, and what payments answers.

``request_refund`` records each ``refund.requested`` of a return or a cancellation (its
``refund_request_id`` is the row's id) and never asks for more than the vendor order's total less
what was refunded and what earlier requests still wait for: it caps a larger amount (a goodwill
refund a person issues is refused instead, see ``orders.goodwill``; both go through
``ask_payments``). ``payment.refunded`` marks the request refunded and adds the amount to the vendor
order's ``refunded_minor``; ``refund.failed`` marks it failed with the reason, which frees its
amount to be asked for again. Both write a timeline entry (``from``/``to`` are the vendor order's
unchanged status, the reason says what happened) so operators see refunds next to status changes.
Answers are facts: a repeat, a stale one or one about an unknown request is logged and ignored.
Locks: the order, then the vendor order, then the request, as every other use case.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from orders.domain.refunds import RefundCause, RefundStatus, may_become, refundable_minor, refunded_total
from orders.models import Order, OrderLine, RefundRequest, TimelineEntry, VendorOrder
from orders.models.base import new_id, now

log = logging.getLogger("orders.refunds")
_S = RefundStatus


@dataclass(frozen=True)
class RefundConfirmed:
    """``payment.refunded`` as orders reads it."""

    refund_id: str
    refund_request_id: str | None  # null: a refund payments started itself
    order_id: str
    vendor_order_id: str
    amount_minor: int
    currency: str


def request_refund(uow, vendor_order: VendorOrder, reason: str, *, amount_minor: int | None = None,
                   lines: list[dict] | None = None, return_id: str | None = None) -> RefundRequest | None:
    """Ask payments to refund a vendor order: a return's ``amount_minor`` and ``lines`` (``return_id``), or by
    default all that may still be asked (a cancellation: the units not returned). Never more than
    ``refundable``; nothing when that is zero. The caller holds the vendor order's lock."""
    available = refundable(uow.session, vendor_order)
    if amount_minor is None:
        amount_minor = available
        lines = [{"line_id": line.id, "offer_id": line.offer_id, "quantity": line.quantity - line.returned_quantity}
                 for line in _lines(uow.session, vendor_order.id) if line.quantity > line.returned_quantity]
    elif amount_minor > available:
        log.warning("refund of %s for vendor order %s capped to the %s still refundable",
                    amount_minor, vendor_order.id, available)
        amount_minor = available
    if amount_minor <= 0:
        return None
    cause = RefundCause.RETURN if return_id else RefundCause.CANCELLATION
    return ask_payments(uow, vendor_order, cause, amount_minor, reason, lines=lines, return_id=return_id)


def ask_payments(uow, vendor_order: VendorOrder, cause: RefundCause, amount_minor: int, reason: str, *,
                 lines: list[dict] | None = None, return_id: str | None = None) -> RefundRequest:
    """Record a request of ``amount_minor`` and emit its ``refund.requested``; the caller checked the amount."""
    moment = now()
    row = RefundRequest(id=new_id(), order_id=vendor_order.order_id, vendor_order_id=vendor_order.id,
                        return_id=return_id, cause=cause, amount_minor=amount_minor, currency=vendor_order.currency,
                        reason=reason, status=_S.REQUESTED, created_at=moment, updated_at=moment)
    uow.session.add(row)
    uow.publish("refund.requested", {
        "refund_request_id": row.id, "cause": str(cause), "return_id": return_id, "order_id": vendor_order.order_id,
        "vendor_order_id": vendor_order.id, "vendor_id": vendor_order.vendor_id, "amount_minor": amount_minor,
        "currency": vendor_order.currency, "reason": reason, "lines": lines}, subject=vendor_order.order_id)
    return row


def refundable(session, vendor_order: VendorOrder) -> int:
    """What may still be asked for this vendor order (see ``orders.domain.refunds.refundable_minor``)."""
    session.flush()
    waiting = session.scalar(select(func.coalesce(func.sum(RefundRequest.amount_minor), 0)).where(
        RefundRequest.vendor_order_id == vendor_order.id, RefundRequest.status == _S.REQUESTED))
    return refundable_minor(vendor_order.total_minor, vendor_order.refunded_minor, [int(waiting)])


def refund_confirmed(uow, refund: RefundConfirmed, actor: Mapping[str, Any]) -> bool:
    """``payment.refunded``: the request is refunded, ``refunded_minor`` grows (up to the total), timeline."""
    with uow:
        vendor_order = _locked(uow.session, refund.order_id, refund.vendor_order_id, "payment.refunded")
        row = vendor_order and _confirmed_request(uow.session, vendor_order, refund)
        if row is None:
            uow.commit()
            return False
        moment = now()
        row.status, row.refunded_minor, row.payment_refund_id, row.updated_at = (
            _S.REFUNDED, refund.amount_minor, refund.refund_id, moment)
        vendor_order.refunded_minor = refunded_total(vendor_order.total_minor, vendor_order.refunded_minor,
                                                     refund.amount_minor)
        vendor_order.updated_at = moment
        on_timeline(uow.session, vendor_order, actor, f"refunded {refund.amount_minor} {refund.currency} (minor "
                    f"units), refund request {row.id}")
        uow.commit()
        return True


def refund_failed(uow, order_id: str, vendor_order_id: str, refund_request_id: str | None, reason_code: str,
                  actor: Mapping[str, Any]) -> bool:
    """``refund.failed``: the request is failed with payments' reason code, timeline; its amount is askable again."""
    with uow:
        vendor_order = _locked(uow.session, order_id, vendor_order_id, "refund.failed")
        row = vendor_order and _answered(uow.session, vendor_order, refund_request_id, _S.FAILED)
        if row is None:
            uow.commit()
            return False
        row.status, row.failure_reason, row.updated_at = _S.FAILED, reason_code, now()
        on_timeline(uow.session, vendor_order, actor, f"refund failed: {reason_code}, refund request {row.id} "
                    f"({row.amount_minor} {row.currency} minor units may be requested again)")
        uow.commit()
        return True


def refunds_by_vendor_order(session, vendor_order_ids: Iterable[str]) -> dict[str, list[RefundRequest]]:
    """Each vendor order's refund requests, oldest first (the views show them with their status)."""
    found: dict[str, list[RefundRequest]] = {}
    rows = session.scalars(select(RefundRequest).where(RefundRequest.vendor_order_id.in_(list(vendor_order_ids)))
                           .order_by(RefundRequest.created_at, RefundRequest.id))
    for row in rows:
        found.setdefault(row.vendor_order_id, []).append(row)
    return found


def on_timeline(session, vendor_order: VendorOrder, actor: Mapping[str, Any], reason: str) -> None:
    """A refund entry on the vendor order's timeline: its status unchanged, the reason saying what happened."""
    session.add(TimelineEntry(order_id=vendor_order.order_id, vendor_order_id=vendor_order.id, at=now(),
                              actor=dict(actor), from_status=vendor_order.status, to_status=vendor_order.status,
                              reason=reason))


def _locked(session, order_id: str, vendor_order_id: str, fact: str) -> VendorOrder | None:
    session.get(Order, order_id, with_for_update=True)
    vendor_order = session.get(VendorOrder, vendor_order_id, with_for_update=True)
    if vendor_order is None or vendor_order.order_id != order_id:
        log.warning("%s for unknown vendor order %s of order %s ignored", fact, vendor_order_id, order_id)
        return None
    return vendor_order


def _answered(session, vendor_order: VendorOrder, refund_request_id: str | None, target: str) -> RefundRequest | None:
    """The request this answer is about, if it takes it; unknown, foreign, repeated or stale answers: None."""
    if refund_request_id is None:
        return None
    row = session.get(RefundRequest, refund_request_id, with_for_update=True)
    if row is None or row.vendor_order_id != vendor_order.id:
        log.warning("%s for unknown refund request %s (vendor order %s) ignored", target, refund_request_id,
                    vendor_order.id)
        return None
    if not may_become(row.status, target):
        log.info("%s for refund request %s ignored: it is %s", target, row.id, row.status)
        return None
    return row


def _confirmed_request(session, vendor_order: VendorOrder, refund: RefundConfirmed) -> RefundRequest | None:
    """The request ``payment.refunded`` confirms; None when this refund was already recorded or does not apply."""
    already = session.scalar(select(RefundRequest.id).where(RefundRequest.payment_refund_id == refund.refund_id))
    if already is not None:
        log.info("payment.refunded %s ignored: already recorded on refund request %s", refund.refund_id, already)
        return None
    if refund.refund_request_id is not None:
        return _answered(session, vendor_order, refund.refund_request_id, _S.REFUNDED)
    if refund.amount_minor <= 0:
        return None
    # A refund payments made on its own: recorded like an answered request, so ``refundable`` counts it.
    moment = now()
    row = RefundRequest(id=new_id(), order_id=vendor_order.order_id, vendor_order_id=vendor_order.id, return_id=None,
                        cause=RefundCause.PAYMENTS, amount_minor=refund.amount_minor, currency=refund.currency,
                        reason="refunded by payments", status=_S.REQUESTED, created_at=moment, updated_at=moment)
    session.add(row)
    return row


def _lines(session, vendor_order_id: str) -> list[OrderLine]:
    return list(session.scalars(select(OrderLine).where(OrderLine.vendor_order_id == vendor_order_id)
                                .order_by(OrderLine.position)))
