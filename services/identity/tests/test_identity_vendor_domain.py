"""The vendor status machine and the staff rules."""
from __future__ import annotations

import pytest

from identity.domain import RuleViolation
from identity.vendors.domain import (REQUESTED_STATUS, Conflict, IllegalTransition, StaffRole, VendorDecision, VendorStatus,
                                     check_reason, check_staff_removal, check_staff_role_change, next_status)


def test_allowed_transitions():
    assert next_status(VendorStatus.PENDING, VendorDecision.APPROVE) is VendorStatus.APPROVED
    assert next_status(VendorStatus.PENDING, VendorDecision.REJECT) is VendorStatus.REJECTED
    assert next_status(VendorStatus.APPROVED, VendorDecision.SUSPEND) is VendorStatus.SUSPENDED
    assert next_status(VendorStatus.SUSPENDED, VendorDecision.REINSTATE) is VendorStatus.APPROVED


@pytest.mark.parametrize("current, decision", [
    (VendorStatus.REJECTED, VendorDecision.APPROVE), (VendorStatus.APPROVED, VendorDecision.APPROVE),
    (VendorStatus.PENDING, VendorDecision.SUSPEND), (VendorStatus.APPROVED, VendorDecision.REINSTATE),
])
def test_illegal_transition_names_current_and_requested_state(current, decision):
    with pytest.raises(IllegalTransition) as raised:
        next_status(current, decision)
    assert (raised.value.current, raised.value.requested) == (current, REQUESTED_STATUS[decision])


def test_a_reason_is_required():
    with pytest.raises(RuleViolation):
        check_reason("  ")
    assert check_reason(" fraud ") == "fraud"


def test_the_last_owner_cannot_be_removed_but_other_staff_can():
    with pytest.raises(Conflict):
        check_staff_removal(StaffRole.OWNER, owners_left_after=0)
    check_staff_removal(StaffRole.OWNER, owners_left_after=1)
    check_staff_removal(StaffRole.STAFF, owners_left_after=0)


def test_the_last_owner_cannot_be_demoted_but_may_stay_owner():
    with pytest.raises(Conflict):
        check_staff_role_change(StaffRole.OWNER, StaffRole.MANAGER, owners_left_after=0)
    check_staff_role_change(StaffRole.OWNER, StaffRole.OWNER, owners_left_after=0)
    check_staff_role_change(StaffRole.OWNER, StaffRole.STAFF, owners_left_after=1)
    check_staff_role_change(StaffRole.STAFF, StaffRole.OWNER, owners_left_after=0)
