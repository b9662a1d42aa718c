"""/oauth/authorize: validate, enforce PKCE S256, log the user in, ask consent, issue a code."""
from __future__ import annotations

from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from flask import redirect, render_template, request, session as cookie_session

from chassis.blueprint import Blueprint
from chassis.errors import Problem
from identity import domain
from identity.oauth import store
from identity.oauth.context import in_unit_of_work, server, session
from identity.web.csrf import check_csrf, csrf_token

blueprint = Blueprint("identity_authorize", __name__, description="OAuth2 authorization endpoint (browser).")


@blueprint.route("/oauth/authorize", methods=["GET", "POST"])
@blueprint.doc(hide=True)
def authorize():
    return in_unit_of_work(_authorize)


def _authorize():
    try:
        grant = server().get_consent_grant(end_user=None)
    except OAuth2Error as error:
        return _refuse(error)
    refusal = domain.pkce_problem(request.args)  # authlib alone lets a missing challenge through
    if refusal:
        return _refuse(InvalidRequestError(refusal, redirect_uri=grant.redirect_uri,
                                           state=request.args.get("state")))
    user = store.active_user(session(), cookie_session.get("user_id"))
    if user is None:
        return redirect("/login?" + urlencode({"next": request.full_path}))
    if request.method == "POST":
        check_csrf()
        if request.form.get("decision") != "allow":
            user = None  # authlib answers access_denied to the client
    elif not grant.client.first_party:
        return render_template("consent.html", client=grant.client, scopes=grant.request.payload.scope,
                               csrf_token=csrf_token(), action=request.full_path)
    return server().create_authorization_response(grant=grant, grant_user=user)


def _refuse(error: OAuth2Error):
    """Redirect the error to a verified redirect URI, else show it here (never to an unknown URI)."""
    if error.redirect_uri:
        return server().handle_error_response(None, error)
    raise Problem(400, "invalid-authorization-request", error.description or error.error, error=error.error)
