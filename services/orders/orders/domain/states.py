"""The three state machines (order, vendor order, return): Enums, allowed moves, outcomes.

An illegal move is a 409 problem naming the current and requested state.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chassis.errors import Problem


class OrderStatus(StrEnum):
    PENDING = "pending"
    AWAITING_PAYMENT = "awaiting_payment"
    PROCESSING = "processing"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class VendorOrderStatus(StrEnum):
    PENDING = "pending"  # placed; the vendor sees nothing to do until the order is paid (processing)
    AWAITING_ACCEPTANCE = "awaiting_acceptance"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    PARTIALLY_SHIPPED = "partially_shipped"  # some units shipped; another shipment keeps or ends it
    SHIPPED = "shipped"  # every unit shipped
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"
    SHIPPED_BACK = "shipped_back"
    RECEIVED = "received"


class ReturnReason(StrEnum):
    DAMAGED = "damaged"
    DEFECTIVE = "defective"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    NO_LONGER_NEEDED = "no_longer_needed"
    OTHER = "other"


_O, _V, _R = OrderStatus, VendorOrderStatus, ReturnStatus

ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    # A pending order waits for catalog's answer: cancelling it would race the reservation.
    _O.PENDING: frozenset({_O.AWAITING_PAYMENT, _O.REJECTED}),
    _O.AWAITING_PAYMENT: frozenset({_O.PROCESSING, _O.CANCELLED}),
    _O.PROCESSING: frozenset({_O.COMPLETED, _O.CANCELLED}),
    _O.COMPLETED: frozenset(), _O.REJECTED: frozenset(), _O.CANCELLED: frozenset(),
}

VENDOR_ORDER_TRANSITIONS: dict[VendorOrderStatus, frozenset[VendorOrderStatus]] = {
    _V.PENDING: frozenset({_V.AWAITING_ACCEPTANCE, _V.CANCELLED}),
    _V.AWAITING_ACCEPTANCE: frozenset({_V.ACCEPTED, _V.REFUSED, _V.CANCELLED}),
    _V.ACCEPTED: frozenset({_V.PARTIALLY_SHIPPED, _V.SHIPPED, _V.CANCELLED}),
    _V.PARTIALLY_SHIPPED: frozenset({_V.PARTIALLY_SHIPPED, _V.SHIPPED, _V.CANCELLED}),
    # Only an operator cancels once shipping started (see check_vendor_order_cancellation);
    # after delivery the way back is a return.
    _V.SHIPPED: frozenset({_V.DELIVERED, _V.CANCELLED}),
    _V.DELIVERED: frozenset({_V.COMPLETED}),
    _V.REFUSED: frozenset(), _V.COMPLETED: frozenset(), _V.CANCELLED: frozenset(),
}

RETURN_TRANSITIONS: dict[ReturnStatus, frozenset[ReturnStatus]] = {
    _R.REQUESTED: frozenset({_R.APPROVED, _R.REFUSED}),
    _R.REFUSED: frozenset({_R.APPROVED}),  # an operator's overrule only
    _R.APPROVED: frozenset({_R.SHIPPED_BACK}),
    _R.SHIPPED_BACK: frozenset({_R.RECEIVED}),
    _R.RECEIVED: frozenset(),
}

VENDOR_ORDER_FINAL = frozenset({_V.COMPLETED, _V.REFUSED, _V.CANCELLED})
CUSTOMER_CANCELLABLE = frozenset({_V.AWAITING_ACCEPTANCE, _V.ACCEPTED})  # "before shipping"
OPEN_RETURNS = frozenset({_R.REQUESTED, _R.APPROVED, _R.SHIPPED_BACK})


@dataclass(frozen=True)
class StateMachine:
    label: str
    states: type[StrEnum]
    transitions: Mapping[StrEnum, frozenset]


MACHINES: dict[str, StateMachine] = {
    "order": StateMachine("order", OrderStatus, ORDER_TRANSITIONS),
    "vendor_order": StateMachine("vendor order", VendorOrderStatus, VENDOR_ORDER_TRANSITIONS),
    "return": StateMachine("return", ReturnStatus, RETURN_TRANSITIONS),
}


class IllegalTransition(Problem):
    """409: the move is not in the machine's table (or not allowed to this actor)."""

    def __init__(self, machine_name: str, current: str, requested: str, why: str | None = None) -> None:
        label = MACHINES[machine_name].label
        detail = f"a {label} that is {current} cannot become {requested}" + (f": {why}" if why else "")
        super().__init__(409, "illegal-transition", detail, machine=machine_name,
                         current_status=str(current), requested_status=str(requested))


def check_transition(machine_name: str, current: str, requested: str) -> None:
    """Raise ``IllegalTransition`` unless ``current -> requested`` is in the machine's table."""
    transitions = MACHINES[machine_name].transitions
    if requested not in transitions.get(current, frozenset()):  # StrEnum members equal their values
        raise IllegalTransition(machine_name, current, requested)


def check_vendor_order_cancellation(current: str, *, by_operator: bool) -> None:
    """Customers cancel before shipping; operators (with a reason) until delivery."""
    check_transition("vendor_order", current, _V.CANCELLED)
    if not by_operator and current not in CUSTOMER_CANCELLABLE:
        raise IllegalTransition("vendor_order", current, _V.CANCELLED, "only an operator can cancel it now")


def check_return_approval(current: str, *, by_operator: bool) -> None:
    """The vendor approves a requested return; only an operator overrules a refused one."""
    check_transition("return", current, _R.APPROVED)
    if current == _R.REFUSED and not by_operator:
        raise IllegalTransition("return", current, _R.APPROVED, "only an operator overrules a refusal")


def order_outcome(vendor_order_statuses: Iterable[str]) -> OrderStatus | None:
    """What a processing order becomes once every vendor order is final; None while one is open."""
    statuses = set(vendor_order_statuses)
    if not statuses or not statuses <= VENDOR_ORDER_FINAL:
        return None
    return _O.COMPLETED if _V.COMPLETED in statuses else _O.CANCELLED


def status_after_shipment(ordered_quantity: int, shipped_quantity: int) -> VendorOrderStatus:
    """Vendor order status once ``shipped_quantity`` of its ``ordered_quantity`` units are shipped."""
    return _V.SHIPPED if shipped_quantity >= ordered_quantity else _V.PARTIALLY_SHIPPED


def return_window_closes_at(delivered_at: datetime, window_days: int) -> datetime:
    return delivered_at + timedelta(days=window_days)


def is_due_for_completion(delivered_at: datetime, now: datetime, window_days: int,
                          return_statuses: Iterable[str]) -> bool:
    """A delivered vendor order completes when its return window ended with no open return."""
    no_open_return = not any(status in OPEN_RETURNS for status in return_statuses)
    return no_open_return and now >= return_window_closes_at(delivered_at, window_days)
