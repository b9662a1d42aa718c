"""Reconciliation report (operators): the ledger against the provider's records for a period."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validates_schema

from chassis.blueprint import Blueprint
from chassis.pagination import close_request_session, request_session
from chassis.permissions import operator_read
from payments.reconciliation import reconcile

SECURITY = [{"bearerAuth": []}]


class PeriodSchema(Schema):
    start = fields.AwareDateTime(required=True, data_key="from", metadata={"description": "Inclusive"})
    end = fields.AwareDateTime(required=True, data_key="to", metadata={"description": "Exclusive"})

    @validates_schema
    def _ordered(self, data, **kwargs) -> None:
        if data["end"] <= data["start"]:
            raise ValidationError("must be after from", "to")


class MismatchSchema(Schema):
    problem = fields.String(metadata={"description": "missing_at_provider, missing_in_ledger, amount_differs, "
                                                     "repeated_at_provider"})
    operation = fields.String(metadata={"description": "capture, refund or payout"})
    reference = fields.String(metadata={"description": "Our vendor order, refund or payout id"})
    ledger_amount_minor = fields.Integer(allow_none=True)
    provider_amount_minor = fields.Integer(allow_none=True)
    currency = fields.String()


class ReportSchema(Schema):
    start = fields.String(data_key="from")
    end = fields.String(data_key="to")
    clean = fields.Boolean()
    ledger_movements = fields.Integer()
    provider_operations = fields.Integer()
    mismatches = fields.List(fields.Nested(MismatchSchema))


def blueprint() -> Blueprint:
    bp = Blueprint("payments_reconciliation", __name__, url_prefix="/api/v1/ledger/reconciliation",
                   description="The ledger's captures, refunds and payouts against the provider's records.")
    bp.teardown_request(close_request_session)

    @bp.route("")
    class Reconciliation(MethodView):
        @operator_read()
        @bp.arguments(PeriodSchema, location="query")
        @bp.response(200, ReportSchema)
        @bp.doc(security=SECURITY)
        def get(self, period):
            """Every difference between the ledger and the provider over `[from, to)` (operators).

            Each capture, refund and payout the ledger holds must match one successful provider operation
            with the same reference and amount, and the other way round; `clean` is true when none differs."""
            return reconcile(request_session(), period["start"], period["end"]).to_dict()

    return bp
