"""Vendor use cases: apply, operator decisions, staff (API clients: ``identity.vendors.clients``)."""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from chassis.actors import event_actor
from chassis.runtime_settings import current
from identity import domain, passwords
from identity.accounts import signup
from identity.accounts.signup import Mail
from identity.models import User
from identity.models.base import now
from identity.models.vendors import Vendor, VendorMember
from identity.settings import IdentityRuntimeSettings
from identity.vendors import membership
from identity.vendors.domain import (EVENT_TYPES, Conflict, NotFound, StaffRole, VendorDecision,
                                     VendorStatus, check_country, check_reason, check_staff_removal,
                                     check_staff_role_change, next_status)

AUTO_APPROVAL_REASON = "automatic approval (vendor_auto_approval is on)"


@dataclass(frozen=True)
class VendorApplication:
    company_name: str
    registration_number: str
    country: str
    contact_email: str


def apply_for_vendor(uow, owner_user_id: str, application: VendorApplication) -> str:
    """A new ``pending`` vendor owned by the applicant (approved at once with ``vendor_auto_approval``)."""
    with uow:
        if uow.session.get(User, owner_user_id) is None:
            raise NotFound("no such user")
        _leave_rejected_vendor(uow.session, owner_user_id)
        vendor = Vendor(id=str(uuid.uuid4()), company_name=application.company_name.strip(),
                        registration_number=application.registration_number.strip(),
                        country=check_country(application.country),
                        contact_email=domain.normalise_email(application.contact_email),
                        status=VendorStatus.PENDING.value, owner_user_id=owner_user_id,
                        created_at=now(), updated_at=now())
        uow.session.add(vendor)
        uow.session.add(VendorMember(user_id=owner_user_id, vendor_id=vendor.id, role=StaffRole.OWNER.value,
                                     added_at=now()))
        uow.audit("vendor.applied", "vendor", vendor.id, after=_snapshot(vendor))
        uow.publish("vendor.applied", {"vendor_id": vendor.id, "company_name": vendor.company_name,
                                       "country": vendor.country, "owner_user_id": owner_user_id,
                                       "applied_at": vendor.created_at.isoformat()}, subject=vendor.id)
        if current(uow.session, IdentityRuntimeSettings).vendor_auto_approval:
            _decide(uow, vendor, VendorDecision.APPROVE, AUTO_APPROVAL_REASON, {"kind": "system", "id": None})
        uow.commit()
        return vendor.id


def _leave_rejected_vendor(session, user_id: str) -> None:
    """A user works for one vendor; someone whose application was rejected may apply again."""
    member = session.get(VendorMember, user_id)
    if member is None:
        return
    if session.get(Vendor, member.vendor_id).status != VendorStatus.REJECTED.value:
        raise Conflict("this user already works for a vendor")
    session.delete(member)
    session.flush()


def decide(uow, vendor_id: str, decision: VendorDecision, reason: str | None) -> str:
    """An operator approves, rejects, suspends or reinstates a vendor, always with a reason."""
    with uow:
        reason = check_reason(reason)
        vendor = existing_vendor(uow.session, vendor_id, lock=True)
        _decide(uow, vendor, decision, reason, event_actor())
        uow.commit()
        return vendor.status


def _decide(uow, vendor: Vendor, decision: VendorDecision, reason: str, actor: dict) -> None:
    before = vendor.status
    vendor.status = next_status(VendorStatus(before), decision).value
    vendor.updated_at = now()
    uow.audit(EVENT_TYPES[decision], "vendor", vendor.id, before={"status": before},
              after={"status": vendor.status}, reason=reason, actor=None if actor["id"] else "system")
    uow.publish(EVENT_TYPES[decision], {"vendor_id": vendor.id, "reason": reason, "actor": actor},
                subject=vendor.id)


