"""The signed-in user's own account: password and two-factor authentication (TOTP)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from console import web
from console.api import ApiError
from console.qr_codes import qr_svg
from console.views.actions import action_failed
from console.views.shown_once import shown_once


def register(bp) -> None:
    bp.route("/account")(web.signed_in()(account))
    bp.route("/account/password", methods=["POST"])(web.signed_in()(change_password))
    bp.route("/account/2fa", methods=["POST"])(web.signed_in()(start_two_factor))
    bp.route("/account/2fa/confirm", methods=["POST"])(web.signed_in()(confirm_two_factor))
    bp.route("/account/2fa/disable", methods=["POST"])(web.signed_in()(disable_two_factor))


def account(problem: str | None = None, status: int = 200):
    me = web.api().get("/api/v1/me")
    return render_template("account.html", me=me, problem=problem, notice=request.args.get("notice")), status


def change_password():
    current, new = request.form.get("current_password", ""), request.form.get("new_password", "")
    # Length and common passwords are identity's rules (runtime settings): its refusal is shown as is.
    if new != request.form.get("new_password_again", ""):
        return account(_("The two new passwords differ."), 422)
    try:
        web.api().post("/api/v1/me/password", {"current_password": current, "new_password": new})
    except ApiError as error:
        return account(error.message, 422) if error.status == 422 else action_failed(error)
    return redirect(url_for("console.account", notice="password"))


def start_two_factor():
    try:
        enrolment = web.api().post("/api/v1/me/2fa")
    except ApiError as error:
        return action_failed(error)
    return _enrolment_page(enrolment["provisioning_uri"])


def confirm_two_factor():
    uri = request.form.get("provisioning_uri", "")
    try:
        answer = web.api().post("/api/v1/me/2fa/confirm", {"code": request.form.get("code", "").strip()})
    except ApiError as error:
        if error.status == 422 and _secret_of(uri):
            # A mistyped code: the same enrolment stays pending, so the same QR code still works.
            return _enrolment_page(uri, problem=error.message, status=422)
        return action_failed(error)
    return shown_once("recovery_codes.html", codes=answer["recovery_codes"])


def disable_two_factor():
    try:
        web.api().delete("/api/v1/me/2fa", {"code": request.form.get("code", "").strip()})
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.account", notice="2fa-off"))


def _enrolment_page(uri: str, problem: str | None = None, status: int = 200):
    return shown_once("two_factor_enrol.html", status, qr=qr_svg(uri, _("QR code to scan with your authenticator app")),
                      secret=_secret_of(uri), provisioning_uri=uri, problem=problem)


def _secret_of(uri: str) -> str | None:
    """The base32 secret of an otpauth://totp/ URI (for typing it in by hand); None for anything else."""
    parts = urlsplit(uri)
    if parts.scheme != "otpauth" or parts.netloc != "totp":
        return None
    return (parse_qs(parts.query).get("secret") or [None])[0]
