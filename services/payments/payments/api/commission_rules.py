"""Commission rules: admin operators write them, operators read them all, vendor staff read those that
apply to their vendor (their own, the per-category ones and the default), never another vendor's.

Precedence, most specific first: vendor + category > vendor > category > default. The default is
the rule with neither vendor nor category if operators made one, else the runtime setting
``default_commission_rate_bps``. ``/preview`` answers which rule a capture would apply.
"""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import or_, select

from chassis.app import runtime
from chassis.auth.flask import require_auth
from chassis.auth.principal import OPERATOR, VENDOR
from chassis.blueprint import Blueprint
from chassis.errors import Problem
from chassis.pagination import SelectPage, close_request_session, request_session
from chassis.permissions import operator_write
from payments import commission_rules
from payments.api.commission_rule_schemas import (PreviewQuerySchema, PreviewSchema, RuleInputSchema, RuleQuerySchema,
                                                   RuleSchema, TermsSchema)
from payments.api.callers import own_vendor, readable_vendor
from payments.domain.commissions import PRECEDENCE
from payments.models import CommissionRule

SECURITY = [{"bearerAuth": []}]


def blueprint() -> Blueprint:
    bp = Blueprint("payments_commission_rules", __name__, url_prefix="/api/v1/commission-rules",
                   description="Commission rules: vendor + category > vendor > category > default.")
    bp.teardown_request(close_request_session)

    @bp.route("")
    class Rules(MethodView):
        @require_auth(roles=(OPERATOR, VENDOR))
        @bp.arguments(RuleQuerySchema, location="query")
        @bp.response(200, RuleSchema(many=True))
        @bp.paginate(SelectPage)
        @bp.doc(security=SECURITY)
        def get(self, filters):
            """Rules, most specific first: all (operators); those applying to your vendor (vendor staff)."""
            query = select(*CommissionRule.__table__.c).order_by(
                CommissionRule.vendor_id.is_(None), CommissionRule.category_id.is_(None), CommissionRule.vendor_id,
                CommissionRule.category_id)
            vendor_id = own_vendor() or filters.get("vendor_id")
            if vendor_id:
                query = query.where(or_(CommissionRule.vendor_id.is_(None), CommissionRule.vendor_id == vendor_id))
            if "category_id" in filters:
                query = query.where(CommissionRule.category_id == filters["category_id"])
            return query

        @operator_write()
        @bp.arguments(RuleInputSchema)
        @bp.response(201, RuleSchema)
        @bp.alt_response(409, description="This scope has a rule already; the problem names it (existing_rule_id)")
        @bp.doc(security=SECURITY)
        def post(self, body):
            """Add a rule (admin operators): its scope is its vendor and category, either or both optional."""
            with runtime().uow() as uow:
                rule = commission_rules.create_rule(uow, body.pop("vendor_id"), body.pop("category_id"), body)
                uow.commit()
                return _rule(rule)

    @bp.route("/preview")
    class RulePreview(MethodView):
        @require_auth(roles=(OPERATOR, VENDOR))
        @bp.arguments(PreviewQuerySchema, location="query")
        @bp.response(200, PreviewSchema)
        @bp.doc(security=SECURITY)
        def get(self, query):
            """Which rule a capture of one line would apply, and its commission."""
            vendor_id = readable_vendor(query.get("vendor_id"))
            result = commission_rules.preview(request_session(), vendor_id, query["category_id"],
                                              query["amount_minor"])
            return {"vendor_id": vendor_id, "category_id": result.category_id, "amount_minor": result.amount_minor,
                    "rule": _rule(result.rule), "commission_minor": result.commission_minor,
                    "net_minor": result.amount_minor - result.commission_minor,
                    "precedence": [str(scope) for scope in PRECEDENCE]}

    @bp.route("/<rule_id>")
    class RuleResource(MethodView):
        @require_auth(roles=(OPERATOR, VENDOR))
        @bp.response(200, RuleSchema)
        @bp.doc(security=SECURITY)
        def get(self, rule_id):
            """A rule (vendor staff: only one that applies to their vendor)."""
            return _rule(_readable(request_session(), rule_id))

        @operator_write()
        @bp.arguments(TermsSchema)
        @bp.response(200, RuleSchema)
        @bp.doc(security=SECURITY)
        def patch(self, body, rule_id):
            """Change a rule's terms (admin operators); captures already made keep the terms they used."""
            with runtime().uow() as uow:
                rule = commission_rules.update_rule(uow, _readable(uow.session, rule_id), body)
                uow.commit()
                return _rule(rule)

        @operator_write()
        @bp.response(204)
        @bp.doc(security=SECURITY)
        def delete(self, rule_id):
            """Delete a rule (admin operators): its scope falls back to the next in precedence."""
            with runtime().uow() as uow:
                commission_rules.delete_rule(uow, _readable(uow.session, rule_id))
                uow.commit()

    return bp


def _readable(session, rule_id: str) -> CommissionRule:
    rule = session.get(CommissionRule, rule_id)
    own = own_vendor()
    if rule is None or (own is not None and rule.vendor_id not in (None, own)):
        raise Problem(404, "not-found", f"no commission rule {rule_id!r}")
    return rule


def _rule(rule) -> dict:
    fields = {name: getattr(rule, name, None) for name in (
        "id", "vendor_id", "category_id", "rate_bps", "fixed_fee_minor", "min_minor", "max_minor", "created_at",
        "updated_at")}
    scope = commission_rules.Rule(0, vendor_id=rule.vendor_id, category_id=rule.category_id).scope
    return {**fields, "scope": str(scope)}
