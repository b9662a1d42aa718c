"""Refund requests: the statuses a request goes through, and how much a vendor order may still ask for.

Orders asks payments to refund (``refund.requested``); payments answers ``payment.refunded`` or
``refund.failed``. A request that is still waiting counts against what may be asked, as does what
was refunded; a failed one no longer does, so its amount can be asked for again.
"""
from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class RefundStatus(StrEnum):
    REQUESTED = "requested"
    REFUNDED = "refunded"
    FAILED = "failed"


class RefundCause(StrEnum):
    RETURN = "return"
    CANCELLATION = "cancellation"
    PAYMENTS = "payments"  # a refund payments started itself (``refund_request_id`` null): recorded, never asked
    GOODWILL = "goodwill"  # a person gives part of the money back: the vendor's staff or an admin operator


_S = RefundStatus

# Facts, not requests: a late success after a failure is still money that moved.
REFUND_TRANSITIONS: dict[RefundStatus, frozenset[RefundStatus]] = {
    _S.REQUESTED: frozenset({_S.REFUNDED, _S.FAILED}),
    _S.FAILED: frozenset({_S.REFUNDED}),
    _S.REFUNDED: frozenset(),
}


def may_become(current: str, target: str) -> bool:
    """Whether a request that is ``current`` takes the answer ``target`` (a repeat or stale answer does not)."""
    return target in REFUND_TRANSITIONS.get(current, frozenset())


def refundable_minor(total_minor: int, refunded_minor: int, waiting_minor: Iterable[int]) -> int:
    """What may still be asked: the total less what was refunded and what requests still wait for."""
    return max(0, total_minor - refunded_minor - sum(waiting_minor))


def refunded_total(total_minor: int, refunded_minor: int, amount_minor: int) -> int:
    """``refunded_minor`` after a refund of ``amount_minor``: never beyond the vendor order's total."""
    return min(total_minor, refunded_minor + amount_minor)
