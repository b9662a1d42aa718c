"""Who may see or change a vendor: operators, its staff (from identity's own membership), its clients."""
from __future__ import annotations

from chassis.auth.flask import current_principal
from chassis.permissions import ADMIN
from identity.api.problems import forbidden, not_found
from identity.models.vendors import Vendor
from identity.vendors import domain, membership


def caller_role(session, vendor_id: str) -> domain.StaffRole | None:
    """The caller's staff role in the vendor; a vendor's own API client reads like staff."""
    principal = current_principal()
    role = membership.role_in(session, vendor_id, principal.subject)
    if role is None and principal.is_vendor and principal.vendor_id == vendor_id:
        return domain.StaffRole.STAFF
    return role


def readable_vendor(session, vendor_id: str) -> Vendor:
    """The vendor if the caller may see it; another vendor's (or a missing one) answers 404."""
    vendor = session.get(Vendor, vendor_id)
    if vendor is None or not (current_principal().is_operator or caller_role(session, vendor_id)):
        raise not_found()
    return vendor


def check_may_read_staff(session, vendor_id: str) -> None:
    """Operators, owners and managers."""
    readable_vendor(session, vendor_id)
    if not current_principal().is_operator and not domain.may_read_staff(caller_role(session, vendor_id)):
        raise forbidden("only the vendor's owners and managers may do this")


def check_may_manage(session, vendor_id: str) -> None:
    """Admin operators and the vendor's owners."""
    readable_vendor(session, vendor_id)
    principal = current_principal()
    if principal.is_operator:
        if not principal.has_role(ADMIN):
            raise forbidden("support operators have read-only access")
    elif not domain.may_manage(caller_role(session, vendor_id)):
        raise forbidden("only the vendor's owners may do this")
