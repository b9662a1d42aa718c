"""Placement checks that need no database: line counts, quantities, offers as quoted, currency, total.

Every problem names the request lines at fault, so the API answers one 422 listing them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from chassis.errors import Problem
from orders.domain.money import PricedLine, order_totals, split_by_vendor, vendor_order_totals

MAX_LINES = 50
UNKNOWN_OFFER = "unknown_offer"  # catalog's reason codes are snake_case; ours follow
MIN_QUANTITY, MAX_QUANTITY = 1, 99


@dataclass(frozen=True)
class RequestedLine:
    offer_id: str
    quantity: int


@dataclass(frozen=True)
class MergedLine:
    """Request lines of one offer added up; ``indexes`` are their positions in the request."""

    offer_id: str
    quantity: int
    indexes: tuple[int, ...]


@dataclass(frozen=True)
class OfferQuote:
    """An offer as catalog's quote describes it at placement; ``unsellable_reason`` None when it sells.

    Reasons are catalog's (``inactive_offer``, ``product_not_approved``, ``vendor_suspended``, ...).
    """

    offer_id: str
    product_id: str
    category_id: str | None
    vendor_id: str
    title: str
    price_minor: int
    shipping_minor: int
    currency: str
    unsellable_reason: str | None = None


@dataclass(frozen=True)
class LineProblem:
    """Why a placement is refused: ``line`` is an index in the request, None for the whole order."""

    line: int | None
    reason: str
    detail: str

    def to_dict(self) -> dict:
        return {"line": self.line, "reason": self.reason, "detail": self.detail}


def check_line_count(lines: Sequence[RequestedLine]) -> list[LineProblem]:
    if not lines:
        return [LineProblem(None, "no_lines", "an order needs at least one line")]
    if len(lines) > MAX_LINES:
        return [LineProblem(None, "too_many_lines", f"at most {MAX_LINES} lines, not {len(lines)}")]
    return []


def check_quantities(lines: Sequence[RequestedLine]) -> list[LineProblem]:
    return [LineProblem(index, "quantity_out_of_range",
                        f"quantity must be {MIN_QUANTITY} to {MAX_QUANTITY}, not {line.quantity}")
            for index, line in enumerate(lines) if not MIN_QUANTITY <= line.quantity <= MAX_QUANTITY]


def merge_duplicate_lines(lines: Sequence[RequestedLine]) -> list[MergedLine]:
    """One line per offer, in the order offers first appear."""
    merged: dict[str, MergedLine] = {}
    for index, line in enumerate(lines):
        seen = merged.get(line.offer_id, MergedLine(line.offer_id, 0, ()))
        merged[line.offer_id] = MergedLine(line.offer_id, seen.quantity + line.quantity, seen.indexes + (index,))
    return list(merged.values())


def check_merged_quantities(merged: Iterable[MergedLine]) -> list[LineProblem]:
    """Lines of one offer that each fit but together exceed the per-line maximum."""
    return [LineProblem(index, "quantity_out_of_range",
                        f"lines of offer {line.offer_id} add up to {line.quantity}, more than {MAX_QUANTITY}")
            for line in merged if line.quantity > MAX_QUANTITY for index in line.indexes]


def check_request(lines: Sequence[RequestedLine]) -> tuple[list[MergedLine], list[LineProblem]]:
    """The checks that need neither catalog nor database; merged lines and what is wrong with them."""
    problems = check_line_count(lines) + check_quantities(lines)
    merged = merge_duplicate_lines(lines)
    if not problems:
        problems = check_merged_quantities(merged)
    return merged, problems


def check_offers(merged: Iterable[MergedLine], offers: Mapping[str, OfferQuote]) -> list[LineProblem]:
    """Lines whose offer catalog does not know or does not sell any more."""
    problems = []
    for line in merged:
        offer = offers.get(line.offer_id)
        reason = UNKNOWN_OFFER if offer is None else offer.unsellable_reason
        if reason:
            problems += [LineProblem(index, reason, f"offer {line.offer_id} is not for sale ({reason})")
                         for index in line.indexes]
    return problems


def check_single_currency(merged: Sequence[MergedLine], offers: Mapping[str, OfferQuote]) -> list[LineProblem]:
    """An order has one currency, its first line's: lines in another one are named."""
    currency = offers[merged[0].offer_id].currency
    return [LineProblem(index, "mixed_currencies", f"priced in {offers[line.offer_id].currency}, "
                        f"the order is in {currency}")
            for line in merged if offers[line.offer_id].currency != currency for index in line.indexes]


def check_expected_total(expected_total_minor: int | None, total_minor: int) -> list[LineProblem]:
    if expected_total_minor is None or expected_total_minor == total_minor:
        return []
    return [LineProblem(None, "total_mismatch", f"the total is {total_minor}, not the expected "
                        f"{expected_total_minor}")]


def priced_line(line: MergedLine, offer: OfferQuote) -> PricedLine:
    return PricedLine(offer_id=offer.offer_id, product_id=offer.product_id, category_id=offer.category_id,
                      vendor_id=offer.vendor_id, title=offer.title, unit_price_minor=offer.price_minor,
                      shipping_minor=offer.shipping_minor, quantity=line.quantity, currency=offer.currency)


def price_order(merged: Sequence[MergedLine], offers: Mapping[str, OfferQuote],
                expected_total_minor: int | None = None) -> tuple[list[PricedLine], list[LineProblem]]:
    """Priced lines from catalog's quotes, or the problems that refuse the placement."""
    problems = check_offers(merged, offers) or check_single_currency(merged, offers)
    if problems:
        return [], problems
    lines = [priced_line(line, offers[line.offer_id]) for line in merged]
    totals = order_totals(vendor_order_totals(group) for group in split_by_vendor(lines).values())
    return lines, check_expected_total(expected_total_minor, totals.total_minor)


class PlacementRefused(Problem):
    """422 naming every offending line: ``lines`` holds ``{line, reason, detail}``, line null for the order."""

    def __init__(self, problems: Sequence[LineProblem]) -> None:
        super().__init__(422, "order-refused", "The order cannot be placed; see 'lines'.",
                         lines=[problem.to_dict() for problem in problems])


def raise_for_problems(problems: Sequence[LineProblem]) -> None:
    if problems:
        raise PlacementRefused(problems)
