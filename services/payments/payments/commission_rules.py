"""Operators' commission rules: one per scope (vendor, category, both, or neither for the default), audited.

A rule's change applies to captures from then on; commission lines already written keep the rule,
rate and fee they were computed with. The preview runs the same computation as a capture.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chassis.errors import Problem
from payments.commissions import rules_for_vendor
from payments.domain import commissions as rules_domain
from payments.domain.commissions import CommissionRule as Rule, SaleLine
from payments.models import CommissionRule
from payments.models.base import new_id, now

TERMS = ("rate_bps", "fixed_fee_minor", "min_minor", "max_minor")


@dataclass(frozen=True)
class Preview:
    """What a capture of one line of ``amount_minor`` would pay: the rule that applies and its commission."""

    vendor_id: str
    category_id: str | None
    amount_minor: int
    rule: Rule
    commission_minor: int


def create_rule(uow, vendor_id: str | None, category_id: str | None, terms: dict) -> CommissionRule:
    """Add the rule of a scope not covered yet (409 naming the rule that covers it)."""
    _check_bounds(terms)
    session = uow.session
    _refuse_duplicate(session, vendor_id, category_id)
    moment = now()
    rule = CommissionRule(id=new_id(), vendor_id=vendor_id, category_id=category_id, created_at=moment,
                          updated_at=moment, **{"fixed_fee_minor": 0, **terms})
    session.add(rule)
    try:
        session.flush()
    except IntegrityError:  # another request created this scope's rule since the check
        session.rollback()
        _refuse_duplicate(session, vendor_id, category_id)
        raise
    uow.audit("commission_rule.created", "commission_rule", rule.id, after=rule_fields(rule))
    return rule


def update_rule(uow, rule: CommissionRule, changes: dict) -> CommissionRule:
    """Change a rule's terms (its scope stays: delete and create to move it)."""
    before = rule_fields(rule)
    _check_bounds({**{term: getattr(rule, term) for term in TERMS}, **changes})
    for term, value in changes.items():
        setattr(rule, term, value)
    rule.updated_at = now()
    uow.audit("commission_rule.updated", "commission_rule", rule.id, before=before, after=rule_fields(rule))
    return rule


def delete_rule(uow, rule: CommissionRule) -> None:
    uow.audit("commission_rule.deleted", "commission_rule", rule.id, before=rule_fields(rule))
    uow.session.delete(rule)


def preview(session: Session, vendor_id: str, category_id: str | None, amount_minor: int) -> Preview:
    """The rule a capture would apply to one line of this vendor and category, and its commission."""
    rules, default = rules_for_vendor(session, vendor_id)
    line, = rules_domain.vendor_order_commission(vendor_id, [SaleLine("preview", category_id, amount_minor)],
                                                 rules, default)
    return Preview(vendor_id, category_id, amount_minor, line.rule, line.commission_minor)


def rule_fields(rule: CommissionRule) -> dict:
    return {"vendor_id": rule.vendor_id, "category_id": rule.category_id, **{t: getattr(rule, t) for t in TERMS}}


def _check_bounds(terms: dict) -> None:
    low, high = terms.get("min_minor"), terms.get("max_minor")
    if low is not None and high is not None and high < low:
        raise Problem(422, "validation-failed", "max_minor is below min_minor",
                      errors={"max_minor": ["must be at least min_minor"]})


def _refuse_duplicate(session: Session, vendor_id: str | None, category_id: str | None) -> None:
    existing = session.scalar(select(CommissionRule.id).where(
        func.coalesce(CommissionRule.vendor_id, "") == (vendor_id or ""),
        func.coalesce(CommissionRule.category_id, "") == (category_id or "")))
    if existing is not None:
        scope = Rule(0, vendor_id=vendor_id, category_id=category_id).scope
        raise Problem(409, "commission-rule-exists", f"rule {existing} already covers this {scope} scope",
                      existing_rule_id=existing)
