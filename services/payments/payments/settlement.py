"""Capture and void, per vendor order: its part of the payment is taken when the vendor accepts,
and released when the vendor refuses or the order or vendor order is cancelled before capture.

Locks are taken in one order everywhere: the payable order, then the payment, then the charge.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from chassis.uow import UnitOfWork
from payments import commissions, ledger_book, payable_orders
from payments.domain import ledger
from payments.domain.states import ChargeStatus, PaymentStatus
from payments.ledger_book import Source
from payments.models import Charge, PayableVendorOrder, Payment
from payments.models.base import now
from payments.provider import provider_for


@dataclass
class Locked:
    payment: Payment
    charge: Charge


def locked_charge(session, vendor_order_id: str) -> Locked | None:
    """The charge of a vendor order and its payment, locked after their order; None if not authorized yet."""
    ids = session.execute(select(Charge.order_id, Charge.payment_id)
                          .where(Charge.vendor_order_id == vendor_order_id)).first()
    if ids is None:
        return None
    payable_orders.locked_order(session, ids.order_id)
    payment = session.get(Payment, ids.payment_id, with_for_update=True)
    return Locked(payment, session.get(Charge, vendor_order_id, with_for_update=True))


def capture(uow: UnitOfWork, vendor_order_id: str) -> None:
    """Take exactly this vendor order's amount; the vendor is owed it less commission, pending."""
    with uow:
        _capture(uow, vendor_order_id)
        uow.commit()


def _capture(uow: UnitOfWork, vendor_order_id: str) -> None:
    locked = locked_charge(uow.session, vendor_order_id)
    if locked is None:
        raise LookupError(f"vendor order {vendor_order_id} has no authorized payment yet")
    payment, charge = locked.payment, locked.charge
    if charge.status != ChargeStatus.AUTHORIZED:
        return  # captured, voided or failed already: a repeated or late acceptance
    outcome = provider_for(uow.session).capture(authorization=payment.provider_reference,
                                                merchant_reference=vendor_order_id, amount_minor=charge.amount_minor)
    if not outcome.succeeded:
        charge.status, charge.failure_code, charge.updated_at = ChargeStatus.CAPTURE_FAILED, outcome.failure_code, now()
        uow.publish("payment.capture_failed", dict(_facts(payment, charge), reason_code=outcome.failure_code),
                    subject=charge.order_id)
    else:
        _captured(uow, payment, charge, outcome.reference)
    settle_if_done(uow.session, payment)


def _captured(uow: UnitOfWork, payment: Payment, charge: Charge, reference: str) -> None:
    moment = now()
    part = uow.session.get(PayableVendorOrder, charge.vendor_order_id)
    lines = commissions.charge_lines(uow.session, part, moment)
    uow.session.add_all(lines)
    charge.status, charge.provider_reference, charge.captured_at, charge.updated_at = (
        ChargeStatus.CAPTURED, reference, moment, moment)
    charge.captured_minor, charge.commission_minor = charge.amount_minor, min(commissions.total(lines),
                                                                              charge.amount_minor)
    payment.captured_minor += charge.amount_minor
    ledger_book.post(uow.session, ledger.capture(charge.vendor_id, charge.currency, charge.captured_minor,
                                                 charge.commission_minor, memo=f"capture {charge.vendor_order_id}"),
                     _source(charge), at=moment)
    uow.publish("payment.captured", {**_facts(payment, charge), "commission_minor": charge.commission_minor},
                subject=charge.order_id)


def void_vendor_order(uow: UnitOfWork, vendor_order_id: str) -> None:
    """Release this vendor order's part of the authorization, unless it was captured (then it is a refund)."""
    with uow:
        locked = locked_charge(uow.session, vendor_order_id)
        if locked is not None:
            _void(uow, locked.payment, locked.charge)
        uow.commit()


def void_order(uow: UnitOfWork, order_id: str) -> None:
    """Release every part of the order's live authorization not captured yet (order cancelled or rejected)."""
    with uow:
        _void_order(uow, order_id)
        uow.commit()


def _void_order(uow: UnitOfWork, order_id: str) -> None:
    payable_orders.locked_order(uow.session, order_id)
    payment = uow.session.scalar(select(Payment).where(Payment.order_id == order_id,
                                                       Payment.status == PaymentStatus.AUTHORIZED)
                                 .with_for_update())
    if payment is None:
        return
    charges = uow.session.scalars(select(Charge).where(Charge.payment_id == payment.id)
                                  .order_by(Charge.vendor_order_id).with_for_update())
    for charge in charges:
        _void(uow, payment, charge)


def _void(uow: UnitOfWork, payment: Payment, charge: Charge) -> None:
    if charge.status != ChargeStatus.AUTHORIZED:
        return
    outcome = provider_for(uow.session).void(authorization=payment.provider_reference,
                                             merchant_reference=charge.vendor_order_id,
                                             amount_minor=charge.amount_minor)
    if not outcome.succeeded:  # a PSP that cannot void lets the authorization lapse; nothing was taken
        raise RuntimeError(f"void of {charge.vendor_order_id} refused: {outcome.failure_code}")
    charge.status, charge.updated_at = ChargeStatus.VOIDED, now()
    payment.voided_minor += charge.amount_minor
    uow.publish("payment.voided", _facts(payment, charge), subject=charge.order_id)
    settle_if_done(uow.session, payment)


def settle_if_done(session, payment: Payment) -> None:
    """An authorization with no part left to capture or void is settled."""
    session.flush()
    open_parts = session.scalar(select(Charge.vendor_order_id).where(
        Charge.payment_id == payment.id, Charge.status == ChargeStatus.AUTHORIZED).limit(1))
    if open_parts is None and payment.status == PaymentStatus.AUTHORIZED:
        payment.status, payment.updated_at = PaymentStatus.SETTLED, now()


def _facts(payment: Payment, charge: Charge) -> dict:
    return dict(payment_id=payment.id, order_id=charge.order_id, vendor_order_id=charge.vendor_order_id,
                vendor_id=charge.vendor_id, amount_minor=charge.amount_minor, currency=charge.currency)


def _source(charge: Charge) -> Source:
    return Source(charge.vendor_order_id, order_id=charge.order_id, vendor_order_id=charge.vendor_order_id,
                  vendor_id=charge.vendor_id)