@dataclass(frozen=True)
class StaffInvitation:
    user_id: str
    #: The invitation mail (also published with ``user.invited``) for a new account; None for an existing user.
    mail: Mail | None


def invite_staff(uow, vendor_id: str, email: str, role: StaffRole, link_base: str) -> StaffInvitation:
    """Add a user to the vendor. An unknown email gets an ``invited`` account and an invitation token
    (7 days, single use; ``user.invited`` carries the link that sets its password); inviting again
    someone who never accepted sends a fresh invitation."""
    with uow:
        existing_vendor(uow.session, vendor_id)
        email = domain.normalise_email(email)
        user = uow.session.scalars(select(User).where(User.email == email)).first()
        mail = None
        if user is None:
            user = User(id=str(uuid.uuid4()), email=email, roles=[], vendor_id=None, status="invited",
                        password_hash=passwords.hash_password(secrets.token_urlsafe(32)), created_at=now())
            uow.session.add(user)
            uow.session.flush()
            uow.audit("user.invited", "user", user.id, after={"email": email, "status": "invited"})
            mail = signup.issue_invitation(uow, user, vendor_id, role.value, link_base)
        existing = uow.session.get(VendorMember, user.id)
        if existing is not None and existing.vendor_id == vendor_id and user.status == "invited":
            # Invited here before and never accepted (the link may have expired): send a new one.
            mail = signup.issue_invitation(uow, user, vendor_id, existing.role, link_base)
            uow.commit()
            return StaffInvitation(user.id, mail)
        if existing is not None:
            raise Conflict("this user already works for a vendor")
        uow.session.add(VendorMember(user_id=user.id, vendor_id=vendor_id, role=role.value, added_at=now()))
        uow.audit("vendor.staff_added", "vendor", vendor_id, after={"user_id": user.id, "role": role.value})
        uow.commit()
        return StaffInvitation(user.id, mail)


def remove_staff(uow, vendor_id: str, user_id: str, reason: str | None = None) -> None:
    """Remove a user from the vendor; the last owner stays."""
    with uow:
        existing_vendor(uow.session, vendor_id, lock=True)
        role = membership.role_in(uow.session, vendor_id, user_id)
        if role is None:
            raise NotFound("no such staff member")
        check_staff_removal(role, membership.owner_count(uow.session, vendor_id) - 1)
        uow.session.delete(uow.session.get(VendorMember, user_id))
        uow.audit("vendor.staff_removed", "vendor", vendor_id, before={"user_id": user_id, "role": role.value},
                  reason=reason)
        uow.commit()


def change_staff_role(uow, vendor_id: str, user_id: str, role: StaffRole, reason: str | None = None) -> None:
    """Give a staff member another role; the last owner cannot be demoted. Access follows at once: every
    request reads the caller's role from the membership (tokens only say ``vendor``)."""
    with uow:
        existing_vendor(uow.session, vendor_id, lock=True)  # serialises with removals: one owner always stays
        before = membership.role_in(uow.session, vendor_id, user_id)
        if before is None:
            raise NotFound("no such staff member")
        check_staff_role_change(before, role, membership.owner_count(uow.session, vendor_id) - 1)
        if before is not role:
            uow.session.get(VendorMember, user_id).role = role.value
            uow.audit("vendor.staff_role_changed", "vendor", vendor_id, reason=reason,
                      before={"user_id": user_id, "role": before.value}, after={"user_id": user_id, "role": role.value})
        uow.commit()


def existing_vendor(session, vendor_id: str, lock: bool = False) -> Vendor:
    vendor = session.get(Vendor, vendor_id, with_for_update=lock)
    if vendor is None:
        raise NotFound("no such vendor")
    return vendor


def _snapshot(vendor: Vendor) -> dict:
    return {"company_name": vendor.company_name, "registration_number": vendor.registration_number,
            "country": vendor.country, "contact_email": vendor.contact_email, "status": vendor.status,
            "owner_user_id": vendor.owner_user_id}
