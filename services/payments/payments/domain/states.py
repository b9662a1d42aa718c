"""The payments state machines: Enums plus tables of allowed moves.

An illegal move is a 409 problem naming the current and requested state. Events arrive late or
twice, so the event path asks :func:`follows` and ignores a stale fact instead of failing.
"""
from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from chassis.errors import Problem


class PayableOrderStatus(StrEnum):
    """What payments knows of an order's life, from the orders service's events."""

    PLACED = "placed"
    AWAITING_PAYMENT = "awaiting_payment"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    COMPLETED = "completed"


class PaymentStatus(StrEnum):
    PENDING = "pending"  # asked of the provider, no answer yet
    AUTHORIZED = "authorized"  # some of the authorization is neither captured nor voided
    FAILED = "failed"
    SETTLED = "settled"  # every vendor order's part captured or voided


class ChargeStatus(StrEnum):
    """One vendor order's part of a payment."""

    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    VOIDED = "voided"
    CAPTURE_FAILED = "capture_failed"


class RefundStatus(StrEnum):
    REFUNDED = "refunded"
    FAILED = "failed"


class PayoutStatus(StrEnum):
    IN_TRANSIT = "in_transit"
    PAID = "paid"
    FAILED = "failed"


_P, _PAY, _C, _OUT = PayableOrderStatus, PaymentStatus, ChargeStatus, PayoutStatus

PAYABLE_ORDER_TRANSITIONS = {
    _P.PLACED: frozenset({_P.AWAITING_PAYMENT, _P.REJECTED, _P.CANCELLED}),
    _P.AWAITING_PAYMENT: frozenset({_P.CANCELLED, _P.COMPLETED}),
    _P.CANCELLED: frozenset(), _P.REJECTED: frozenset(), _P.COMPLETED: frozenset(),
}

PAYMENT_TRANSITIONS = {
    _PAY.PENDING: frozenset({_PAY.AUTHORIZED, _PAY.FAILED}),
    _PAY.AUTHORIZED: frozenset({_PAY.SETTLED}),
    _PAY.FAILED: frozenset(), _PAY.SETTLED: frozenset(),
}

CHARGE_TRANSITIONS = {
    _C.AUTHORIZED: frozenset({_C.CAPTURED, _C.VOIDED, _C.CAPTURE_FAILED}),
    _C.CAPTURED: frozenset(), _C.VOIDED: frozenset(), _C.CAPTURE_FAILED: frozenset(),
}

PAYOUT_TRANSITIONS = {
    _OUT.IN_TRANSIT: frozenset({_OUT.PAID, _OUT.FAILED}),
    _OUT.PAID: frozenset(), _OUT.FAILED: frozenset(),
}


def follows(table: Mapping, current: StrEnum, wanted: StrEnum) -> bool:
    return wanted in table[current]


def check_transition(table: Mapping, current: StrEnum, wanted: StrEnum, what: str) -> None:
    """Refuse an illegal move with a 409 naming both states."""
    if not follows(table, current, wanted):
        raise Problem(409, "illegal-transition", f"a {what} cannot go from {current} to {wanted}",
                      current_status=str(current), requested_status=str(wanted))
