"""Every status change is checked against its machine and leaves a timeline entry."""
from __future__ import annotations

import pytest

from orders.domain.states import IllegalTransition
from orders.models import Order, TimelineEntry, VendorOrder
from orders.transitions import move_order, move_vendor_order

ACTOR = {"kind": "event", "id": "evt-1"}


class Session:
    """Collects what would be added (a fake: these are unit tests of the stamping)."""

    def __init__(self) -> None:
        self.added: list = []

    def add(self, row) -> None:
        self.added.append(row)


def test_a_legal_move_changes_the_status_and_writes_the_timeline():
    session, order = Session(), Order(id="o-1", status="pending")

    move_order(session, order, "rejected", ACTOR, "insufficient_stock")

    [entry] = session.added
    assert isinstance(entry, TimelineEntry)
    assert (order.status, order.status_reason) == ("rejected", "insufficient_stock")
    assert (entry.order_id, entry.vendor_order_id, entry.from_status, entry.to_status, entry.reason, entry.actor) == (
        "o-1", None, "pending", "rejected", "insufficient_stock", ACTOR)


def test_an_illegal_move_is_a_409_naming_both_states_and_changes_nothing():
    session, vendor_order = Session(), VendorOrder(id="vo-1", order_id="o-1", status="shipped")

    with pytest.raises(IllegalTransition) as refused:
        move_vendor_order(session, vendor_order, "accepted", ACTOR)

    assert refused.value.code == 409
    assert (refused.value.extensions["current_status"], refused.value.extensions["requested_status"]) == (
        "shipped", "accepted")
    assert vendor_order.status == "shipped" and session.added == []


def test_a_vendor_order_move_is_dated_and_on_its_orders_timeline():
    session, vendor_order = Session(), VendorOrder(id="vo-1", order_id="o-1", status="awaiting_acceptance")

    move_vendor_order(session, vendor_order, "accepted", ACTOR)

    [entry] = session.added
    assert (entry.order_id, entry.vendor_order_id, entry.to_status) == ("o-1", "vo-1", "accepted")
    assert vendor_order.status_changed_at == entry.at == vendor_order.updated_at
