"""Customer orders for operators: the filtered list, an order with its vendor orders, payment and timeline,
and force-cancel with a reason (a confirmation page first: it cancels every open vendor order at once)."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext

from console import web
from console.api import ApiError
from console.display_names import customer_emails, vendor_names
from console.order_filters import STATUSES, read_filters
from console.views.actions import action_failed

PAYMENTS_SHOWN = 5  # an order has one live payment; failed attempts before it are few


def register(bp) -> None:
    bp.route("/customer-orders")(web.signed_in("operator")(customer_order_list))
    bp.route("/customer-orders/<order_id>")(web.signed_in("operator")(customer_order_detail))
    bp.route("/customer-orders/<order_id>/force-cancel", methods=["GET", "POST"])(  # GET: its confirmation form
        web.signed_in_to_change("operator")(force_cancel_order))


def customer_order_list():
    filters = read_filters(request.args)
    page = None if filters.errors else web.listed("/api/v1/orders", **filters.query)
    customers = customer_emails(order.get("customer_id") for order in page.items) if page else {}
    return render_template("orders.html", page=page, filters=filters, statuses=STATUSES, customers=customers), \
        422 if filters.errors else 200


def customer_order_detail(order_id: str):
    order = web.api().get(f"/api/v1/orders/{order_id}")
    return render_template("order.html", order=order, payments=_payments(order_id),
                           timeline=_in_time_order(order.get("timeline") or []), notice=request.args.get("notice"),
                           vendors=vendor_names(part.get("vendor_id") for part in order.get("vendor_orders") or []),
                           customers=customer_emails([order.get("customer_id")]))


def force_cancel_order(order_id: str):
    """GET: the confirmation page. POST: with a reason, ask the orders API; without one, ask again."""
    order = web.api().get(f"/api/v1/orders/{order_id}")  # 404 page for an unknown id, before anything else
    if request.method == "GET":
        return render_template("order_force_cancel.html", order=order, reason="", error=None)
    reason = request.form.get("reason", "").strip()
    if not reason:
        return render_template("order_force_cancel.html", order=order, reason="",
                               error=gettext("Give the reason: the customer and the vendors will see it.")), 422
    try:
        web.api().post(f"/api/v1/orders/{order_id}/force-cancel", {"reason": reason})
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.customer_order_detail", order_id=order_id, notice="force-cancel"))


def _payments(order_id: str) -> list | None:
    """The order's payments, newest first; None when payments cannot say (the page still shows the order)."""
    try:
        return web.api().get_page("/api/v1/payments", page_size=PAYMENTS_SHOWN, order_id=order_id).items
    except ApiError:
        return None


def _in_time_order(entries: list[dict]) -> list[dict]:
    # The API already sorts by time; sorting again (stable) keeps the page right whatever the source.
    return sorted(entries, key=lambda entry: entry.get("at") or "")
