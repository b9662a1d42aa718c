"""A vendor's own API clients (client_credentials): create, rotate (the secret shown once), revoke.

The vendor is always the signed-in user's own, from the session: never an id from the URL or the form.
"""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from console import web
from console.api import ApiError
from console.views.actions import action_failed
from console.views.shown_once import shown_once


def register(bp) -> None:
    guard = web.signed_in("vendor")
    bp.route("/api-clients")(guard(api_client_list))
    bp.route("/api-clients", methods=["POST"])(guard(create_api_client))
    bp.route("/api-clients/<client_id>/rotate", methods=["POST"])(guard(rotate_api_client))
    bp.route("/api-clients/<client_id>/revoke", methods=["POST"])(guard(revoke_api_client))


def _clients_path() -> str:
    return f"/api/v1/vendors/{web.current_session().user.vendor_id}/clients"


def api_client_list(name: str = "", problem: str | None = None, status: int = 200):
    clients = web.api().get(_clients_path())
    return render_template("api_clients.html", clients=clients, name=name, problem=problem,
                           notice=request.args.get("notice")), status


def create_api_client():
    name = request.form.get("name", "").strip()
    if not name:
        return api_client_list(name, _("Give the client a name."), 422)
    try:
        created = web.api().post(_clients_path(), {"name": name})
    except ApiError as error:
        return action_failed(error)
    return shown_once("client_secret.html", client=created, name=name, back=url_for("console.api_client_list"))


def rotate_api_client(client_id: str):
    try:
        rotated = web.api().post(f"{_clients_path()}/{client_id}/rotate")
    except ApiError as error:
        return action_failed(error)
    return shown_once("client_secret.html", client=rotated, name=request.form.get("name", ""), rotated=True,
                      back=url_for("console.api_client_list"))


def revoke_api_client(client_id: str):
    try:
        web.api().delete(f"{_clients_path()}/{client_id}")
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.api_client_list", notice="revoked"))
