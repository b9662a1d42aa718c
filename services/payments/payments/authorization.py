"""A customer pays an order: the order's total (as events told payments) is authorized at the provider.

Two transactions, so no row lock is held while the provider answers: the first checks the order
and opens a ``pending`` payment (the database allows one live payment per order); the second
records the provider's answer, splits an authorization into one charge per vendor order, and
publishes ``payment.authorized`` or ``payment.failed``. An order cancelled in between gets its
authorization voided at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from chassis.errors import Problem
from chassis.uow import UnitOfWork
from payments import payable_orders, settlement
from payments.domain.states import ChargeStatus, PayableOrderStatus, PaymentStatus
from payments.models import Charge, PayableVendorOrder, Payment
from payments.models.base import new_id, now
from payments.provider import Authorization, UnknownPaymentMethod, provider_for
from payments.provider.sandbox import SANDBOX_METHODS


_GONE = (PayableOrderStatus.CANCELLED, PayableOrderStatus.REJECTED)
ABANDONED = "processing_error"  # the failure code of a payment whose authorization was never recorded
# A pending payment older than this is abandoned by the worker (the two transactions take milliseconds).
PENDING_FOR_AT_MOST = timedelta(minutes=5)


@dataclass(frozen=True)
class Pay:
    order_id: str
    customer_id: str
    payment_method: str


@dataclass(frozen=True)
class Paid:
    """A payment as just written (every column loaded), and its charges as inserted (none if it failed)."""

    payment: Payment
    charges: list[dict]


def pay(uow: UnitOfWork, command: Pay) -> Payment:
    """Authorize the order's total with ``command.payment_method``; the payment, authorized or failed."""
    return pay_order(uow, command).payment


def pay_order(uow: UnitOfWork, command: Pay) -> Paid:
    """:func:`pay`, with the charges written, so an answer needs no read back."""
    if command.payment_method not in SANDBOX_METHODS:
        raise Problem(422, "unknown-payment-method", f"{command.payment_method!r} is not a payment method here",
                      known_methods=sorted(SANDBOX_METHODS))
    payment_id, order_id = _open_payment(uow, command)
    try:
        return _authorize(uow, payment_id, order_id, command.payment_method)
    except Exception:
        abandon(uow, [payment_id])  # the customer may pay again rather than hit a pending payment
        raise


def _open_payment(uow: UnitOfWork, command: Pay) -> tuple[str, str]:
    with uow:
        order = payable_orders.customers_order(uow.session, command.order_id, command.customer_id)
        if order.status != PayableOrderStatus.AWAITING_PAYMENT:
            raise Problem(409, "order-not-payable", f"order {order.order_id} is {order.status}, not awaiting payment",
                          order_status=order.status)
        # A live payment of the order (pending, authorized, settled) makes the insert fail on the partial
        # unique index: the same 409 whether it was there before or came in between, and no query first.
        payment = Payment(id=new_id(), order_id=order.order_id, customer_id=order.customer_id,
                          status=PaymentStatus.PENDING, currency=order.currency, amount_minor=order.total_minor,
                          captured_minor=0, voided_minor=0, payment_method=command.payment_method,
                          created_at=now(), updated_at=now())
        uow.session.add(payment)
        try:
            uow.commit()
        except IntegrityError:  # the order has a live payment already (the live-payment index)
            raise _already_paid(command.order_id) from None  # (the failed commit expired ``order``)
        return payment.id, command.order_id


def _already_paid(order_id: str) -> Problem:
    return Problem(409, "order-already-paid", f"order {order_id} already has a payment")


