"""Who works for which vendor, and what that puts in an access token."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from identity.models import OAuthClient, User
from identity.models.vendors import Vendor, VendorMember
from identity.vendors.domain import StaffRole, VendorStatus


def role_in(session: Session, vendor_id: str, user_id: str | None) -> StaffRole | None:
    member = session.get(VendorMember, user_id) if user_id else None
    return StaffRole(member.role) if member is not None and member.vendor_id == vendor_id else None


def owner_count(session: Session, vendor_id: str) -> int:
    return session.scalar(select(func.count()).select_from(VendorMember).where(
        VendorMember.vendor_id == vendor_id, VendorMember.role == StaffRole.OWNER.value))


def token_claims(session: Session, holder: User | OAuthClient) -> dict:
    """``roles``, ``vendor_id`` and ``vendor_role`` of a token issued to ``holder`` (a user, or a client on
    its own behalf).

    Staff of an approved vendor get the ``vendor`` role, its id and their staff role (owner, manager or
    staff) as the membership says when the token is issued; a vendor that is not (or no longer) approved
    gives none, to its staff and to its API clients alike. A vendor's API client gets no staff role: it
    is an integration, not a person, and is taken for a plain staff member (as ``caller_role`` does here).
    """
    roles, vendor_id = list(holder.roles), holder.vendor_id
    if isinstance(holder, User):
        member = session.get(VendorMember, holder.id)
        vendor_id = member.vendor_id if member is not None else vendor_id
        if member is not None and _is_approved(session, member.vendor_id):
            return {"roles": sorted(set(roles) | {"vendor"}), "vendor_id": vendor_id, "vendor_role": member.role}
    vendor = session.get(Vendor, vendor_id) if vendor_id else None
    if vendor is not None and vendor.status != VendorStatus.APPROVED.value:
        return {"roles": [role for role in roles if role != "vendor"], "vendor_id": None, "vendor_role": None}
    return {"roles": roles, "vendor_id": vendor_id, "vendor_role": None}


def _is_approved(session: Session, vendor_id: str) -> bool:
    vendor = session.get(Vendor, vendor_id)
    return vendor is not None and vendor.status == VendorStatus.APPROVED.value
