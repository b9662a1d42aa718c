"""Operators manage accounts: search, disable/enable, roles, sessions (support may only read)."""
from __future__ import annotations

from sqlalchemy import String, cast, select

from chassis.app import runtime
from chassis.blueprint import Blueprint
from chassis.pagination import SelectPage, close_request_session
from chassis.permissions import operator_read, operator_write
from identity import user_admin
from identity.api.problems import as_problems
from identity.api.schemas import ManagedUserSchema, ReasonSchema, RolesSchema, UserQuerySchema
from identity.models import User

blueprint = Blueprint("users", __name__, url_prefix="/api/v1/users",
                      description="Accounts, for operators (admin writes, support reads).")
blueprint.teardown_request(close_request_session)
SECURITY = [{"bearerAuth": []}]
USER_COLUMNS = (User.id, User.email, User.roles, User.status, User.created_at)


@blueprint.route("", methods=["GET"])
@operator_read()
@blueprint.arguments(UserQuerySchema, location="query")
@blueprint.response(200, ManagedUserSchema(many=True))
@blueprint.paginate(SelectPage)
@blueprint.doc(security=SECURITY)
def list_users(filters):
    """Search users by part of the email (`q`), a role and a status, or look up a page of them by `id`."""
    query = select(*USER_COLUMNS).order_by(User.email)
    if filters.get("q"):
        query = query.where(User.email.contains(filters["q"].strip().lower(), autoescape=True))
    if filters.get("role"):
        # roles is a JSON list on both backends; its text form holds each role in double quotes
        query = query.where(cast(User.roles, String).contains(f'"{filters["role"]}"', autoescape=True))
    if filters.get("status"):
        query = query.where(User.status == filters["status"])
    if "id" in filters:
        query = query.where(User.id.in_(filters["id"]))
    return query


def _user_action(name: str, action, schema=ReasonSchema):
    @operator_write()
    @blueprint.arguments(schema)
    @blueprint.response(200, ManagedUserSchema)
    @blueprint.doc(security=SECURITY)
    def view(body, user_id):
        with as_problems():
            action(runtime().uow(), user_id, **body)
        with runtime().uow() as uow:
            return dict(uow.session.execute(select(*USER_COLUMNS).where(User.id == user_id)).mappings().one())
    view.__name__ = name.replace("-", "_")
    view.__doc__ = action.__doc__.splitlines()[0] if action.__doc__ else name
    return view


blueprint.route("/<user_id>/disable", methods=["POST"])(_user_action("disable", user_admin.disable_user))
blueprint.route("/<user_id>/enable", methods=["POST"])(_user_action("enable", user_admin.enable_user))
blueprint.route("/<user_id>/roles", methods=["PUT"])(_user_action("roles", user_admin.set_roles, RolesSchema))
blueprint.route("/<user_id>/revoke-sessions", methods=["POST"])(
    _user_action("revoke-sessions", user_admin.revoke_sessions))
