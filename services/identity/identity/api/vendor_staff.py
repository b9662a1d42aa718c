"""A vendor's staff: owners invite and remove people and change their roles; managers may list them."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from sqlalchemy import select

from chassis.app import runtime
from chassis.audit import audit_reason
from chassis.auth.flask import require_auth
from chassis.blueprint import Blueprint
from identity.accounts.api import log_mail
from identity.api.problems import as_problems
from identity.api.schemas import StaffInvitationSchema, StaffMemberSchema, StaffRoleSchema
from identity.api.vendor_access import check_may_manage, check_may_read_staff
from identity.models import User
from identity.models.vendors import VendorMember
from identity.vendors import handlers
from identity.vendors.domain import StaffRole

blueprint = Blueprint("vendor_staff", __name__, url_prefix="/api/v1/vendors/<vendor_id>/staff",
                      description="The people working for a vendor.")
SECURITY = [{"bearerAuth": []}]


@blueprint.route("")
class Staff(MethodView):
    @require_auth()
    @blueprint.response(200, StaffMemberSchema(many=True))
    @blueprint.doc(security=SECURITY)
    def get(self, vendor_id):
        """List the vendor's staff (owners, managers, operators)."""
        with runtime().uow() as uow:
            check_may_read_staff(uow.session, vendor_id)
            return _members(uow.session, vendor_id)

    @require_auth()
    @blueprint.arguments(StaffInvitationSchema)
    @blueprint.response(201, StaffMemberSchema)
    @blueprint.doc(security=SECURITY)
    def post(self, invitation, vendor_id):
        """Invite someone by email (owners); an unknown email gets an `invited` account and `user.invited`."""
        with runtime().uow() as uow:
            check_may_manage(uow.session, vendor_id)
        with as_problems():
            invited = handlers.invite_staff(runtime().uow(), vendor_id, invitation["email"],
                                            StaffRole(invitation["role"]), runtime().settings.public_url)
        if invited.mail:
            log_mail(invited.mail.email, "accept your invitation", invited.mail.url)
        with runtime().uow() as uow:
            return next(member for member in _members(uow.session, vendor_id)
                        if member["user_id"] == invited.user_id)


@blueprint.route("/<user_id>")
class StaffMember(MethodView):
    @require_auth()
    @blueprint.response(204)
    @blueprint.doc(security=SECURITY)
    def delete(self, vendor_id, user_id):
        """Remove someone (owners); the last owner cannot be removed. Say why in `X-Audit-Reason`."""
        with runtime().uow() as uow:
            check_may_manage(uow.session, vendor_id)
        with as_problems():
            handlers.remove_staff(runtime().uow(), vendor_id, user_id, audit_reason(request.headers))

    @require_auth()
    @blueprint.arguments(StaffRoleSchema)
    @blueprint.response(200, StaffMemberSchema)
    @blueprint.doc(security=SECURITY)
    def patch(self, change, vendor_id, user_id):
        """Change someone's role (owners); the last owner cannot be demoted. Say why in `X-Audit-Reason`."""
        with runtime().uow() as uow:
            check_may_manage(uow.session, vendor_id)
        with as_problems():
            handlers.change_staff_role(runtime().uow(), vendor_id, user_id, StaffRole(change["role"]),
                                       audit_reason(request.headers))
        with runtime().uow() as uow:
            return next(member for member in _members(uow.session, vendor_id) if member["user_id"] == user_id)


def _members(session, vendor_id: str) -> list[dict]:
    rows = session.execute(select(VendorMember.user_id, User.email, VendorMember.role, User.status,
                                  VendorMember.added_at).join(User, User.id == VendorMember.user_id)
                           .where(VendorMember.vendor_id == vendor_id).order_by(VendorMember.added_at, User.email))
    return [dict(row) for row in rows.mappings()]
