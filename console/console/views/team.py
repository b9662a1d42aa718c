"""A vendor's team: who works for it and in which role; owners invite, remove and change roles.

The vendor is always the signed-in user's own, from the session: never an id from the URL or the form.
"""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from console import web
from console.api import ApiError, audit_reason_header
from console.views.actions import action_failed

STAFF_ROLES = ("staff", "manager", "owner")


def register(bp) -> None:
    guard = web.signed_in("vendor")
    bp.route("/team")(guard(team_list))
    bp.route("/team", methods=["POST"])(guard(invite_member))
    bp.route("/team/<user_id>/remove", methods=["POST"])(guard(remove_member))
    bp.route("/team/<user_id>/role", methods=["POST"])(guard(change_member_role))


def _staff_path() -> str:
    return f"/api/v1/vendors/{web.current_session().user.vendor_id}/staff"


def team_list(form: dict | None = None, problem: str | None = None, status: int = 200):
    members = web.api().get(_staff_path())
    me = web.current_session().user
    # Tokens only say "vendor": the staff role comes from the team list, to offer owners' forms to owners only
    # (identity refuses the others anyway).
    my_role = next((member["role"] for member in members if member["user_id"] == me.sub), None)
    return render_template("team.html", members=members, roles=STAFF_ROLES, form=form or {}, problem=problem,
                           notice=request.args.get("notice"), me=me, is_owner=my_role == "owner"), status


def invite_member():
    form = {"email": request.form.get("email", "").strip(), "role": request.form.get("role", "")}
    if "@" not in form["email"]:
        return team_list(form, _("Enter the email address of the person to invite."), 422)
    if form["role"] not in STAFF_ROLES:
        return team_list(form, _("Choose a role."), 422)
    try:
        web.api().post(_staff_path(), form)
    except ApiError as error:
        if error.status in (409, 422):
            return team_list(form, error.message, error.status)
        return action_failed(error)
    return redirect(url_for("console.team_list", notice="invited"))


def remove_member(user_id: str):
    try:
        web.api().delete(f"{_staff_path()}/{user_id}", headers=audit_reason_header(request.form.get("reason", "")))
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.team_list", notice="removed"))



def change_member_role(user_id: str):
    role = request.form.get("role", "")
    if role not in STAFF_ROLES:
        return team_list(problem=_("Choose a role."), status=422)
    try:
        web.api().patch(f"{_staff_path()}/{user_id}", {"role": role},
                        headers=audit_reason_header(request.form.get("reason", "")))
    except ApiError as error:
        if error.status in (409, 422):  # e.g. the last owner: said on the team page itself
            return team_list(problem=error.message, status=error.status)
        return action_failed(error)
    return redirect(url_for("console.team_list", notice="role-changed"))
