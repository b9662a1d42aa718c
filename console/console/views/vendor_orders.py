"""Vendor orders: vendors accept, refuse and ship theirs; operators see every vendor's."""
from __future__ import annotations

import secrets

from flask import redirect, render_template, request, url_for
from flask_babel import gettext

from console import web
from console.api import ApiError
from console.display_names import vendor_names
from console.views.actions import action_failed

STATUSES = ("awaiting_acceptance", "accepted", "partially_shipped", "shipped", "delivered", "completed",
            "refused", "cancelled", "pending")
ROLES = ("vendor", "operator")


def register(bp) -> None:
    bp.route("/orders")(web.signed_in(*ROLES)(order_list))
    bp.route("/orders/<vendor_order_id>")(web.signed_in(*ROLES)(order_detail))
    bp.route("/orders/<vendor_order_id>/accept", methods=["POST"])(web.signed_in("vendor")(accept))
    bp.route("/orders/<vendor_order_id>/refuse", methods=["POST"])(web.signed_in("vendor")(refuse))
    bp.route("/orders/<vendor_order_id>/ship", methods=["POST"])(web.signed_in("vendor")(ship))


def order_list():
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    page = web.listed("/api/v1/vendor-orders", status=status)
    vendors = vendor_names(order.get("vendor_id") for order in page.items) \
        if web.current_session().user.is_operator else {}
    return render_template("vendor_orders.html", page=page, status=status, statuses=STATUSES, vendors=vendors)


def order_detail(vendor_order_id: str):
    order = web.api().get(f"/api/v1/vendor-orders/{vendor_order_id}")
    return render_template("vendor_order.html", order=order, notice=request.args.get("notice"), typed={},
                           parcel_key=secrets.token_urlsafe(16), refund_key=secrets.token_urlsafe(16))


def accept(vendor_order_id: str):
    return _act(vendor_order_id, "accept", None)


def refuse(vendor_order_id: str):
    return _act(vendor_order_id, "refuse", {"reason": request.form.get("reason", "")})


def ship(vendor_order_id: str):
    """One parcel: carrier, tracking and how many units of each line go in it (blank or 0: none).

    A partial shipment is just a parcel with fewer units than remain; the API keeps count."""
    lines, unreadable = _parcel_lines(request.form)
    if unreadable or not lines:
        message = (gettext("Quantities are whole numbers of units.") if unreadable
                   else gettext("Put at least one unit in the parcel."))
        order = web.api().get(f"/api/v1/vendor-orders/{vendor_order_id}")
        return render_template("vendor_order.html", order=order, ship_error=message, typed=request.form,
                               parcel_key=request.form.get("parcel_key") or secrets.token_urlsafe(16)), 422
    body = {"carrier": request.form.get("carrier", "").strip(),
            "tracking_number": request.form.get("tracking_number", "").strip(), "lines": lines}
    if request.form.get("tracking_url", "").strip():
        body["tracking_url"] = request.form["tracking_url"].strip()
    # One key per rendered form: a double click or a resent form records the parcel once (the API replays).
    key = request.form.get("parcel_key", "").strip()
    return _act(vendor_order_id, "shipments", body, notice="ship", headers={"Idempotency-Key": key} if key else None)


def _parcel_lines(form) -> tuple[list[dict], bool]:
    """The lines with units in the parcel, and whether any quantity was not a whole number."""
    lines, unreadable = [], False
    for name, value in form.items():
        if not name.startswith("quantity-") or not value.strip():
            continue
        if not value.strip().isdecimal():
            unreadable = True
        elif int(value) > 0:
            lines.append({"line_id": name.removeprefix("quantity-"), "quantity": int(value)})
    return lines, unreadable


def _act(vendor_order_id: str, action: str, body: dict | None, notice: str | None = None,
         headers: dict[str, str] | None = None):
    try:
        web.api().post(f"/api/v1/vendor-orders/{vendor_order_id}/{action}", body, headers=headers)
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.order_detail", vendor_order_id=vendor_order_id, notice=notice or action))

