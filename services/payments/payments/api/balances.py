"""Vendor balances per currency, read as owed (positive: the marketplace owes the vendor): pending until
the return window of a vendor order has passed, then available for payouts. Read from the accounts'
running totals, never by summing entries. Vendor staff read their own; operators every vendor's."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate
from sqlalchemy import case, func, select

from chassis.auth.flask import require_auth
from chassis.auth.principal import OPERATOR, VENDOR
from chassis.blueprint import Blueprint
from chassis.pagination import SelectPage, close_request_session, request_session
from payments import ledger_book
from payments.api.callers import own_vendor, readable_vendor
from payments.domain.ledger import AccountKind
from payments.models import LedgerAccount

SECURITY = [{"bearerAuth": []}]


class BalanceQuerySchema(ma.Schema):
    vendor_id = ma.fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "Operators"})
    currency = ma.fields.String(validate=validate.Regexp("^[A-Z]{3}$"))


class CurrencyBalanceSchema(ma.Schema):
    currency = ma.fields.String()
    pending_minor = ma.fields.Integer(metadata={"description": "Owed, within the return window"})
    available_minor = ma.fields.Integer(metadata={"description": "Owed and payable; negative: carried, netted later"})


class VendorCurrencyBalanceSchema(CurrencyBalanceSchema):
    vendor_id = ma.fields.String()


class VendorBalancesSchema(ma.Schema):
    vendor_id = ma.fields.String()
    balances = ma.fields.List(ma.fields.Nested(CurrencyBalanceSchema))


def blueprint() -> Blueprint:
    bp = Blueprint("payments_balances", __name__, url_prefix="/api/v1/balances",
                   description="What the marketplace owes each vendor, pending and available, per currency.")
    bp.teardown_request(close_request_session)

    @bp.route("")
    class Balances(MethodView):
        @require_auth(roles=(VENDOR, OPERATOR))
        @bp.arguments(BalanceQuerySchema, location="query")
        @bp.response(200, VendorCurrencyBalanceSchema(many=True))
        @bp.paginate(SelectPage)
        @bp.doc(security=SECURITY)
        def get(self, filters):
            """One row per vendor and currency, by vendor: your vendor's (vendor staff); every vendor's (operators)."""
            vendor_id = own_vendor() or filters.get("vendor_id")
            query = _balances_query()
            if vendor_id:
                query = query.where(LedgerAccount.vendor_id == vendor_id)
            if "currency" in filters:
                query = query.where(LedgerAccount.currency == filters["currency"])
            return query

    @bp.route("/<vendor_id>")
    class VendorBalances(MethodView):
        @require_auth(roles=(VENDOR, OPERATOR))
        @bp.response(200, VendorBalancesSchema)
        @bp.doc(security=SECURITY)
        def get(self, vendor_id):
            """A vendor's balances (vendor staff: their own; another vendor's answers 404)."""
            vendor_id = readable_vendor(vendor_id)
            return {"vendor_id": vendor_id, "balances": ledger_book.vendor_balances(request_session(), vendor_id)}

    return bp


def _balances_query():
    accounts = LedgerAccount.__table__.c

    def owed(kind: AccountKind):
        return -func.sum(case((accounts.kind == str(kind), accounts.balance_minor), else_=0))
    return (select(accounts.vendor_id, accounts.currency, owed(AccountKind.VENDOR_PENDING).label("pending_minor"),
                   owed(AccountKind.VENDOR_AVAILABLE).label("available_minor"))
            .where(accounts.kind.in_([str(AccountKind.VENDOR_PENDING), str(AccountKind.VENDOR_AVAILABLE)]))
            .group_by(accounts.vendor_id, accounts.currency).order_by(accounts.vendor_id, accounts.currency))
