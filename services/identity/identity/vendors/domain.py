"""Vendor rules: the status machine and staff roles (no Flask, no SQLAlchemy)."""
from __future__ import annotations

import enum
import re

from identity.domain import RuleViolation


class VendorStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class VendorDecision(str, enum.Enum):
    """What an operator does to a vendor; each published as ``vendor.<past tense>``."""

    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


#: The state each decision asks for, and where it is allowed from.
REQUESTED_STATUS = {
    VendorDecision.APPROVE: VendorStatus.APPROVED,
    VendorDecision.REJECT: VendorStatus.REJECTED,
    VendorDecision.SUSPEND: VendorStatus.SUSPENDED,
    VendorDecision.REINSTATE: VendorStatus.APPROVED,
}
ALLOWED_TRANSITIONS = {
    (VendorStatus.PENDING, VendorDecision.APPROVE),
    (VendorStatus.PENDING, VendorDecision.REJECT),
    (VendorStatus.APPROVED, VendorDecision.SUSPEND),
    (VendorStatus.SUSPENDED, VendorDecision.REINSTATE),
}
EVENT_TYPES = {
    VendorDecision.APPROVE: "vendor.approved",
    VendorDecision.REJECT: "vendor.rejected",
    VendorDecision.SUSPEND: "vendor.suspended",
    VendorDecision.REINSTATE: "vendor.reinstated",
}


class StaffRole(str, enum.Enum):
    OWNER = "owner"
    MANAGER = "manager"
    STAFF = "staff"


class NotFound(RuleViolation):
    """The object does not exist, or the caller may not know it exists (tenancy)."""


class Conflict(RuleViolation):
    """The command is valid but the current state refuses it."""


class IllegalTransition(Conflict):
    def __init__(self, current: VendorStatus, requested: VendorStatus, decision: VendorDecision) -> None:
        super().__init__(f"a {current.value} vendor cannot become {requested.value} ({decision.value})")
        self.current = current
        self.requested = requested


def next_status(current: VendorStatus, decision: VendorDecision) -> VendorStatus:
    """The status after ``decision``; raises ``IllegalTransition`` when the table forbids it."""
    if (current, decision) not in ALLOWED_TRANSITIONS:
        raise IllegalTransition(current, REQUESTED_STATUS[decision], decision)
    return REQUESTED_STATUS[decision]


def check_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("a reason is required")
    return reason


def check_country(country: str) -> str:
    country = country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise RuleViolation("country must be an ISO 3166-1 alpha-2 code")
    return country


def check_staff_removal(role: StaffRole, owners_left_after: int) -> None:
    """The last owner stays: a vendor without an owner could not manage itself any more."""
    if role is StaffRole.OWNER and owners_left_after == 0:
        raise Conflict("the last owner of a vendor cannot be removed")


def check_staff_role_change(current: StaffRole, new: StaffRole, owners_left_after: int) -> None:
    """Demoting the last owner would leave the vendor without an owner, as removing them would."""
    if current is StaffRole.OWNER and new is not StaffRole.OWNER and owners_left_after == 0:
        raise Conflict("the last owner of a vendor cannot be demoted")


def may_manage(role: StaffRole | None) -> bool:
    """Invite, remove and change the role of staff, create and revoke API clients."""
    return role is StaffRole.OWNER


def may_read_staff(role: StaffRole | None) -> bool:
    return role in (StaffRole.OWNER, StaffRole.MANAGER)
