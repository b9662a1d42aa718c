"""Returns (RMA): vendors approve with a return address and RMA number, refuse, and receive
(restocking line by line); operators see every vendor's and arbitrate: an admin overrules a refusal."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from console import web
from console.api import ApiError
from console.views.actions import action_failed
from console.views.vendor_orders import ROLES

STATUSES = ("requested", "approved", "shipped_back", "received", "refused")
ADDRESS_FIELDS = ("name", "line1", "line2", "postal_code", "city", "country", "phone")


def register(bp) -> None:
    bp.route("/returns")(web.signed_in(*ROLES)(return_list))
    bp.route("/returns/<return_id>")(web.signed_in(*ROLES)(return_detail))
    # Operators too: an admin operator overrules a vendor's refusal by approving (the API decides who may).
    bp.route("/returns/<return_id>/approve", methods=["POST"])(web.signed_in_to_change(*ROLES)(approve_return))
    bp.route("/returns/<return_id>/refuse", methods=["POST"])(web.signed_in("vendor")(refuse_return))
    bp.route("/returns/<return_id>/receive", methods=["POST"])(web.signed_in("vendor")(receive_return))


def return_list():
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    page = web.listed("/api/v1/returns", status=status)
    return render_template("returns.html", page=page, status=status, statuses=STATUSES)


def return_detail(return_id: str):
    found = web.api().get(f"/api/v1/returns/{return_id}")
    return render_template("return.html", rma=found, notice=request.args.get("notice"))


def approve_return(return_id: str):
    address = {name: request.form.get(name, "").strip() for name in ADDRESS_FIELDS}
    address["line2"] = address["line2"] or None
    return _act(return_id, "approve", {"return_address": address, "rma_number": request.form.get("rma_number", "")})


def refuse_return(return_id: str):
    return _act(return_id, "refuse", {"reason": request.form.get("reason", "")})


def receive_return(return_id: str):
    """Every line of the return once; a ticked box puts its units back on sale."""
    lines = [{"line_id": line_id, "restock": f"restock-{line_id}" in request.form}
             for line_id in request.form.getlist("line_id")]
    return _act(return_id, "receive", {"lines": lines}, notice="receive")


def _act(return_id: str, action: str, body: dict, notice: str | None = None):
    try:
        web.api().post(f"/api/v1/returns/{return_id}/{action}", body)
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.return_detail", return_id=return_id, notice=notice or f"return-{action}"))
