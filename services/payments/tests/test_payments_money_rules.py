"""Payments' domain rules: half-even money, commission precedence and amounts, ledger postings."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.domain import ledger
from payments.domain.commissions import (CommissionRule, RuleScope, SaleLine, applicable_rule,
                                         commission_to_reverse, vendor_order_commission)
from payments.domain.money import allocate, divide_half_even, percent_of

DEFAULT = CommissionRule(rate_bps=1500)


@pytest.mark.parametrize(("numerator", "denominator", "expected"), [
    (5, 2, 2), (7, 2, 4), (3, 2, 2), (1, 2, 0), (10, 4, 2), (14, 4, 4), (11, 4, 3), (-5, 2, -2), (-7, 2, -4),
    (0, 3, 0),
])
def test_division_rounds_half_to_even(numerator, denominator, expected):
    assert divide_half_even(numerator, denominator) == expected


def test_percent_of_rounds_half_even_on_minor_units():
    assert [percent_of(amount, 1500) for amount in (10, 30, 50, 70, 1001)] == [2, 4, 8, 10, 150]


def test_allocation_gives_the_remainder_to_the_last_part():
    assert allocate(100, [1, 1, 1]) == [33, 33, 34]
    assert allocate(10, [0, 0]) == [5, 5]
    assert allocate(0, []) == []


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=12))
def test_allocation_always_adds_up(total, weights):
    assert sum(allocate(total, weights)) == total


RULES = [
    CommissionRule(rate_bps=800, vendor_id="v1", category_id="books", id="vc"),
    CommissionRule(rate_bps=1000, vendor_id="v1", id="v"),
    CommissionRule(rate_bps=1200, category_id="books", id="c"),
    CommissionRule(rate_bps=1300, category_id="toys", id="c2"),
]


@pytest.mark.parametrize(("vendor", "category", "rule_id", "scope"), [
    ("v1", "books", "vc", RuleScope.VENDOR_CATEGORY),
    ("v1", "toys", "v", RuleScope.VENDOR),  # vendor beats category
    ("v1", None, "v", RuleScope.VENDOR),
    ("v2", "books", "c", RuleScope.CATEGORY),
    ("v2", "toys", "c2", RuleScope.CATEGORY),
    ("v2", "garden", None, RuleScope.DEFAULT),
    ("v2", None, None, RuleScope.DEFAULT),
])
def test_precedence_is_vendor_and_category_then_vendor_then_category_then_default(vendor, category, rule_id, scope):
    rule = applicable_rule(RULES, vendor, category, DEFAULT)
    assert (rule.id, rule.scope) == (rule_id, scope)


def test_each_line_pays_its_own_rule_and_the_fixed_fee_once():
    rules = [CommissionRule(rate_bps=1000, fixed_fee_minor=30, category_id="books", id="c"),
             CommissionRule(rate_bps=500, fixed_fee_minor=50, vendor_id="v1", category_id="toys", id="vt")]
    lines = [SaleLine("l1", "books", 1000), SaleLine("l2", "toys", 2000), SaleLine("l3", "toys", 2000)]
    result = vendor_order_commission("v1", lines, rules, DEFAULT)
    assert [(line.line_id, line.rule.id, line.fixed_fee_minor, line.commission_minor) for line in result] == [
        ("l1", "c", 0, 100), ("l2", "vt", 50, 150), ("l3", "vt", 0, 100)]


def test_min_and_max_bound_a_lines_percentage_and_a_line_never_pays_more_than_it_sold_for():
    rule = CommissionRule(rate_bps=1000, min_minor=200, max_minor=500)
    lines = [SaleLine("cheap", None, 100), SaleLine("mid", None, 3000), SaleLine("dear", None, 90_000)]
    assert [line.commission_minor for line in vendor_order_commission("v", lines, [], rule)] == [100, 300, 500]


def test_refunding_everything_in_parts_gives_back_exactly_the_commission():
    commissions, reversed_so_far, captured, refunded = [333, 167], [0, 0], 5000, 0
    for part in (1234, 1, 2000, 1765):
        now = commission_to_reverse(commissions, reversed_so_far, captured, refunded, part)
        reversed_so_far = [done + more for done, more in zip(reversed_so_far, now)]
        refunded += part
    assert reversed_so_far == commissions


def test_a_partial_refund_gives_back_commission_in_proportion_half_even():
    # 15 % of a 1000 capture is 150; refunding 333 gives back 150 × 333 / 1000 = 49.95 → 50.
    assert sum(commission_to_reverse([150], [0], 1000, 0, 333)) == 50


def test_rounding_never_gives_back_a_negative_amount_on_the_last_line():
    # 4 × 5 / 6 = 3.33 → 3, spread over [2, 2, 0]: 1.5 → 2 twice would leave -1 on the last line.
    assert commission_to_reverse([2, 2, 0], [0, 0, 0], 6, 0, 5) == [2, 1, 0]


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=5), st.integers(1, 10**6),
       st.lists(st.integers(1, 10**6), max_size=8))
def test_reversals_never_exceed_what_each_line_holds_and_end_exact(line_commissions, extra, wanted_parts):
    captured = sum(line_commissions) + extra
    parts = _refund_parts(captured, wanted_parts)
    reversed_so_far, refunded = [0] * len(line_commissions), 0
    for part in parts:
        now = commission_to_reverse(line_commissions, reversed_so_far, captured, refunded, part)
        reversed_so_far = [done + more for done, more in zip(reversed_so_far, now)]
        refunded += part
        assert all(0 <= done <= limit for done, limit in zip(reversed_so_far, line_commissions))
    assert reversed_so_far == line_commissions


def _refund_parts(captured: int, wanted: list[int]) -> list[int]:
    """Partial refunds as asked while they fit, then the rest: together exactly the capture."""
    parts, left = [], captured
    for part in wanted:
        if part < left:
            parts.append(part)
            left -= part
    return parts + [left]


def test_a_capture_credits_the_vendor_net_pending_and_the_commission_to_revenue():
    posting = ledger.capture("v1", "EUR", 10_000, 1_500)
    assert {(entry.account.kind, entry.amount_minor) for entry in posting.entries} == {
        (ledger.AccountKind.PSP_CLEARING, 10_000), (ledger.AccountKind.COMMISSION_REVENUE, -1_500),
        (ledger.AccountKind.VENDOR_PENDING, -8_500)}


def test_a_refund_after_release_comes_from_the_available_balance():
    posting = ledger.refund("v1", "EUR", 2_000, 300, from_available=True)
    assert {(entry.account.kind, entry.amount_minor) for entry in posting.entries} == {
        (ledger.AccountKind.VENDOR_AVAILABLE, 1_700), (ledger.AccountKind.COMMISSION_REVENUE, 300),
        (ledger.AccountKind.REFUNDS_PAYABLE, -2_000)}


def test_every_posting_balances_and_an_unbalanced_one_is_refused():
    postings = [ledger.capture("v", "EUR", 900, 90), ledger.release("v", "EUR", 810),
                ledger.refund("v", "EUR", 100, 10, from_available=False), ledger.refund_paid("EUR", 100),
                ledger.payout("v", "EUR", 700), ledger.payout_paid("EUR", 700), ledger.payout_failed("v", "EUR", 5)]
    assert all(sum(entry.amount_minor for entry in posting.entries) == 0 for posting in postings)
    account = ledger.AccountKey(ledger.AccountKind.PSP_CLEARING, "EUR")
    with pytest.raises(ledger.UnbalancedPosting):
        ledger.Posting(ledger.PostingKind.CAPTURE, (ledger.Entry(account, 5),))


def test_vendor_accounts_need_a_vendor_and_platform_accounts_refuse_one():
    with pytest.raises(ValueError):
        ledger.AccountKey(ledger.AccountKind.VENDOR_PENDING, "EUR")
    with pytest.raises(ValueError):
        ledger.AccountKey(ledger.AccountKind.PSP_CLEARING, "EUR", "v1")


def test_commission_above_the_gross_is_refused():
    with pytest.raises(ValueError):
        ledger.capture("v", "EUR", 100, 101)


@pytest.mark.parametrize(("available", "minimum", "paid"), [(5000, 1000, 5000), (999, 1000, 0), (0, 0, 0),
                                                            (-200, 0, 0), (1000, 1000, 1000)])
def test_a_payout_is_exactly_the_available_balance_from_the_minimum_up(available, minimum, paid):
    assert ledger.payable_amount(available, minimum) == paid
