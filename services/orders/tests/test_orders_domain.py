"""Order rules as specifications: state machines, money in minor units, placement checks."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from orders.domain.money import PricedLine, Totals, order_totals, return_refund_minor, split_by_vendor, \
    vendor_order_totals
from orders.domain.placement import (LineProblem, MergedLine, OfferQuote, PlacementRefused, RequestedLine,
                                     check_request, price_order, raise_for_problems)
from orders.domain.states import (MACHINES, IllegalTransition, OrderStatus, ReturnStatus, VendorOrderStatus,
                                  check_return_approval, check_transition, check_vendor_order_cancellation,
                                  is_due_for_completion, order_outcome, status_after_shipment)

# Sorted: the transition tables hold frozensets, whose order changes with the hash seed.
ALLOWED = sorted((name, current, requested) for name, machine in MACHINES.items()
                 for current, targets in machine.transitions.items() for requested in targets)
FORBIDDEN = sorted((name, current, requested) for name, machine in MACHINES.items()
                   for current in machine.states for requested in machine.states
                   if requested not in machine.transitions[current])


# --- state machines ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", MACHINES)
def test_every_state_of_a_machine_has_a_row_in_its_table(name):
    machine = MACHINES[name]
    assert set(machine.transitions) == set(machine.states)
    assert all(targets <= set(machine.states) for targets in machine.transitions.values())


@pytest.mark.parametrize(("name", "current", "requested"), ALLOWED)
def test_an_allowed_transition_passes(name, current, requested):
    check_transition(name, current, requested)
    check_transition(name, current.value, requested.value)  # stored statuses are plain strings


@pytest.mark.parametrize(("name", "current", "requested"), FORBIDDEN)
def test_a_forbidden_transition_is_a_409_naming_both_states(name, current, requested):
    with pytest.raises(IllegalTransition) as refused:
        check_transition(name, current, requested)
    problem = refused.value
    assert (problem.code, problem.problem_type) == (409, "illegal-transition")
    assert problem.extensions == {"machine": name, "current_status": current.value,
                                  "requested_status": requested.value}
    assert f"is {current.value} cannot become {requested.value}" in problem.description


def test_an_unknown_requested_status_is_refused_like_any_illegal_move():
    with pytest.raises(IllegalTransition):
        check_transition("order", "pending", "teleported")


def test_an_order_goes_from_pending_to_completed_along_the_happy_path():
    path = ["pending", "awaiting_payment", "processing", "completed"]
    for current, requested in zip(path, path[1:]):
        check_transition("order", current, requested)


def test_a_vendor_order_goes_from_pending_to_completed_along_the_happy_path():
    path = ["pending", "awaiting_acceptance", "accepted", "partially_shipped", "shipped", "delivered", "completed"]
    for current, requested in zip(path, path[1:]):
        check_transition("vendor_order", current, requested)


@pytest.mark.parametrize("current", ["awaiting_acceptance", "accepted"])
def test_a_customer_cancels_a_vendor_order_before_shipping(current):
    check_vendor_order_cancellation(current, by_operator=False)


@pytest.mark.parametrize("current", ["partially_shipped", "shipped"])
def test_a_customer_cannot_cancel_once_shipping_started_but_an_operator_can(current):
    with pytest.raises(IllegalTransition) as refused:
        check_vendor_order_cancellation(current, by_operator=False)
    assert refused.value.extensions["current_status"] == current
    check_vendor_order_cancellation(current, by_operator=True)


@pytest.mark.parametrize("current", ["delivered", "completed", "refused", "cancelled"])
def test_nobody_cancels_a_delivered_or_final_vendor_order(current):
    with pytest.raises(IllegalTransition):
        check_vendor_order_cancellation(current, by_operator=True)


def test_only_an_operator_overrules_a_refused_return():
    with pytest.raises(IllegalTransition) as refused:
        check_return_approval("refused", by_operator=False)
    assert refused.value.extensions["requested_status"] == "approved"
    check_return_approval("refused", by_operator=True)
    check_return_approval("requested", by_operator=False)


@pytest.mark.parametrize(("statuses", "outcome"), [
    (["completed", "refused", "cancelled"], OrderStatus.COMPLETED),
    (["refused", "cancelled"], OrderStatus.CANCELLED),
    (["completed", "delivered"], None),
    ([], None),
])
def test_a_processing_order_ends_when_every_vendor_order_is_final(statuses, outcome):
    assert order_outcome(statuses) == outcome


def test_a_vendor_order_is_shipped_once_every_unit_is_shipped():
    assert status_after_shipment(ordered_quantity=3, shipped_quantity=2) == VendorOrderStatus.PARTIALLY_SHIPPED
    assert status_after_shipment(ordered_quantity=3, shipped_quantity=3) == VendorOrderStatus.SHIPPED


def test_a_delivered_vendor_order_completes_after_the_window_without_open_returns():
    delivered = datetime(2026, 1, 1, tzinfo=timezone.utc)
    after = delivered + timedelta(days=14)
    assert is_due_for_completion(delivered, after, 14, ["refused", "received"])
    assert not is_due_for_completion(delivered, after - timedelta(seconds=1), 14, [])
    assert not is_due_for_completion(delivered, after, 14, [ReturnStatus.SHIPPED_BACK])


# --- money ------------------------------------------------------------------------------------


def line(vendor_id: str = "ven-a", price: int = 1000, shipping: int = 0, quantity: int = 1,
         offer_id: str = "off-1", currency: str = "EUR") -> PricedLine:
    return PricedLine(offer_id=offer_id, product_id="prd-1", category_id=None, vendor_id=vendor_id, title="Teapot",
                      unit_price_minor=price, shipping_minor=shipping, quantity=quantity, currency=currency)


def test_a_vendor_order_charges_items_and_its_dearest_shipping_once():
    totals = vendor_order_totals([line(price=1250, shipping=490, quantity=3), line(price=99, shipping=700)])
    assert totals == Totals(items_minor=3 * 1250 + 99, shipping_minor=700)
    assert totals.total_minor == 3849 + 700


def test_an_order_total_is_the_sum_of_its_vendor_orders():
    totals = order_totals([Totals(1000, 490), Totals(2500, 0)])
    assert (totals.items_minor, totals.shipping_minor, totals.total_minor) == (3500, 490, 3990)


def test_lines_are_split_by_vendor_in_the_order_listed():
    first, second, third = line("ven-b", offer_id="o1"), line("ven-a", offer_id="o2"), line("ven-b", offer_id="o3")
    assert split_by_vendor([first, second, third]) == {"ven-b": [first, third], "ven-a": [second]}


def test_a_return_refunds_its_items_and_shipping_only_when_everything_came_back():
    assert return_refund_minor([(1000, 2), (250, 1)], shipping_minor=490, whole_vendor_order=False) == 2250
    assert return_refund_minor([(1000, 2)], shipping_minor=490, whole_vendor_order=True) == 2490


# --- placement --------------------------------------------------------------------------------


def quote(offer_id: str, vendor_id: str = "ven-a", price: int = 1000, shipping: int = 0, currency: str = "EUR",
          unsellable_reason: str | None = None) -> OfferQuote:
    return OfferQuote(offer_id=offer_id, product_id=f"prd-{offer_id}", category_id="cat-1", vendor_id=vendor_id,
                      title=f"Item {offer_id}", price_minor=price, shipping_minor=shipping, currency=currency,
                      unsellable_reason=unsellable_reason)


def test_duplicate_offer_lines_are_merged_remembering_their_positions():
    merged, problems = check_request([RequestedLine("o1", 2), RequestedLine("o2", 1), RequestedLine("o1", 3)])
    assert problems == []
    assert merged == [MergedLine("o1", 5, (0, 2)), MergedLine("o2", 1, (1,))]


def test_quantities_outside_1_to_99_are_named_by_line():
    _, problems = check_request([RequestedLine("o1", 0), RequestedLine("o2", 99), RequestedLine("o3", 100)])
    assert [(problem.line, problem.reason) for problem in problems] == [
        (0, "quantity_out_of_range"), (2, "quantity_out_of_range")]


def test_merged_lines_over_99_name_every_line_of_the_offer():
    _, problems = check_request([RequestedLine("o1", 60), RequestedLine("o2", 1), RequestedLine("o1", 40)])
    assert [(problem.line, problem.reason) for problem in problems] == [
        (0, "quantity_out_of_range"), (2, "quantity_out_of_range")]


def test_an_order_has_one_to_fifty_lines():
    assert check_request([RequestedLine(f"o{n}", 1) for n in range(50)])[1] == []
    assert [problem.reason for problem in check_request([RequestedLine(f"o{n}", 1) for n in range(51)])[1]] == [
        "too_many_lines"]
    assert [problem.reason for problem in check_request([])[1]] == ["no_lines"]


def test_catalog_prices_the_lines_and_the_snapshot_keeps_its_terms():
    merged = [MergedLine("o1", 2, (0,)), MergedLine("o2", 1, (1,))]
    lines, problems = price_order(merged, {"o1": quote("o1", price=1250, shipping=490), "o2": quote("o2", "ven-b")},
                                  expected_total_minor=2 * 1250 + 490 + 1000)
    assert problems == []
    assert lines[0] == PricedLine(offer_id="o1", product_id="prd-o1", category_id="cat-1", vendor_id="ven-a",
                                  title="Item o1", unit_price_minor=1250, shipping_minor=490, quantity=2,
                                  currency="EUR")
    assert [(item.vendor_id, item.quantity) for item in lines] == [("ven-a", 2), ("ven-b", 1)]


def test_unknown_and_inactive_offers_are_named_by_every_line_that_asked_for_them():
    merged = [MergedLine("o1", 2, (0, 3)), MergedLine("o2", 1, (1,)), MergedLine("o3", 1, (2,))]
    _, problems = price_order(merged, {"o2": quote("o2", unsellable_reason="inactive_offer"), "o3": quote("o3")})
    assert [(problem.line, problem.reason) for problem in problems] == [
        (0, "unknown_offer"), (3, "unknown_offer"), (1, "inactive_offer")]


def test_lines_in_another_currency_than_the_first_are_refused():
    merged = [MergedLine("o1", 1, (0,)), MergedLine("o2", 1, (1,)), MergedLine("o3", 1, (2,))]
    offers = {"o1": quote("o1"), "o2": quote("o2", currency="USD"), "o3": quote("o3", "ven-b")}
    _, problems = price_order(merged, offers)
    assert [(problem.line, problem.reason) for problem in problems] == [(1, "mixed_currencies")]


def test_a_total_different_from_the_expected_one_is_refused_for_the_whole_order():
    _, problems = price_order([MergedLine("o1", 1, (0,))], {"o1": quote("o1", price=1000, shipping=490)},
                              expected_total_minor=1000)
    assert problems == [LineProblem(None, "total_mismatch", "the total is 1490, not the expected 1000")]


def test_placement_problems_become_one_422_naming_the_lines():
    problems = [LineProblem(0, "unknown_offer", "offer o1 is not for sale (unknown_offer)"),
                LineProblem(None, "total_mismatch", "the total is 1, not the expected 2")]
    with pytest.raises(PlacementRefused) as refused:
        raise_for_problems(problems)
    assert (refused.value.code, refused.value.problem_type) == (422, "order-refused")
    assert refused.value.extensions == {"lines": [
        {"line": 0, "reason": "unknown_offer", "detail": "offer o1 is not for sale (unknown_offer)"},
        {"line": None, "reason": "total_mismatch", "detail": "the total is 1, not the expected 2"}]}
    raise_for_problems([])
