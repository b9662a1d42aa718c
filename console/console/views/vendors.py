"""Vendor applications: operators list vendors by status and approve, reject, suspend or reinstate."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from console import web
from console.api import ApiError
from console.views.actions import action_failed

STATUSES = ("pending", "approved", "rejected", "suspended")
DECISIONS = ("approve", "reject", "suspend", "reinstate")


def register(bp) -> None:
    bp.route("/vendors")(web.signed_in("operator")(vendor_list))
    bp.route("/vendors/<vendor_id>/<decision>", methods=["POST"])(web.signed_in_to_change("operator")(decide))


def vendor_list():
    status = request.args.get("status", "pending")
    status = status if status in STATUSES else "pending"
    vendors = web.api().get("/api/v1/vendors", status=status)
    return render_template("vendors.html", vendors=vendors, status=status, statuses=STATUSES,
                           notice=request.args.get("notice"))


def decide(vendor_id: str, decision: str):
    if decision not in DECISIONS:
        return render_template("error.html", status=404), 404
    try:
        vendor = web.api().post(f"/api/v1/vendors/{vendor_id}/{decision}", {"reason": request.form.get("reason", "")})
    except ApiError as error:
        return action_failed(error)
    if request.headers.get("HX-Request"):
        return render_template("partials/vendor_row.html", vendor=vendor, notice=decision)
    return redirect(url_for("console.vendor_list", status=request.form.get("status", "pending"), notice=decision))
