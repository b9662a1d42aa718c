"""Goodwill refunds of a vendor order, issued from its page by its vendor's owners and managers or an admin operator.

A plain staff member (and a session stored before the console kept the staff role) gets the 403 page
before any API call; orders refuses them too (``insufficient-role``).

The amount is typed in major units as the reader's locale writes them ("12,50" in French); orders
refuses more than is still refundable, or a vendor order whose payment was not captured. The
``Idempotency-Key`` is the rendered form's key and what it asks: a double click or a resent form
refunds once (the API replays), while the same form sent back with another amount after a refusal is
a new request rather than a reused key.
"""
from __future__ import annotations

import hashlib
import secrets

from flask import abort, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext

from console import web
from console.api import ApiError
from console.formatting import money
from console.views.actions import action_failed
from console.views.offers import InvalidAmount, minor_units
from console.views.vendor_orders import ROLES


def register(bp) -> None:
    bp.route("/orders/<vendor_order_id>/refund", methods=["POST"])(
        web.signed_in_to_change(*ROLES)(refund_vendor_order))


def refund_vendor_order(vendor_order_id: str):
    if not web.current_session().user.may_issue_refunds:
        abort(403)
    currency = request.form.get("currency") or "EUR"
    amount_minor, reason = _amount(currency), request.form.get("reason", "").strip()
    if not amount_minor or not reason:
        message = (gettext("Give the reason for the refund.") if amount_minor
                   else gettext("The amount to refund is an amount above zero, such as 12.50."))
        return _form_again(vendor_order_id, message)
    body = {"amount_minor": amount_minor, "reason": reason}
    try:
        web.api().post(f"/api/v1/vendor-orders/{vendor_order_id}/refunds", body,
                       headers={"Idempotency-Key": _key(request.form.get("refund_key", "").strip(), body)})
    except ApiError as error:
        return action_failed(_in_money(error, currency))
    return redirect(url_for("console.order_detail", vendor_order_id=vendor_order_id, notice="refund"))


def _key(form_key: str, body: dict) -> str:
    asked = hashlib.sha256(f"{body['amount_minor']}|{body['reason']}".encode()).hexdigest()[:16]
    return f"{form_key or secrets.token_urlsafe(16)}-{asked}"


def _amount(currency: str) -> int | None:
    try:
        return minor_units(request.form.get("amount", "").strip(), currency, str(get_locale() or "en"))
    except InvalidAmount:
        return None


def _form_again(vendor_order_id: str, message: str):
    """The page again with the message and what was typed, under the same key (nothing was sent)."""
    order = web.api().get(f"/api/v1/vendor-orders/{vendor_order_id}")
    return render_template("vendor_order.html", order=order, refund_error=message, typed=request.form,
                           parcel_key=secrets.token_urlsafe(16),
                           refund_key=request.form.get("refund_key") or secrets.token_urlsafe(16)), 422


def _in_money(error: ApiError, currency: str) -> ApiError:
    """Orders counts in minor units; the reader typed money: say what is left the way the page shows it."""
    if not str(error.problem.get("type", "")).endswith(":exceeds-refundable"):
        return error
    left = money(error.problem.get("refundable_minor"), error.problem.get("currency") or currency)
    return ApiError(error.status, {**error.problem, "detail": gettext(
        "At most %(amount)s may still be refunded on this vendor order.", amount=left)})
