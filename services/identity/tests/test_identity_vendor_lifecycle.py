"""A vendor applies, operators decide; every decision is an event in the outbox and an audit entry."""
from __future__ import annotations

from identity.testing_vendors import APPLICATION


def test_application_then_approval_publishes_applied_and_approved(vendors):
    owner_id, owner = vendors.person("owner@acme.example")
    applied = vendors.apply(owner)
    assert applied.status_code == 201, applied.json
    vendor_id = applied.json["id"]
    assert (applied.json["status"], applied.json["owner_user_id"]) == ("pending", owner_id)

    approved = vendors.decide(vendor_id, "approve", "documents checked")
    assert (approved.status_code, approved.json["status"]) == (200, "approved")
    assert vendors.outbox() == [
        ("vendor.applied", {"vendor_id": vendor_id, "company_name": "Acme GmbH", "country": "DE",
                            "owner_user_id": owner_id, "applied_at": applied.json["created_at"].replace("Z", "+00:00")}),
        ("vendor.approved", {"vendor_id": vendor_id, "reason": "documents checked",
                             "actor": {"kind": "user", "id": "operator-admin", "roles": ["operator"]}}),
    ]


def test_suspend_and_reinstate_are_published_and_audited_with_their_reason(vendors):
    vendor_id, _ = vendors.approved_vendor("owner@acme.example")
    assert vendors.decide(vendor_id, "suspend", "chargebacks").json["status"] == "suspended"
    assert vendors.decide(vendor_id, "reinstate", "resolved").json["status"] == "approved"
    assert [event for event, _ in vendors.outbox()][-2:] == ["vendor.suspended", "vendor.reinstated"]
    audit = vendors.http.get("/api/v1/identity/audit", query_string={"target_id": vendor_id},
                             headers=vendors.support).json
    assert [(entry["action"], entry["before"], entry["after"], entry["reason"], entry["actor"]) for entry in audit[:2]] == [
        ("vendor.reinstated", {"status": "suspended"}, {"status": "approved"}, "resolved", "operator-admin"),
        ("vendor.suspended", {"status": "approved"}, {"status": "suspended"}, "chargebacks", "operator-admin"),
    ]


def test_illegal_transition_is_a_409_naming_current_and_requested_state(vendors):
    _, owner = vendors.person("owner@acme.example")
    vendor_id = vendors.apply(owner).json["id"]
    response = vendors.decide(vendor_id, "suspend")
    assert response.status_code == 409 and response.content_type == "application/problem+json"
    assert (response.json["current_state"], response.json["requested_state"]) == ("pending", "suspended")
    assert "pending" in response.json["detail"] and "suspended" in response.json["detail"]


def test_rejected_vendor_cannot_be_approved(vendors):
    _, owner = vendors.person("owner@acme.example")
    vendor_id = vendors.apply(owner).json["id"]
    assert vendors.decide(vendor_id, "reject", "incomplete").json["status"] == "rejected"
    assert vendors.decide(vendor_id, "approve").status_code == 409


def test_a_decision_without_a_reason_is_a_422(vendors):
    _, owner = vendors.person("owner@acme.example")
    vendor_id = vendors.apply(owner).json["id"]
    for reason in (None, ""):
        response = vendors.decide(vendor_id, "approve", reason)
        assert (response.status_code, response.content_type) == (422, "application/problem+json")
        assert "reason" in response.json["errors"]


def test_the_application_body_never_sets_vendor_id_or_status(vendors):
    _, owner = vendors.person("owner@acme.example")
    for smuggled in ({"status": "approved"}, {"vendor_id": "v-1"}, {"id": "v-1"}):
        assert vendors.apply(owner, **smuggled).status_code == 422


def test_a_user_applies_for_one_vendor_only(vendors):
    _, owner = vendors.person("owner@acme.example")
    assert vendors.apply(owner).status_code == 201
    assert vendors.apply(owner).status_code == 409


def test_auto_approval_setting_approves_at_once(vendors):
    changed = vendors.http.patch("/api/v1/identity/settings", json={"vendor_auto_approval": True},
                                 headers=vendors.admin)
    assert changed.status_code == 200
    _, owner = vendors.person("owner@acme.example")
    assert vendors.apply(owner).json["status"] == "approved"
    assert vendors.outbox()[-1][1]["actor"] == {"kind": "system", "id": None}


def test_operators_list_vendors_by_status_and_staff_see_only_their_own(vendors):
    approved_id, owner = vendors.approved_vendor("owner@a.example")
    _, other = vendors.person("owner@b.example")
    pending_id = vendors.apply(other, company_name="B").json["id"]
    listed = vendors.http.get("/api/v1/vendors", query_string={"status": "pending"}, headers=vendors.support)
    assert [vendor["id"] for vendor in listed.json] == [pending_id]
    assert [vendor["id"] for vendor in vendors.http.get("/api/v1/vendors", headers=owner).json] == [approved_id]
    assert vendors.http.get(f"/api/v1/vendors/{pending_id}", headers=owner).status_code == 404


def test_only_admin_operators_decide(vendors):
    _, owner = vendors.person("owner@acme.example")
    vendor_id = vendors.apply(owner).json["id"]
    assert vendors.decide(vendor_id, "approve", headers=vendors.support).status_code == 403
    assert vendors.decide(vendor_id, "approve", headers=owner).status_code == 403
    assert APPLICATION["country"] == vendors.http.get(f"/api/v1/vendors/{vendor_id}", headers=owner).json["country"]


def test_an_applicant_whose_vendor_was_rejected_may_apply_again(vendors):
    _, owner = vendors.person("owner@acme.example")
    rejected = vendors.apply(owner).json["id"]
    vendors.decide(rejected, "reject", "incomplete")
    again = vendors.apply(owner)
    assert again.status_code == 201 and again.json["id"] != rejected
    assert [vendor["id"] for vendor in vendors.http.get("/api/v1/vendors", headers=owner).json] == [again.json["id"]]
