"""Vendor orders: vendors accept, refuse and ship theirs; operators see every vendor's."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from console import web
from console.api import ApiError
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
    return render_template("vendor_orders.html", page=page, status=status, statuses=STATUSES)


def order_detail(vendor_order_id: str):
    order = web.api().get(f"/api/v1/vendor-orders/{vendor_order_id}")
    return render_template("vendor_order.html", order=order, notice=request.args.get("notice"))


def accept(vendor_order_id: str):
    return _act(vendor_order_id, "accept", None)


def refuse(vendor_order_id: str):
    return _act(vendor_order_id, "refuse", {"reason": request.form.get("reason", "")})


def ship(vendor_order_id: str):
    """One parcel: carrier, tracking and how many units of each line go in it (blank or 0: none)."""
    lines = [{"line_id": name.removeprefix("quantity-"), "quantity": int(value)}
             for name, value in request.form.items() if name.startswith("quantity-") and value.strip().isdigit()
             and int(value) > 0]
    body = {"carrier": request.form.get("carrier", ""), "tracking_number": request.form.get("tracking_number", ""),
            "lines": lines}
    if request.form.get("tracking_url"):
        body["tracking_url"] = request.form["tracking_url"]
    return _act(vendor_order_id, "shipments", body, notice="ship")


def _act(vendor_order_id: str, action: str, body: dict | None, notice: str | None = None):
    try:
        web.api().post(f"/api/v1/vendor-orders/{vendor_order_id}/{action}", body)
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.order_detail", vendor_order_id=vendor_order_id, notice=notice or action))

