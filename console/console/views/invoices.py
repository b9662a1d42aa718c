"""Monthly commission invoices: a vendor reads its own, operators any vendor's; both download the CSV the
API renders (every commission line, charges and reversals, with the rule that applied)."""
from __future__ import annotations

from urllib.parse import quote

from flask import render_template

from console import web
from console.views.ledger import csv_download
from console.views.query_filters import TypedFilters, typed_filters
from console.views.vendor_orders import ROLES


def register(bp) -> None:
    bp.route("/invoices")(web.signed_in(*ROLES)(invoice))
    bp.route("/invoices.csv")(web.signed_in(*ROLES)(invoice_csv))


def invoice():
    filters, vendor_id = _invoice_filters()
    if not filters.ok or not vendor_id:
        return render_template("invoice.html", invoice=None, filters=filters), 200 if filters.ok else 422
    found = web.api().get(_path(vendor_id, filters))
    return render_template("invoice.html", invoice=found, filters=filters)


def invoice_csv():
    filters, vendor_id = _invoice_filters()
    if not filters.ok or not vendor_id:
        return render_template("invoice.html", invoice=None, filters=filters), 422
    content, content_type = web.api().get_raw(_path(vendor_id, filters), format="csv")
    return csv_download(content, content_type, f"commission-invoice-{vendor_id}-{filters.typed['month']}")


def _invoice_filters() -> tuple[TypedFilters, str]:
    """The month (this one by default) and the vendor: the one typed (operators) or the user's own ("" until
    both are known)."""
    user = web.current_session().user
    names = ("vendor_id", "month") if user.is_operator else ("month",)
    filters = typed_filters(names, defaults={"month": web.today().strftime("%Y-%m")})
    vendor_id = filters.typed.get("vendor_id", "") if user.is_operator else user.vendor_id or ""
    return filters, vendor_id if filters.typed["month"] else ""


def _path(vendor_id: str, filters: TypedFilters) -> str:
    # A vendor id typed by an operator goes in the path: keep it one path segment.
    return f"/api/v1/ledger/invoices/{quote(vendor_id, safe='')}/{filters.typed['month']}"
