"""Payments and refunds, for operators: lists with the API's filters, and a payment with its refunds.

Refunds are never issued from here: payments refunds only what orders asks for (a return received,
a cancellation after capture), so there is no refund action in its API to offer.
"""
from __future__ import annotations

from flask import render_template

from console import web
from console.display_names import customer_emails, vendor_names
from console.views.query_filters import typed_filters

PAYMENT_STATUSES = ("pending", "authorized", "failed", "settled")
REFUND_STATUSES = ("refunded", "failed")
PAYMENT_FILTERS = ("status", "order_id", "customer_id", "vendor_id", "created_from", "created_to")
REFUND_FILTERS = ("status", "order_id", "vendor_id", "customer_id", "created_from", "created_to")


def register(bp) -> None:
    bp.route("/payments")(web.signed_in("operator")(payment_list))
    bp.route("/payments/<payment_id>")(web.signed_in("operator")(payment_detail))
    bp.route("/refunds")(web.signed_in("operator")(refund_list))


def payment_list():
    filters = typed_filters(PAYMENT_FILTERS, {"status": PAYMENT_STATUSES})
    if not filters.ok:
        return render_template("payments.html", page=None, filters=filters, statuses=PAYMENT_STATUSES), 422
    page = web.listed("/api/v1/payments", **filters.query())
    return render_template("payments.html", page=page, filters=filters, statuses=PAYMENT_STATUSES,
                           customers=customer_emails(payment.get("customer_id") for payment in page.items))


def payment_detail(payment_id: str):
    payment = web.api().get(f"/api/v1/payments/{payment_id}")
    # Refunds are filtered by order; an order has one live payment, but keep only this one's.
    refunds = web.api().get_page("/api/v1/refunds", page_size=100, order_id=payment["order_id"]).items
    return render_template("payment.html", payment=payment,
                           refunds=[refund for refund in refunds if refund.get("payment_id") == payment_id],
                           vendors=vendor_names(charge.get("vendor_id") for charge in payment.get("charges") or []),
                           customers=customer_emails([payment.get("customer_id")]))


def refund_list():
    filters = typed_filters(REFUND_FILTERS, {"status": REFUND_STATUSES})
    if not filters.ok:
        return render_template("refunds.html", page=None, filters=filters, statuses=REFUND_STATUSES), 422
    page = web.listed("/api/v1/refunds", **filters.query())
    return render_template("refunds.html", page=page, filters=filters, statuses=REFUND_STATUSES)