def _authorize(uow: UnitOfWork, payment_id: str, order_id: str, method: str) -> Paid:
    with uow:
        # The order first, then the payment: the order of locks every event handler takes.
        order = payable_orders.locked_order(uow.session, order_id)
        payment = uow.session.get(Payment, payment_id, with_for_update=True)
        try:
            answer = provider_for(uow.session).authorize(merchant_reference=payment.id,
                                                         amount_minor=payment.amount_minor,
                                                         currency=payment.currency, payment_method=method)
        except UnknownPaymentMethod:  # the configured provider knows fewer methods than the sandbox
            answer = Authorization(False, None, "unknown_payment_method")
        charges = _record(uow, payment, answer)
        if payment.status == PaymentStatus.AUTHORIZED and order.status in _GONE:
            settlement.void_order(uow, payment.order_id)
            uow.commit()
            # Voided at once: the charges as they are now, not as inserted.
            return Paid(payment, [dict(row) for row in uow.session.execute(
                select(Charge.__table__).where(Charge.payment_id == payment.id)
                .order_by(Charge.vendor_order_id)).mappings()])
        uow.commit()
        return Paid(payment, charges)


def _record(uow: UnitOfWork, payment: Payment, answer: Authorization) -> list[dict]:
    payment.provider_reference, payment.card_brand, payment.card_last4 = (
        answer.reference, answer.card_brand, answer.card_last4)
    payment.authorization_expires_at, payment.updated_at = answer.expires_at, now()
    if not answer.succeeded:
        payment.status, payment.failure_code = PaymentStatus.FAILED, answer.failure_code
        uow.publish("payment.failed", dict(payment_id=payment.id, order_id=payment.order_id,
                                           amount_minor=payment.amount_minor, currency=payment.currency,
                                           reason_code=answer.failure_code), subject=payment.order_id)
        return []
    payment.status = PaymentStatus.AUTHORIZED
    charges = _charges(uow.session, payment)
    if charges:
        uow.session.execute(insert(Charge.__table__), charges)  # one statement for all, no unit of work
    uow.publish("payment.authorized", dict(
        payment_id=payment.id, order_id=payment.order_id, amount_minor=payment.amount_minor,
        currency=payment.currency, payment_method=dict(brand=payment.card_brand, last4=payment.card_last4),
        expires_at=payment.authorization_expires_at.isoformat()), subject=payment.order_id)
    return charges


def _charges(session, payment: Payment) -> list[dict]:
    """One charge row per vendor order (every column), in vendor order id order."""
    parts = session.execute(select(PayableVendorOrder.vendor_order_id, PayableVendorOrder.vendor_id,
                                   PayableVendorOrder.total_minor)
                            .where(PayableVendorOrder.order_id == payment.order_id)
                            .order_by(PayableVendorOrder.vendor_order_id))
    moment = now()
    return [dict(vendor_order_id=vendor_order_id, payment_id=payment.id, order_id=payment.order_id,
                 vendor_id=vendor_id, status=str(ChargeStatus.AUTHORIZED), currency=payment.currency,
                 amount_minor=total_minor, captured_minor=0, refunded_minor=0, commission_minor=0,
                 commission_reversed_minor=0, provider_reference=None, failure_code=None, captured_at=None,
                 released_at=None, updated_at=moment) for vendor_order_id, vendor_id, total_minor in parts]


def abandon(uow: UnitOfWork, payment_ids: list[str]) -> int:
    """Fail payments still ``pending`` (their authorization never recorded: an error, or a process that
    died between the two transactions), so the order may be paid again; how many were failed.

    The provider may have authorized one: that authorization lapses unused (nothing was captured)."""
    if not payment_ids:
        return 0
    with uow:
        failed = uow.session.execute(
            update(Payment).where(Payment.id.in_(payment_ids), Payment.status == PaymentStatus.PENDING)
            .values(status=PaymentStatus.FAILED, failure_code=ABANDONED, updated_at=now())).rowcount
        uow.commit()
        return failed


def abandon_stale(uow: UnitOfWork, older_than: datetime) -> int:
    """The worker's sweep: fail payments pending since before ``older_than``."""
    with uow:
        stale = list(uow.session.scalars(select(Payment.id).where(Payment.status == PaymentStatus.PENDING,
                                                                  Payment.created_at < older_than).limit(500)))
    return abandon(uow, stale)
