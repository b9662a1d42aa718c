"""Login and logout pages (server-rendered, no external assets)."""
from __future__ import annotations

import time

from flask import redirect, render_template, request, session

from chassis.app import runtime
from chassis.blueprint import Blueprint
from identity import domain
from identity.accounts import login as login_use_case
from identity.web.csrf import check_csrf, csrf_token
from identity.web.setup import configure

blueprint = Blueprint("identity_login", __name__, description="Login pages for people (HTML).")
blueprint.record_once(configure)
GENERIC_ERROR = "Wrong email or password."
STEP_PAGES = {login_use_case.SECOND_FACTOR: "/login/2fa", login_use_case.ENROL: "/login/2fa/enrol"}


@blueprint.route("/login", methods=["GET", "POST"])
@blueprint.doc(hide=True)
def login():
    next_url = request.values.get("next") if domain.is_safe_next(request.values.get("next")) else "/"
    if request.method == "GET":
        return _form(next_url)
    check_csrf()
    email = request.form.get("email", "")
    result = login_use_case.check_password(runtime().uow(), email, request.form.get("password", ""),
                                           request.remote_addr or "")
    if result.outcome == login_use_case.LOCKED:
        return locked_page(result.retry_after, next_url, email)
    if result.outcome == login_use_case.FAILED:
        return _form(next_url, error=GENERIC_ERROR, email=email), 401
    if result.outcome in STEP_PAGES:  # right password, one more step before the login completes
        session.clear()
        session["pending_login"] = {"user_id": result.user_id, "step": result.outcome, "next": next_url,
                                    "at": int(time.time())}
        return redirect(STEP_PAGES[result.outcome])
    return complete_login(result.user_id, next_url)


def complete_login(user_id: str, next_url: str):
    session.clear()  # a new session on login: no fixation
    session["user_id"] = user_id
    session.permanent = True
    return redirect(next_url)


def locked_page(retry_after: int, next_url: str, email: str = ""):
    minutes = max(1, -(-retry_after // 60))
    error = f"Too many failed attempts. Try again in {minutes} minute{'s' if minutes > 1 else ''}."
    return _form(next_url, error=error, email=email), 429, {"Retry-After": str(retry_after)}


@blueprint.route("/logout", methods=["GET", "POST"])
@blueprint.doc(hide=True)
def logout():
    if request.method == "GET":
        return render_template("logout.html", csrf_token=csrf_token())
    check_csrf()
    session.clear()
    return render_template("logged_out.html")


def _form(next_url: str, error: str | None = None, email: str = ""):
    return render_template("login.html", csrf_token=csrf_token(), next=next_url, error=error, email=email)
