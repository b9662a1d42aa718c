"""Payouts: operators preview and run them and read the runs; vendors read their own payouts.

A run is started with an Idempotency-Key drawn when the form was shown, so a double click or a
resent form replays the first run's answer instead of paying twice.
"""
from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for

from console import web
from console.api import ApiError
from console.views.actions import action_failed
from console.views.query_filters import typed_filters
from console.views.vendor_orders import ROLES

STATUSES = ("in_transit", "paid", "failed")
RUNS = "/api/v1/payouts/runs"
PREVIEW = "/api/v1/payouts/preview"


def register(bp) -> None:
    bp.route("/payouts")(web.signed_in(*ROLES)(payout_list))
    bp.route("/payouts/preview")(web.signed_in("operator")(payout_preview))
    bp.route("/payouts/runs")(web.signed_in("operator")(run_list))
    bp.route("/payouts/runs", methods=["POST"])(web.signed_in_to_change("operator")(start_run))
    bp.route("/payouts/runs/<run_id>")(web.signed_in("operator")(run_detail))


def payout_list():
    """Vendors: their own (the API scopes by their token); operators: every vendor's, filtered."""
    names = ("status", "run_id", "created_from", "created_to")
    if web.current_session().user.is_operator:
        names += ("vendor_id",)
    filters = typed_filters(names, {"status": STATUSES})
    page = web.listed("/api/v1/payouts", **filters.query()) if filters.ok else None
    return render_template("payouts.html", page=page, filters=filters, statuses=STATUSES), 200 if filters.ok else 422


def payout_preview():
    """What a run started now would pay, as the payments service works it out (its preview runs the run's own
    selection, so this page never second-guesses the rule). The minimum is shown for reading only."""
    filters = typed_filters(("vendor_id", "currency"))
    if not filters.ok:
        return render_template("payout_preview.html", page=None, minimum=None, filters=filters), 422
    minimum = web.api().get("/api/v1/payments/settings").get("payout_minimum_minor", 0)
    page = web.listed(PREVIEW, **filters.query())
    return render_template("payout_preview.html", page=page, minimum=minimum, filters=filters,
                           run_key=uuid.uuid4().hex)


def run_list():
    page = web.listed(RUNS)
    return render_template("payout_runs.html", page=page, run_key=uuid.uuid4().hex)


def start_run():
    key = request.form.get("idempotency_key", "").strip() or uuid.uuid4().hex
    try:
        run = web.api().post(RUNS, None, headers={"Idempotency-Key": key})
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.run_detail", run_id=run["id"], notice="payout-run"))


def run_detail(run_id: str):
    run = web.api().get(f"{RUNS}/{run_id}")
    return render_template("payout_run.html", run=run, notice=request.args.get("notice"))
