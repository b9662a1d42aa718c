"""Refunds (read-only): each refund request orders or returns sent, refunded once or failed.

A customer reads their own, vendor staff their vendor's, operators every one and filter them;
another tenant's refund is a 404. Customers do not see the commission given back to the vendor.
"""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import null, select

from chassis.auth.principal import CUSTOMER, OPERATOR, VENDOR
from chassis.auth.flask import require_auth
from chassis.blueprint import Blueprint
from chassis.errors import Problem
from chassis.pagination import SelectPage, close_request_session, request_connection
from chassis.day_filters import created_within
from payments.api.callers import Reader, request_reader
from payments.api.schemas import RefundQuerySchema, RefundSchema
from payments.models import Refund

SECURITY = [{"bearerAuth": []}]
_HIDDEN_FROM_CUSTOMERS = ("commission_reversed_minor", "provider_reference")


def blueprint() -> Blueprint:
    bp = Blueprint("payments_refunds", __name__, url_prefix="/api/v1/refunds",
                   description="Refunds: money given back per vendor order, once per refund request.")
    bp.teardown_request(close_request_session)

    @bp.route("")
    class Refunds(MethodView):
        @require_auth(roles=(CUSTOMER, VENDOR, OPERATOR))
        @bp.arguments(RefundQuerySchema, location="query")
        @bp.response(200, RefundSchema(many=True))
        @bp.paginate(SelectPage)
        @bp.doc(security=SECURITY)
        def get(self, filters):
            """Refunds, newest first: a customer's own, a vendor's own, every one for operators.

            Filters (status, order_id, vendor_id, customer_id, created_from/created_to) narrow within what
            the caller may see, never widen it."""
            return visible_refunds(request_reader(), filters)

    @bp.route("/<refund_id>")
    class RefundResource(MethodView):
        @require_auth(roles=(CUSTOMER, VENDOR, OPERATOR))
        @bp.response(200, RefundSchema)
        @bp.doc(security=SECURITY)
        def get(self, refund_id):
            """A refund (its customer, its vendor's staff, operators)."""
            found = request_connection().execute(visible_refunds(request_reader(), {}).where(Refund.id == refund_id))
            row = found.mappings().first()
            if row is None:
                raise Problem(404, "not-found", f"refund {refund_id} not found")
            return row

    return bp


def visible_refunds(reader: Reader, filters: dict):
    """Refund columns the reader may see, newest first, narrowed by the filters."""
    columns = [column.label(column.key) if reader.customer_id is None or column.key not in _HIDDEN_FROM_CUSTOMERS
               else null().label(column.key) for column in Refund.__table__.columns]
    query = select(*columns).order_by(Refund.created_at.desc(), Refund.id.desc())
    if reader.customer_id is not None:
        query = query.where(Refund.customer_id == reader.customer_id)
    if reader.vendor_id is not None:
        query = query.where(Refund.vendor_id == reader.vendor_id)
    for name in ("status", "order_id", "vendor_id", "customer_id"):
        if name in filters:
            query = query.where(getattr(Refund, name) == filters[name])
    return created_within(query, Refund.created_at, filters)
