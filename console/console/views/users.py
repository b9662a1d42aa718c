"""Accounts, for operators: search, disable or enable, change roles, end every session (admins act, support
reads); each change carries a reason for the audit log."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from console import web
from console.api import ApiError
from console.views.actions import action_failed

ACTIONS = ("disable", "enable", "revoke-sessions")
STATUSES = ("active", "disabled", "invited")
# identity's roles: the platform ones, then admin/support that only operators may hold
ROLES = ("operator", "admin", "support", "vendor", "customer", "service")


def register(bp) -> None:
    bp.route("/users")(web.signed_in("operator")(user_list))
    bp.route("/users/<user_id>/roles", methods=["POST"])(web.signed_in_to_change("operator")(change_roles))
    bp.route("/users/<user_id>/<action>", methods=["POST"])(web.signed_in_to_change("operator")(user_action))


def user_list():
    filters = {"q": request.args.get("q", "").strip(), "role": request.args.get("role", "").strip(),
               "status": request.args.get("status") if request.args.get("status") in STATUSES else None}
    page = web.listed("/api/v1/users", **filters)
    return render_template("users.html", page=page, filters=filters, statuses=STATUSES, roles=ROLES,
                           notice=request.args.get("notice"))


def user_action(user_id: str, action: str):
    if action not in ACTIONS:
        return render_template("error.html", status=404), 404
    try:
        user = web.api().post(f"/api/v1/users/{user_id}/{action}", {"reason": request.form.get("reason", "")})
    except ApiError as error:
        return action_failed(error)
    return _changed(user, f"user-{action}")


def change_roles(user_id: str):
    roles = [role for role in ROLES if role in request.form.getlist("roles")]
    try:
        user = web.api().put(f"/api/v1/users/{user_id}/roles",
                             {"roles": roles, "reason": request.form.get("reason", "")})
    except ApiError as error:
        return action_failed(error)
    return _changed(user, "user-roles")


def _changed(user: dict, notice: str):
    """The account's new row in place (htmx), or the list showing it."""
    if request.headers.get("HX-Request"):
        return render_template("partials/user_row.html", account=user, roles=ROLES, notice=notice)
    return redirect(url_for("console.user_list", q=user["email"], notice=notice))
