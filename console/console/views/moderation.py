"""The moderation queue: submitted products and pending edits, approved or rejected by operators."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from console import web
from console.api import ApiError
from console.display_names import vendor_names
from console.views.actions import action_failed

REVIEWED_FIELDS = ("title", "brand", "gtin", "category_id", "attributes", "description")


def register(bp) -> None:
    bp.route("/moderation")(web.signed_in("operator")(moderation_queue))
    change = web.signed_in_to_change("operator")
    bp.route("/moderation/<product_id>/approve", methods=["POST"])(change(approve))
    bp.route("/moderation/<product_id>/reject", methods=["POST"])(change(reject))


def moderation_queue():
    products = web.api().get("/api/v1/products/moderation")
    return render_template("moderation.html", products=products, notice=request.args.get("notice"),
                           submitted_fields=submitted_fields,
                           vendors=vendor_names(product.get("vendor_id") for product in products))


def submitted_fields(product: dict) -> list[dict]:
    """A first submission as a diff against nothing: each filled-in field, live side empty."""
    return [{"field": name, "live": None, "proposed": product.get(name)} for name in REVIEWED_FIELDS
            if product.get(name) not in (None, "", {})]


def approve(product_id: str):
    return _decide(product_id, "approve", None)


def reject(product_id: str):
    return _decide(product_id, "reject", {"reason": request.form.get("reason", "")})


def _decide(product_id: str, decision: str, body: dict | None):
    try:
        product = web.api().post(f"/api/v1/products/{product_id}/{decision}", body)
    except ApiError as error:
        return action_failed(error)
    if request.headers.get("HX-Request"):
        return render_template("partials/moderation_done.html", product=product, decision=decision)
    return redirect(url_for("console.moderation_queue", notice=decision))
