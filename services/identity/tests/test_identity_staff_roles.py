"""Owners change a staff member's role: audited, the last owner stays, another vendor's staff out of reach."""
from __future__ import annotations


def staff_url(vendor_id: str) -> str:
    return f"/api/v1/vendors/{vendor_id}/staff"


def invite(vendors, vendor_id: str, owner: dict, email: str, role: str) -> str:
    response = vendors.http.post(staff_url(vendor_id), json={"email": email, "role": role}, headers=owner)
    assert response.status_code == 201, response.json
    return response.json["user_id"]


def owner_id_of(vendors, vendor_id: str, owner: dict) -> str:
    return vendors.http.get(staff_url(vendor_id), headers=owner).json[0]["user_id"]


def test_an_owner_changes_a_members_role_and_the_list_shows_it(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    member_id = invite(vendors, vendor_id, owner, "packer@a.example", "staff")

    changed = vendors.http.patch(f"{staff_url(vendor_id)}/{member_id}", json={"role": "manager"}, headers=owner)

    assert changed.status_code == 200
    assert (changed.json["user_id"], changed.json["role"]) == (member_id, "manager")
    listed = vendors.http.get(staff_url(vendor_id), headers=owner).json
    assert {member["user_id"]: member["role"] for member in listed}[member_id] == "manager"


def test_a_role_change_is_audited_before_and_after_with_the_reason(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    member_id = invite(vendors, vendor_id, owner, "packer@a.example", "staff")

    vendors.http.patch(f"{staff_url(vendor_id)}/{member_id}", json={"role": "owner"},
                       headers={**owner, "X-Audit-Reason": "runs the shop now"})

    entry = vendors.http.get("/api/v1/identity/audit", query_string={"action": "vendor.staff_role_changed"},
                             headers=vendors.admin).json[0]
    assert (entry["target_id"], entry["before"], entry["after"], entry["reason"]) == (
        vendor_id, {"user_id": member_id, "role": "staff"}, {"user_id": member_id, "role": "owner"},
        "runs the shop now")


def test_the_last_owner_cannot_be_demoted(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    owner_id = owner_id_of(vendors, vendor_id, owner)

    refused = vendors.http.patch(f"{staff_url(vendor_id)}/{owner_id}", json={"role": "manager"}, headers=owner)

    assert (refused.status_code, refused.content_type) == (409, "application/problem+json")
    assert refused.json["detail"] == "the last owner of a vendor cannot be demoted"
    assert vendors.http.get(staff_url(vendor_id), headers=owner).json[0]["role"] == "owner"


def test_a_second_owner_makes_the_first_demotable(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    owner_id = owner_id_of(vendors, vendor_id, owner)
    invite(vendors, vendor_id, owner, "co@a.example", "owner")

    demoted = vendors.http.patch(f"{staff_url(vendor_id)}/{owner_id}", json={"role": "staff"}, headers=owner)

    assert (demoted.status_code, demoted.json["role"]) == (200, "staff")


def test_a_promoted_members_current_token_gets_the_new_rights_at_once(vendors):
    """Tokens carry role ``vendor`` only; the staff role is read from the membership on every request."""
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    manager_id, manager = vendors.person("manager@a.example")
    invite(vendors, vendor_id, owner, "manager@a.example", "manager")
    assert vendors.http.post(staff_url(vendor_id), json={"email": "x@a.example"}, headers=manager).status_code == 403

    vendors.http.patch(f"{staff_url(vendor_id)}/{manager_id}", json={"role": "owner"}, headers=owner)

    assert vendors.http.post(staff_url(vendor_id), json={"email": "x@a.example"}, headers=manager).status_code == 201


def test_a_demoted_owner_loses_the_owners_rights_at_once(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    owner_id = owner_id_of(vendors, vendor_id, owner)
    invite(vendors, vendor_id, owner, "co@a.example", "owner")

    vendors.http.patch(f"{staff_url(vendor_id)}/{owner_id}", json={"role": "staff"}, headers=owner)

    assert vendors.http.get(staff_url(vendor_id), headers=owner).status_code == 403


def test_a_manager_cannot_change_roles(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    member_id = invite(vendors, vendor_id, owner, "packer@a.example", "staff")
    _, manager = vendors.person("manager@a.example")
    invite(vendors, vendor_id, owner, "manager@a.example", "manager")

    refused = vendors.http.patch(f"{staff_url(vendor_id)}/{member_id}", json={"role": "owner"}, headers=manager)

    assert refused.status_code == 403


def test_another_vendors_owner_cannot_change_its_staffs_roles(vendors):
    vendor_a, owner_a = vendors.approved_vendor("owner@a.example")
    vendor_b, owner_b = vendors.approved_vendor("owner@b.example")
    member_b = invite(vendors, vendor_b, owner_b, "packer@b.example", "staff")

    # through vendor B's URL, and through its own vendor's URL: the member is looked up within the vendor
    answers = [vendors.http.patch(f"{staff_url(vendor_id)}/{member_b}", json={"role": "owner"}, headers=owner_a)
               for vendor_id in (vendor_b, vendor_a)]

    assert [answer.status_code for answer in answers] == [404, 404]
    assert {member["user_id"]: member["role"] for member in vendors.http.get(
        staff_url(vendor_b), headers=owner_b).json}[member_b] == "staff"


def test_an_unknown_staff_member_is_404(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")

    answer = vendors.http.patch(f"{staff_url(vendor_id)}/nobody", json={"role": "manager"}, headers=owner)

    assert (answer.status_code, answer.content_type) == (404, "application/problem+json")


def test_a_role_that_does_not_exist_is_a_422(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    member_id = invite(vendors, vendor_id, owner, "packer@a.example", "staff")

    answers = [vendors.http.patch(f"{staff_url(vendor_id)}/{member_id}", json=body, headers=owner)
               for body in ({"role": "emperor"}, {})]

    assert [(answer.status_code, answer.content_type) for answer in answers] == [
        (422, "application/problem+json")] * 2


def test_an_admin_operator_may_change_a_vendors_staff_roles(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    member_id = invite(vendors, vendor_id, owner, "packer@a.example", "staff")

    changed = vendors.http.patch(f"{staff_url(vendor_id)}/{member_id}", json={"role": "manager"},
                                 headers=vendors.admin)

    assert (changed.status_code, changed.json["role"]) == (200, "manager")
