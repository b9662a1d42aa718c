"""The ledger as vendors see it: statements of their pending or available account, and monthly
commission invoices. Vendor staff read their own vendor's; operators any vendor's (another
vendor's id answers 404 to vendor staff). Both answer JSON, or CSV with ``Accept: text/csv`` or
``?format=csv`` (streamed, every cell guarded against spreadsheet formulas)."""
from __future__ import annotations

import json

from flask import Response
from flask.views import MethodView

from chassis.app import runtime
from chassis.auth.flask import require_auth
from chassis.auth.principal import OPERATOR, VENDOR
from chassis.blueprint import Blueprint
from chassis.pagination import close_request_session, request_connection, request_session
from chassis.runtime_settings import RECENT_ENOUGH, current as current_settings
from chassis.day_filters import day_after, day_start
from chassis.csv_cells import streamed_csv, wants_csv
from payments import invoices, statements
from payments.api.ledger_schemas import FormatQuerySchema, InvoiceSchema, StatementQuerySchema, StatementSchema
from payments.api.callers import readable_vendor
from payments.settings import PaymentsRuntimeSettings

SECURITY = [{"bearerAuth": []}]
CSV_DOC = {"200": {"description": "JSON, or CSV with Accept: text/csv or ?format=csv",
                   "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}}}}


def blueprint() -> Blueprint:
    bp = Blueprint("payments_ledger", __name__, url_prefix="/api/v1/ledger",
                   description="Vendor statements (running balance, CSV) and monthly commission invoices.")
    bp.teardown_request(close_request_session)

    @bp.route("/statement")
    class StatementResource(MethodView):
        @require_auth(roles=(VENDOR, OPERATOR))
        @bp.arguments(StatementQuerySchema, location="query")
        @bp.response(200, StatementSchema)
        @bp.doc(security=SECURITY, responses=CSV_DOC)
        def get(self, query):
            """Entries of a vendor account, oldest first, with the balance after each (read as owed).

            Pages follow `next_cursor` (keyset on (created_at, id)); the CSV has the whole period."""
            statement = _statement(query)
            if wants_csv(query):
                return _csv(statements.csv_export, statement, filename=_statement_filename(statement))
            connection = request_connection()
            after = statements.Position.decode(query["cursor"]) if "cursor" in query else None
            entries, next_cursor = statements.page(connection, statement, after, query["limit"])
            # Serialized here, not by StatementSchema (which documents it): dumping a page of entries
            # through marshmallow was half of the endpoint's CPU.
            return _json({"vendor_id": statement.vendor_id, "account": statement.account,
                          "currency": statement.currency, "start": _iso(statement.start), "end": _iso(statement.end),
                          "opening_balance_minor": statements.balance_before(connection, statement, statement.start)
                          if statement.start else 0,
                          "closing_balance_minor": statements.balance_before(connection, statement, statement.end),
                          "entries": [{**entry, "created_at": entry["created_at"].isoformat()} for entry in entries],
                          "next_cursor": next_cursor})

    @bp.route("/invoices/<vendor_id>/<month>")
    class InvoiceResource(MethodView):
        @require_auth(roles=(VENDOR, OPERATOR))
        @bp.arguments(FormatQuerySchema, location="query")
        @bp.response(200, InvoiceSchema)
        @bp.doc(security=SECURITY, responses=CSV_DOC)
        def get(self, query, vendor_id, month):
            """A vendor's commission invoice for a month (YYYY-MM, UTC): its commission lines and totals."""
            vendor_id, period = readable_vendor(vendor_id), invoices.Month.parse(month)
            if wants_csv(query):
                return _csv(invoices.csv_export, vendor_id, period,
                            filename=f"{invoices.invoice_number(vendor_id, period)}.csv")
            lines = list(invoices.lines(request_connection(), vendor_id, period))
            return {"number": invoices.invoice_number(vendor_id, period), "vendor_id": vendor_id,
                    "month": period.name, "start": period.start, "end": period.end, "lines": lines,
                    "totals": invoices.totals(lines)}

    return bp


def _statement(query: dict) -> statements.Statement:
    vendor_id = readable_vendor(query.get("vendor_id"))
    currency = query.get("currency") or current_settings(request_session(), PaymentsRuntimeSettings,
                                                         max_age=RECENT_ENOUGH).default_currency
    return statements.Statement(vendor_id, query["account"], currency,
                                day_start(query["from_"]) if "from_" in query else None,
                                day_after(query["to"]) if "to" in query else None)


def _json(body: dict) -> Response:
    return Response(json.dumps(body), mimetype="application/json")


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _csv(export, *args, filename: str) -> Response:
    return streamed_csv(runtime().database, lambda session, *values: export(session.connection(), *values), *args,
                        filename=filename)


def _statement_filename(statement: statements.Statement) -> str:
    return f"statement-{statement.vendor_id}-{statement.account}-{statement.currency}.csv"
