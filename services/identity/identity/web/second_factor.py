"""The login steps after a right password: a TOTP (or recovery) code, or enrolling 2FA first."""
from __future__ import annotations

import time

from flask import redirect, render_template, request, session

from chassis.app import runtime
from chassis.blueprint import Blueprint
from identity.accounts import errors, login as login_use_case, two_factor
from identity.web.csrf import check_csrf, csrf_token
from identity.web.login import complete_login, locked_page

blueprint = Blueprint("identity_second_factor", __name__, description="Second login step (HTML).")
PENDING_SECONDS = 600  # a password checked longer ago than this must be typed again


@blueprint.route("/login/2fa", methods=["GET", "POST"])
@blueprint.doc(hide=True)
def code_step():
    pending = _pending(login_use_case.SECOND_FACTOR)
    if pending is None:
        return redirect("/login")
    if request.method == "GET":
        return _code_form()
    check_csrf()
    result = login_use_case.check_second_factor(runtime().uow(), pending["user_id"], request.form.get("code", ""),
                                                request.remote_addr or "")
    if result.outcome == login_use_case.LOCKED:
        session.pop("pending_login", None)
        return locked_page(result.retry_after, pending["next"])
    if result.outcome == login_use_case.FAILED:
        return _code_form(error="That code is not valid (each code works only once)."), 401
    return complete_login(result.user_id, pending["next"])


@blueprint.route("/login/2fa/enrol", methods=["GET", "POST"])
@blueprint.doc(hide=True)
def enrol_step():
    """Users whose role requires 2FA set it up here before their first login completes."""
    pending = _pending(login_use_case.ENROL)
    if pending is None:
        return redirect("/login")
    uow = runtime().uow
    if request.method == "GET":
        return _enrol_form(two_factor.start_enrolment(uow(), pending["user_id"], reuse_pending=True))
    check_csrf()
    try:
        codes = two_factor.confirm_enrolment(uow(), pending["user_id"], request.form.get("code", ""))
    except (errors.CodeRejected, errors.TwoFactorState) as refused:
        enrolment = two_factor.start_enrolment(uow(), pending["user_id"], reuse_pending=True)
        return _enrol_form(enrolment, error=str(refused)), 422
    login_use_case.complete_enrolled_login(uow(), pending["user_id"], request.remote_addr or "")
    complete_login(pending["user_id"], pending["next"])
    return render_template("recovery_codes.html", codes=codes, next=pending["next"])


def _pending(step: str) -> dict | None:
    pending = session.get("pending_login")
    if not pending or pending.get("step") != step or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return pending


def _code_form(error: str | None = None):
    return render_template("login_code.html", csrf_token=csrf_token(), error=error)


def _enrol_form(enrolment, error: str | None = None):
    return render_template("login_enrol.html", csrf_token=csrf_token(), enrolment=enrolment, error=error)
