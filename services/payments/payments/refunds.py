"""Refunds asked by orders (``refund.requested``): never more than what is left of the vendor order's
capture, once per request, commission given back in proportion, the vendor debited where its money is.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from chassis.uow import UnitOfWork
from payments import commissions, ledger_book
from payments.domain import ledger
from payments.domain.states import ChargeStatus, RefundStatus
from payments.ledger_book import Source
from payments.models import Charge, Payment, Refund
from payments.models.base import new_id, now
from payments.provider import provider_for
from payments.settlement import locked_charge


def refund(uow: UnitOfWork, request: Mapping[str, Any]) -> None:
    """Refund ``request['amount_minor']`` of the vendor order's capture; the same request refunds once."""
    with uow:
        if not _seen(uow.session, request["refund_request_id"]):
            locked = locked_charge(uow.session, request["vendor_order_id"])
            if locked is None:
                raise LookupError(f"vendor order {request['vendor_order_id']} has no payment yet")
            _refund(uow, locked.charge, request)
        uow.commit()


def _seen(session, refund_request_id: str) -> bool:
    return session.scalar(select(Refund.id).where(Refund.refund_request_id == refund_request_id)) is not None


def _refund(uow: UnitOfWork, charge: Charge, request: Mapping[str, Any]) -> None:
    row = Refund(id=new_id(), refund_request_id=request["refund_request_id"], payment_id=charge.payment_id,
                 order_id=charge.order_id, vendor_order_id=charge.vendor_order_id, vendor_id=charge.vendor_id,
                 customer_id=_customer(uow.session, charge), return_id=request.get("return_id"),
                 currency=charge.currency, amount_minor=request["amount_minor"], commission_reversed_minor=0,
                 reason=request.get("reason"), created_at=now())
    refusal = _refusal(charge, row.amount_minor, request["currency"])
    outcome = None
    if refusal is None:
        outcome = provider_for(uow.session).refund(capture=charge.provider_reference, merchant_reference=row.id,
                                                   amount_minor=row.amount_minor)
        refusal = None if outcome.succeeded else outcome.failure_code
    row.provider_reference = outcome.reference if outcome else None
    if refusal is not None:
        _failed(uow, row, refusal)
    else:
        _refunded(uow, charge, row)


def _refusal(charge: Charge, amount_minor: int, currency: str) -> str | None:
    if charge.status != ChargeStatus.CAPTURED:
        return "not_captured"
    if currency != charge.currency:
        return "currency_mismatch"
    if amount_minor <= 0 or amount_minor > charge.captured_minor - charge.refunded_minor:
        return "exceeds_captured"
    return None


def _failed(uow: UnitOfWork, row: Refund, code: str) -> None:
    row.status, row.failure_code = RefundStatus.FAILED, code
    uow.session.add(row)
    uow.publish("refund.failed", dict(refund_request_id=row.refund_request_id, payment_id=row.payment_id,
                                      order_id=row.order_id, vendor_order_id=row.vendor_order_id,
                                      vendor_id=row.vendor_id, amount_minor=row.amount_minor, currency=row.currency,
                                      reason_code=code), subject=row.order_id)


def _refunded(uow: UnitOfWork, charge: Charge, row: Refund) -> None:
    moment = row.created_at
    lines = commissions.reversal_lines(uow.session, charge.vendor_order_id, charge.captured_minor,
                                       charge.refunded_minor, row.amount_minor, row.id, moment)
    row.status, row.commission_reversed_minor = RefundStatus.REFUNDED, -commissions.total(lines)
    uow.session.add_all([row, *lines])
    charge.refunded_minor += row.amount_minor
    charge.commission_reversed_minor += row.commission_reversed_minor
    charge.updated_at = moment
    source = Source(row.id, order_id=row.order_id, vendor_order_id=row.vendor_order_id, vendor_id=row.vendor_id)
    ledger_book.post(uow.session, ledger.refund(row.vendor_id, row.currency, row.amount_minor,
                                                row.commission_reversed_minor,
                                                from_available=charge.released_at is not None,
                                                memo=f"refund {row.refund_request_id}"), source, at=moment)
    ledger_book.post(uow.session, ledger.refund_paid(row.currency, row.amount_minor), source, at=moment)
    uow.publish("payment.refunded", dict(
        refund_id=row.id, refund_request_id=row.refund_request_id, return_id=row.return_id,
        payment_id=row.payment_id, order_id=row.order_id, vendor_order_id=row.vendor_order_id,
        vendor_id=row.vendor_id, amount_minor=row.amount_minor, currency=row.currency,
        commission_reversed_minor=row.commission_reversed_minor), subject=row.order_id)


def _customer(session, charge: Charge) -> str:
    return session.scalar(select(Payment.customer_id).where(Payment.id == charge.payment_id))
