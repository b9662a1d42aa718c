"""Commission rules and what they take from a vendor order, and how much a refund gives back.

Precedence, most specific first: vendor + category > vendor > category > the default rate.
Per line: ``rate_bps`` of the line's amount (half-even), bounded by the rule's min and max, never
more than the line itself. The fixed fee is charged once per vendor order: the largest fixed fee
among the rules that apply, on the first line of that rule. Shipping carries no commission.
A refund gives back commission in proportion to the amount refunded, counted on the cumulative
refunds so that refunding everything gives back exactly everything.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from payments.domain.money import allocate, clamp, percent_of, share_of


class RuleScope(StrEnum):
    VENDOR_CATEGORY = "vendor_category"
    VENDOR = "vendor"
    CATEGORY = "category"
    DEFAULT = "default"


PRECEDENCE = (RuleScope.VENDOR_CATEGORY, RuleScope.VENDOR, RuleScope.CATEGORY, RuleScope.DEFAULT)


@dataclass(frozen=True)
class CommissionRule:
    rate_bps: int
    fixed_fee_minor: int = 0
    min_minor: int | None = None
    max_minor: int | None = None
    vendor_id: str | None = None
    category_id: str | None = None
    id: str | None = None  # None: the default rate of the runtime settings

    @property
    def scope(self) -> RuleScope:
        if self.vendor_id and self.category_id:
            return RuleScope.VENDOR_CATEGORY
        if self.vendor_id:
            return RuleScope.VENDOR
        return RuleScope.CATEGORY if self.category_id else RuleScope.DEFAULT

    def matches(self, vendor_id: str, category_id: str | None) -> bool:
        return (self.vendor_id in (None, vendor_id)) and (self.category_id is None or self.category_id == category_id)


@dataclass(frozen=True)
class SaleLine:
    """A vendor order line as sold: its amount is unit price × quantity (shipping excluded)."""

    line_id: str
    category_id: str | None
    amount_minor: int


@dataclass(frozen=True)
class CommissionLine:
    line_id: str
    rule: CommissionRule
    base_minor: int
    fixed_fee_minor: int
    commission_minor: int


def applicable_rule(rules: Iterable[CommissionRule], vendor_id: str, category_id: str | None,
                    default: CommissionRule) -> CommissionRule:
    """The most specific rule matching this vendor and category, else ``default``."""
    matching = {rule.scope: rule for rule in rules if rule.matches(vendor_id, category_id)}
    return next((matching[scope] for scope in PRECEDENCE if scope in matching), default)


def vendor_order_commission(vendor_id: str, lines: Sequence[SaleLine], rules: Sequence[CommissionRule],
                            default: CommissionRule) -> list[CommissionLine]:
    """The commission of each line of one vendor order, with the rule that applied."""
    applied = [applicable_rule(rules, vendor_id, line.category_id, default) for line in lines]
    fee_index = _fixed_fee_line(applied)
    result = []
    for index, (line, rule) in enumerate(zip(lines, applied)):
        fee = rule.fixed_fee_minor if index == fee_index else 0
        percentage = clamp(percent_of(line.amount_minor, rule.rate_bps), rule.min_minor, rule.max_minor)
        commission = min(percentage + fee, line.amount_minor)
        result.append(CommissionLine(line.line_id, rule, line.amount_minor, fee, max(commission, 0)))
    return result


def _fixed_fee_line(applied: Sequence[CommissionRule]) -> int | None:
    fees = [rule.fixed_fee_minor for rule in applied]
    if not fees or max(fees) <= 0:
        return None
    return fees.index(max(fees))


def commission_to_reverse(line_commissions: Sequence[int], reversed_so_far: Sequence[int], captured_minor: int,
                          refunded_before_minor: int, refunding_minor: int) -> list[int]:
    """Commission given back per line by a refund of ``refunding_minor`` out of ``captured_minor``.

    The total is ``commission × refunded / captured`` on cumulative refunds, half-even, less what
    earlier refunds gave back; it is spread over the lines in proportion to what each still holds,
    half-even, the remainder on the last line, and no line gives back more than it holds.
    """
    total_commission = sum(line_commissions)
    target = share_of(total_commission, refunded_before_minor + refunding_minor, captured_minor)
    now = min(max(target - sum(reversed_so_far), 0), total_commission - sum(reversed_so_far))
    holding = [commission - done for commission, done in zip(line_commissions, reversed_so_far)]
    return _within(allocate(now, holding), holding)


def _within(parts: list[int], limits: Sequence[int]) -> list[int]:
    """Bring each part into ``[0, limit]``, moving what was cut (or owed) to other parts, last first.

    Rounding each part half-even may push the last one below zero or above its limit; the total is
    never more than the limits' sum, so the difference always fits elsewhere.
    """
    clamped = [min(max(part, 0), limit) for part, limit in zip(parts, limits)]
    left = sum(parts) - sum(clamped)
    for index in range(len(clamped) - 1, -1, -1):
        room = limits[index] - clamped[index] if left > 0 else -clamped[index]
        moved = min(left, room) if left > 0 else max(left, room)
        clamped[index] += moved
        left -= moved
    return clamped
