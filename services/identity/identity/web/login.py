"""Login and logout pages (server-rendered, no external assets)."""
from __future__ import annotations

from flask import redirect, render_template, request, session
from flask_smorest import Blueprint

from chassis.app import runtime
from identity import domain, handlers
from identity.web.csrf import check_csrf, csrf_token
from identity.web.setup import configure

blueprint = Blueprint("identity_login", __name__, description="Login pages for people (HTML).")
blueprint.record_once(configure)
GENERIC_ERROR = "Wrong email or password."


@blueprint.route("/login", methods=["GET", "POST"])
@blueprint.doc(hide=True)
def login():
    next_url = request.values.get("next") if domain.is_safe_next(request.values.get("next")) else "/"
    if request.method == "GET":
        return _form(next_url)
    check_csrf()
    user_id = handlers.log_in(runtime().uow(), request.form.get("email", ""), request.form.get("password", ""))
    if user_id is None:
        return _form(next_url, error=GENERIC_ERROR, email=request.form.get("email", "")), 401
    session.clear()  # a new session on login: no fixation
    session["user_id"] = user_id
    session.permanent = True
    return redirect(next_url)


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
