"""Every OAuth2 client, for operators: list, register and rotate (the secret shown once), revoke."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from console import web
from console.api import ApiError, audit_reason_header
from console.display_names import vendor_names
from console.views.actions import action_failed
from console.views.shown_once import shown_once

GRANT_TYPES = ("client_credentials", "authorization_code")


def register(bp) -> None:
    guard, change = web.signed_in("operator"), web.signed_in_to_change("operator")
    bp.route("/clients")(guard(oauth_client_list))
    bp.route("/clients", methods=["POST"])(change(create_oauth_client))
    bp.route("/clients/<client_id>/revoke", methods=["POST"])(change(revoke_oauth_client))
    bp.route("/clients/<client_id>/rotate", methods=["POST"])(change(rotate_oauth_client))


def oauth_client_list(form: dict | None = None, problem: str | None = None, status: int = 200):
    page = web.listed("/api/v1/clients")
    return render_template("oauth_clients.html", page=page, form=form or {}, grant_types=GRANT_TYPES,
                           vendor_names=vendor_names(client.get("vendor_id") for client in page.items),
                           problem=problem, notice=request.args.get("notice")), status


def create_oauth_client():
    form = request.form.to_dict()
    request_body = _client_request(form)
    if not request_body["name"]:
        return oauth_client_list(form, _("Give the client a name."), 422)
    if request_body["grant_type"] == "authorization_code" and not request_body["redirect_uris"]:
        return oauth_client_list(form, _("An authorization code client needs at least one redirect URI."), 422)
    try:
        created = web.api().post("/api/v1/clients", request_body)
    except ApiError as error:
        if error.status in (400, 409, 422):
            return oauth_client_list(form, error.message, error.status)
        return action_failed(error)
    return shown_once("client_secret.html", client=created, name=request_body["name"],
                      back=url_for("console.oauth_client_list"))


def revoke_oauth_client(client_id: str):
    try:
        web.api().delete(f"/api/v1/clients/{client_id}")
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.oauth_client_list", notice="revoked"))


def rotate_oauth_client(client_id: str):
    try:
        rotated = web.api().post(f"/api/v1/clients/{client_id}/rotate",
                                 headers=audit_reason_header(request.form.get("reason", "")))
    except ApiError as error:
        return action_failed(error)
    return shown_once("client_secret.html", client=rotated, name=request.form.get("name", ""), rotated=True,
                      back=url_for("console.oauth_client_list"))


def _client_request(form: dict) -> dict:
    """The API's request from the form: lists are typed one item a line (URIs) or separated by spaces."""
    grant_type = form.get("grant_type") if form.get("grant_type") in GRANT_TYPES else GRANT_TYPES[0]
    return {"name": form.get("name", "").strip(), "grant_type": grant_type,
            "redirect_uris": form.get("redirect_uris", "").split(),
            "roles": form.get("roles", "").replace(",", " ").split(),
            "scopes": form.get("scopes", "").replace(",", " ").split(),
            "public": form.get("public") == "on", "first_party": form.get("first_party") == "on"}
