"""Payments rules, free of Flask, SQLAlchemy sessions and kombu."""
from __future__ import annotations

from enum import Enum


class PayableOrderStatus(str, Enum):
    """What payments knows of an order's life, from the orders service's events."""

    PLACED = "placed"
    AWAITING_PAYMENT = "awaiting_payment"
    CANCELLED = "cancelled"


ALLOWED = {
    PayableOrderStatus.PLACED: {PayableOrderStatus.AWAITING_PAYMENT, PayableOrderStatus.CANCELLED},
    PayableOrderStatus.AWAITING_PAYMENT: {PayableOrderStatus.CANCELLED},
    PayableOrderStatus.CANCELLED: set(),
}


def next_status(current: PayableOrderStatus, wanted: PayableOrderStatus) -> PayableOrderStatus:
    """The status after an event; events arrive late or twice, so a stale one keeps the current status."""
    return wanted if wanted in ALLOWED[current] else current
