"""Sign in (authorization code + PKCE at identity), the callback, sign out, the language switch."""
from __future__ import annotations

import hmac
from dataclasses import replace

import requests
from flask import current_app, redirect, render_template, request, url_for

from console import web
from console.oauth_client import IdentityUnavailable, SignInFailed
from console.sessions import SignedInUser

LOCALES = ("en", "fr")


def register(bp) -> None:
    bp.route("/")(home)
    bp.route("/login")(login)
    bp.route("/callback")(callback)
    bp.route("/logout", methods=["POST"])(logout)
    bp.route("/signed-out")(signed_out)
    bp.route("/locale", methods=["POST"])(switch_locale)


def home():
    session = web.current_session()
    if session is None or not session.signed_in:
        return render_template("welcome.html")
    if session.user.is_operator:
        return redirect(url_for("console.operator_dashboard"))
    if session.user.is_vendor:
        return redirect(url_for("console.vendor_dashboard"))
    return render_template("no_access.html"), 403


def login():
    """Start an authorization request; its state and PKCE verifier stay in the server-side session."""
    public_url = web.settings().public_url or request.host_url
    authorization = current_app.extensions["console.identity"].authorization_request(public_url)
    session = web.session_or_new()
    web.store().save(replace(session, login={"state": authorization.state, "verifier": authorization.code_verifier,
                                            "redirect_uri": authorization.redirect_uri,
                                            "next": web.safe_next(request.args.get("next"))}))
    return redirect(authorization.url)


def callback():
    session = web.current_session()
    pending = session.login if session is not None else None
    state = request.args.get("state", "")
    if not pending or not hmac.compare_digest(state.encode(), pending["state"].encode()):
        return render_template("sign_in_failed.html", reason="state"), 400
    if "code" not in request.args:  # identity sent an error (access_denied, ...)
        return render_template("sign_in_failed.html", reason=request.args.get("error", "error")), 400
    identity = current_app.extensions["console.identity"]
    try:
        tokens = identity.exchange_code(request.args["code"], pending["verifier"], pending["redirect_uri"])
    except SignInFailed:
        return render_template("sign_in_failed.html", reason="code"), 400
    user = _userinfo(tokens.access_token)
    web.store().delete_expired()  # sign-ins are rare enough to keep the table tidy without a timer
    web.use_session(web.store().sign_in(session, user, tokens))
    return redirect(web.safe_next(pending.get("next")))


def _userinfo(access_token: str) -> SignedInUser:
    response = current_app.extensions["console.gateway"].get(
        "/oauth/userinfo", headers={"Authorization": f"Bearer {access_token}"})
    response.raise_for_status()
    body = response.json()
    return SignedInUser(body["sub"], body.get("email") or "", tuple(body.get("roles") or ()), body.get("vendor_id"),
                        body.get("vendor_role"))


def logout():
    """Revoke the refresh token (its whole family) at identity, then forget the session."""
    session = web.current_session()
    if session is not None and session.tokens is not None and session.tokens.refresh_token:
        try:
            current_app.extensions["console.identity"].revoke(session.tokens.refresh_token)
        except (requests.RequestException, IdentityUnavailable):  # the session ends anyway
            current_app.logger.warning("refresh token revocation failed", exc_info=True)
    web.end_session()
    return redirect(url_for("console.signed_out"))


def signed_out():
    return render_template("signed_out.html")


def switch_locale():
    locale = request.form.get("locale")
    if locale in LOCALES:
        web.save_locale(locale)
    return redirect(web.safe_next(request.form.get("next")))
