"""Each service's runtime settings (``/api/v1/<service>/settings``), read by operators, changed by admins.

The form is built from the values themselves: a checkbox for a boolean, a number field for a number,
JSON for lists and objects. Only changed settings are sent, with the ETag read (a concurrent change
is refused, not overwritten) and the reason for the audit log.
"""
from __future__ import annotations

import json

from flask import redirect, render_template, request, url_for

from console import web
from console.api import ApiError, audit_reason_header
from console.views.actions import action_failed

SERVICES = ("identity", "catalog", "orders", "payments", "analytics")


class InvalidValue(ValueError):
    pass


def register(bp) -> None:
    bp.route("/settings")(web.signed_in("operator")(settings_index))
    bp.route("/settings/<service>")(web.signed_in("operator")(service_settings))
    bp.route("/settings/<service>", methods=["POST"])(web.signed_in_to_change("operator")(change_settings))


def settings_index():
    return redirect(url_for("console.service_settings", service=SERVICES[0]))


def service_settings(service: str):
    if service not in SERVICES:
        return render_template("error.html", status=404), 404
    values, etag = web.api().get_versioned(f"/api/v1/{service}/settings")
    return render_template("settings.html", service=service, services=SERVICES, values=values, etag=etag,
                           notice=request.args.get("notice"), kind=kind_of, as_text=as_text)


def change_settings(service: str):
    if service not in SERVICES:
        return render_template("error.html", status=404), 404
    current = web.api().get(f"/api/v1/{service}/settings")
    try:
        changes = _changes(current)
    except InvalidValue as error:
        return action_failed(ApiError(422, {"detail": str(error)}))
    if not changes:
        return redirect(url_for("console.service_settings", service=service))
    headers = {"If-Match": request.form.get("etag", ""), **audit_reason_header(request.form.get("reason", ""))}
    try:
        web.api().patch(f"/api/v1/{service}/settings", changes, headers)
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.service_settings", service=service, notice="settings"))


def _changes(current: dict) -> dict:
    changes = {}
    for name, old in current.items():
        value = submitted(name, old)
        if value != old:
            changes[name] = value
    return changes


def kind_of(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "text" if isinstance(value, str) or value is None else "json"


def as_text(value) -> str:
    return json.dumps(value, ensure_ascii=False) if kind_of(value) == "json" else ("" if value is None else str(value))


def submitted(name: str, old):
    """The form's value of setting ``name``, read as the type of its current value."""
    kind = kind_of(old)
    if kind == "boolean":
        return name in request.form
    raw = request.form.get(name, "")
    try:
        if kind == "number":
            return int(raw) if isinstance(old, int) and raw.strip().lstrip("-").isdigit() else float(raw)
        if kind == "json":
            return json.loads(raw)
    except ValueError:
        raise InvalidValue(f"{name}: {raw!r} is not a valid value") from None
    return raw if raw or old is not None else None
