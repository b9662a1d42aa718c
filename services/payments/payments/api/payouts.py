"""Payouts: admin operators start a payout run, operators preview it; vendor staff see their own payouts,
operators all of them.

Another vendor's payout answers 404, as if it did not exist.
"""
from __future__ import annotations


import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from flask_smorest import Page
from marshmallow import validate
from sqlalchemy import select

from chassis.app import runtime
from chassis.audit import UtcDateTime
from chassis.auth.flask import current_principal, require_auth
from chassis.auth.principal import OPERATOR, VENDOR
from chassis.blueprint import Blueprint
from chassis.errors import Problem
from chassis.idempotency import idempotent
from chassis.pagination import SelectPage, close_request_session, request_session
from chassis.permissions import operator_read, operator_write
from chassis.day_filters import CreationDaysSchema, created_within
from payments.domain.states import PayoutStatus
from payments.models import Payout, PayoutRun
from payments.api.callers import request_reader
from payments.payout_selection import due_payouts
from payments.payouts import Trigger, run_payouts

SECURITY = [{"bearerAuth": []}]


class PayoutSchema(ma.Schema):
    id = ma.fields.String()
    run_id = ma.fields.String()
    vendor_id = ma.fields.String()
    currency = ma.fields.String()
    amount_minor = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "in_transit, paid or failed"})
    provider_reference = ma.fields.String(allow_none=True)
    failure_code = ma.fields.String(allow_none=True, metadata={"description": "Why the provider refused it"})
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class RunSummarySchema(ma.Schema):
    id = ma.fields.String()
    trigger = ma.fields.String(metadata={"description": "operator or schedule"})
    actor_id = ma.fields.String(allow_none=True)
    minimum_minor = ma.fields.Integer(metadata={"description": "The minimum payout when the run started"})
    payout_count = ma.fields.Integer()
    created_at = UtcDateTime()


class RunSchema(RunSummarySchema):
    payouts = ma.fields.List(ma.fields.Nested(PayoutSchema))


class DuePayoutSchema(ma.Schema):
    vendor_id = ma.fields.String()
    currency = ma.fields.String()
    amount_minor = ma.fields.Integer(metadata={"description": "What the run pays: in_transit_minor + available_minor"})
    in_transit_minor = ma.fields.Integer(
        metadata={"description": "Payouts an earlier run left in transit, which the run finishes first"})
    available_minor = ma.fields.Integer(
        metadata={"description": "The available balance a new payout pays (0: below the minimum, or none)"})


class PreviewQuerySchema(ma.Schema):
    vendor_id = ma.fields.String(validate=validate.Length(min=1, max=64))
    currency = ma.fields.String(validate=validate.Regexp("^[A-Z]{3}$"))


class PayoutQuerySchema(CreationDaysSchema):
    vendor_id = ma.fields.String(validate=validate.Length(min=1, max=64),
                                 metadata={"description": "Operators: one vendor's payouts"})
    status = ma.fields.String(validate=validate.OneOf([status.value for status in PayoutStatus]))
    run_id = ma.fields.String(validate=validate.Length(min=1, max=64))


def blueprint() -> Blueprint:
    bp = Blueprint("payments_payouts", __name__, url_prefix="/api/v1/payouts",
                   description="Payout runs and the payouts they make to vendors.")
    bp.teardown_request(close_request_session)

    @bp.route("/runs")
    class Runs(MethodView):
        @operator_write()
        @idempotent()
        @bp.response(201, RunSchema)
        @bp.doc(security=SECURITY)
        def post(self):
            """Run payouts now (admin operators, `Idempotency-Key` required): every vendor whose available
            balance is at least `payout_minimum_minor` is paid exactly that balance. Answers the run with
            its payouts, paid or failed."""
            run_id = run_payouts(runtime().uow, Trigger.OPERATOR, current_principal().subject)
            return _run_detail(run_id), 201, {"Location": url_for("payments_payouts.RunResource", run_id=run_id)}

        @operator_read()
        @bp.response(200, RunSummarySchema(many=True))
        @bp.paginate(SelectPage)
        @bp.doc(security=SECURITY)
        def get(self):
            """Payout runs, newest first (operators)."""
            return select(PayoutRun.__table__).order_by(PayoutRun.created_at.desc(), PayoutRun.id.desc())

    @bp.route("/preview")
    class Preview(MethodView):
        @operator_read()
        @bp.arguments(PreviewQuerySchema, location="query")
        @bp.response(200, DuePayoutSchema(many=True))
        @bp.paginate(Page)
        @bp.doc(security=SECURITY)
        def get(self, filters):
            """What a payout run started now would pay (operators), per vendor and currency.

            By vendor: the payouts an earlier run left in transit, which the run finishes first, then each
            available balance at least `payout_minimum_minor` (and above zero). Read by the same code the run
            uses; writes nothing. Vendors the run would pay nothing are absent."""
            return [due for due in due_payouts(request_session())
                    if all(getattr(due, name) == value for name, value in filters.items())]

    @bp.route("/runs/<run_id>")
    class RunResource(MethodView):
        @operator_read()
        @bp.response(200, RunSchema)
        @bp.doc(security=SECURITY)
        def get(self, run_id):
            """A payout run with its payouts (operators)."""
            return _run_detail(run_id)

    @bp.route("")
    class Payouts(MethodView):
        @require_auth(roles=(VENDOR, OPERATOR))
        @bp.arguments(PayoutQuerySchema, location="query")
        @bp.response(200, PayoutSchema(many=True))
        @bp.paginate(SelectPage)
        @bp.doc(security=SECURITY)
        def get(self, filters):
            """Payouts, newest first: vendor staff their vendor's, operators every vendor's (filters)."""
            query = _visible(select(Payout.__table__)).order_by(Payout.created_at.desc(), Payout.id.desc())
            for name in ("vendor_id", "status", "run_id"):
                if name in filters:
                    query = query.where(getattr(Payout, name) == filters[name])
            return created_within(query, Payout.created_at, filters)

    @bp.route("/<payout_id>")
    class PayoutResource(MethodView):
        @require_auth(roles=(VENDOR, OPERATOR))
        @bp.response(200, PayoutSchema)
        @bp.doc(security=SECURITY)
        def get(self, payout_id):
            """A payout (its vendor's staff, or operators)."""
            row = request_session().execute(_visible(select(Payout.__table__)).where(Payout.id == payout_id)).first()
            if row is None:
                raise Problem(404, "not-found", f"payout {payout_id[:64]!r} not found")
            return row._asdict()

    return bp


def _visible(query):
    """Operators see every payout; vendor staff only their token's vendor's."""
    reader = request_reader()
    return query if reader.operator else query.where(Payout.vendor_id == reader.vendor_id)


def _run_detail(run_id: str) -> dict:
    session = request_session()
    run = session.get(PayoutRun, run_id)
    if run is None:
        raise Problem(404, "not-found", f"payout run {run_id[:64]!r} not found")
    payouts = session.execute(select(Payout.__table__).where(Payout.run_id == run_id)
                              .order_by(Payout.vendor_id, Payout.currency)).mappings().all()
    return {**{column.key: getattr(run, column.key) for column in PayoutRun.__table__.columns},
            "payouts": [dict(payout) for payout in payouts]}
