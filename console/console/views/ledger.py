"""Vendor balances and statements: operators pick a vendor, vendors see their own (the API scopes them by
their token, so a vendor's page never names a vendor).

The CSV download passes the API's own CSV through: it has the whole period (the table is paged)
and cells a spreadsheet would run as formulas already defused.
"""
from __future__ import annotations

import re

from flask import Response, render_template

from console import web
from console.display_names import vendor_names
from console.views.query_filters import TypedFilters, typed_filters
from console.views.vendor_orders import ROLES

ACCOUNTS = ("available", "pending")
STATEMENT_ROWS = 100


def register(bp) -> None:
    bp.route("/balances")(web.signed_in(*ROLES)(balance_list))
    bp.route("/statement")(web.signed_in(*ROLES)(statement))
    bp.route("/statement.csv")(web.signed_in(*ROLES)(statement_csv))


def balance_list():
    filters = typed_filters(_vendor_field() + ("currency",))
    page = web.listed("/api/v1/balances", **filters.query()) if filters.ok else None
    vendors = vendor_names(balance.get("vendor_id") for balance in page.items) \
        if page is not None and web.current_session().user.is_operator else {}
    return render_template("balances.html", page=page, filters=filters, vendors=vendors), 200 if filters.ok else 422


def statement():
    filters = _statement_filters()
    if not filters.ok or not _vendor_chosen(filters):
        return render_template("statement.html", statement=None, filters=filters), 200 if filters.ok else 422
    found = web.api().get("/api/v1/ledger/statement", limit=STATEMENT_ROWS, **filters.query())
    return render_template("statement.html", statement=found, filters=filters)


def statement_csv():
    filters = _statement_filters()
    if not filters.ok or not _vendor_chosen(filters):
        return render_template("statement.html", statement=None, filters=filters), 422
    content, content_type = web.api().get_raw("/api/v1/ledger/statement", format="csv", **filters.without("cursor"))
    name = "-".join(["statement", filters.typed.get("vendor_id") or web.current_session().user.vendor_id or "",
                     filters.typed["account"], filters.typed["from"], filters.typed["to"]])
    return csv_download(content, content_type, name)


def csv_download(content: bytes, content_type: str, name: str) -> Response:
    """The API's CSV as a download named ``name`` (made safe for a header and a file system)."""
    filename = re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".csv"
    return Response(content, content_type=content_type or "text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _vendor_field() -> tuple[str, ...]:
    return ("vendor_id",) if web.current_session().user.is_operator else ()


def _statement_filters() -> TypedFilters:
    today = web.today()
    return typed_filters(_vendor_field() + ("account", "currency", "from", "to", "cursor"),
                         {"account": ACCOUNTS},
                         {"account": "available", "from": today.replace(day=1).isoformat(), "to": today.isoformat()})


def _vendor_chosen(filters: TypedFilters) -> bool:
    """Operators name the vendor; a vendor's statement is always its own."""
    return not web.current_session().user.is_operator or bool(filters.typed.get("vendor_id"))
