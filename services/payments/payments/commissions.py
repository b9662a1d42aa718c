"""Commission at capture: the rules that apply to a vendor order's lines, stored line by line with their rule."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chassis.runtime_settings import RECENT_ENOUGH, current as current_settings
from payments.domain import commissions as rules_domain
from payments.domain.commissions import CommissionRule as Rule, SaleLine
from payments.models import CommissionLine, CommissionRule, PayableVendorOrder
from payments.settings import PaymentsRuntimeSettings


def rules_for_vendor(session: Session, vendor_id: str) -> tuple[list[Rule], Rule]:
    """The rules that may apply to ``vendor_id``'s lines, and the default (a rule with no vendor and no
    category if operators made one, else the ``default_commission_rate_bps`` setting)."""
    rows = session.scalars(select(CommissionRule).where(
        or_(CommissionRule.vendor_id.is_(None), CommissionRule.vendor_id == vendor_id)))
    rules = [_rule(row) for row in rows]
    default = next((rule for rule in rules if rule.vendor_id is None and rule.category_id is None), None)
    if default is None:
        settings = current_settings(session, PaymentsRuntimeSettings, max_age=RECENT_ENOUGH)
        default = Rule(rate_bps=settings.default_commission_rate_bps)
    return [rule for rule in rules if rule is not default], default


def charge_lines(session: Session, part: PayableVendorOrder, at: datetime) -> list[CommissionLine]:
    """The commission of each line of ``part``, as rows ready to add (kind ``charge``)."""
    rules, default = rules_for_vendor(session, part.vendor_id)
    sale = [SaleLine(line["line_id"], line.get("category_id"), line["amount_minor"]) for line in part.lines]
    categories = {line["line_id"]: line.get("category_id") for line in part.lines}
    return [CommissionLine(kind="charge", vendor_order_id=part.vendor_order_id, order_id=part.order_id,
                           line_id=line.line_id, vendor_id=part.vendor_id, category_id=categories[line.line_id],
                           rule_id=line.rule.id, rule_scope=str(line.rule.scope), rate_bps=line.rule.rate_bps,
                           base_minor=line.base_minor, fixed_fee_minor=line.fixed_fee_minor,
                           commission_minor=line.commission_minor, currency=part.currency, created_at=at)
            for line in rules_domain.vendor_order_commission(part.vendor_id, sale, rules, default)]


def reversal_lines(session: Session, vendor_order_id: str, captured_minor: int, refunded_before_minor: int,
                   refunding_minor: int, refund_id: str, at: datetime) -> list[CommissionLine]:
    """The commission a refund gives back, line by line (kind ``reversal``, negative amounts)."""
    rows = session.scalars(select(CommissionLine).where(CommissionLine.vendor_order_id == vendor_order_id)
                           .order_by(CommissionLine.id)).all()
    charges = [row for row in rows if row.kind == "charge"]
    done = {row.line_id: 0 for row in charges}
    for row in rows:
        if row.kind == "reversal":
            done[row.line_id] -= row.commission_minor
    given_back = rules_domain.commission_to_reverse([row.commission_minor for row in charges],
                                                    [done[row.line_id] for row in charges], captured_minor,
                                                    refunded_before_minor, refunding_minor)
    return [_reversal(row, amount, refund_id, at) for row, amount in zip(charges, given_back) if amount]


def _reversal(charge: CommissionLine, amount: int, refund_id: str, at: datetime) -> CommissionLine:
    return CommissionLine(kind="reversal", vendor_order_id=charge.vendor_order_id, order_id=charge.order_id,
                          line_id=charge.line_id, vendor_id=charge.vendor_id, category_id=charge.category_id,
                          rule_id=charge.rule_id, rule_scope=charge.rule_scope, rate_bps=charge.rate_bps,
                          base_minor=charge.base_minor, fixed_fee_minor=0, commission_minor=-amount,
                          currency=charge.currency, refund_id=refund_id, created_at=at)


def _rule(row: CommissionRule) -> Rule:
    return Rule(rate_bps=row.rate_bps, fixed_fee_minor=row.fixed_fee_minor, min_minor=row.min_minor,
                max_minor=row.max_minor, vendor_id=row.vendor_id, category_id=row.category_id, id=row.id)


def total(lines: Sequence[CommissionLine]) -> int:
    return sum(line.commission_minor for line in lines)
