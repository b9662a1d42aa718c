"""The ``vendor_role`` claim: a vendor's staff carry their staff role in tokens and userinfo, API clients none.

Other services read it from the token (orders lets owners and managers refund), so it is the role of
the membership when the token was issued: a change shows in the next token.
"""
from __future__ import annotations

import pytest

from identity.testing import basic_auth
from identity.testing_vendors import verifier_of

STAFF = "/api/v1/vendors/{vendor_id}/staff"


def ada_working_for_a_vendor(vendors, role: str) -> tuple[str, str, dict]:
    """Ada (the user ``identity.testing`` signs in as) added to an approved vendor with ``role``:
    (vendor id, ada's user id, the owner's Authorization header)."""
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    ada_id, _ = vendors.person("ada@example.com")
    answer = vendors.http.post(STAFF.format(vendor_id=vendor_id), json={"email": "ada@example.com", "role": role},
                               headers=owner)
    assert answer.status_code == 201, answer.json
    return vendor_id, ada_id, owner


def signed_in_tokens(vendors) -> tuple[object, dict]:
    """Ada logs in and her client exchanges a code: (the client, the token response)."""
    assert vendors.world.log_in().status_code == 302
    client = vendors.world.client()
    return client, vendors.world.tokens_for_user(client)


@pytest.mark.parametrize("role", ["owner", "manager", "staff"])
def test_each_staff_member_carries_their_own_role_next_to_the_vendor_id(vendors, role):
    vendor_id, _, _ = ada_working_for_a_vendor(vendors, role)
    _, tokens = signed_in_tokens(vendors)

    principal = verifier_of(vendors.world).verify(tokens["access_token"])

    assert (principal.vendor_id, principal.vendor_role, principal.claims["vendor_role"]) == (vendor_id, role, role)


@pytest.mark.parametrize("role", ["owner", "manager", "staff"])
def test_userinfo_gives_the_same_staff_role(vendors, role):
    vendor_id, _, _ = ada_working_for_a_vendor(vendors, role)
    _, tokens = signed_in_tokens(vendors)

    body = vendors.http.get("/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json

    assert (body["vendor_id"], body["vendor_role"]) == (vendor_id, role)


def test_the_founding_owner_is_an_owner_in_their_tokens(vendors):
    vendor_id, _ = vendors.approved_vendor("ada@example.com")
    _, tokens = signed_in_tokens(vendors)
    principal = verifier_of(vendors.world).verify(tokens["access_token"])
    assert (principal.vendor_id, principal.vendor_role) == (vendor_id, "owner")


def test_a_role_change_shows_in_the_next_token(vendors):
    vendor_id, ada_id, owner = ada_working_for_a_vendor(vendors, "staff")
    client, tokens = signed_in_tokens(vendors)
    assert verifier_of(vendors.world).verify(tokens["access_token"]).vendor_role == "staff"

    promoted = vendors.http.patch(f"{STAFF.format(vendor_id=vendor_id)}/{ada_id}", json={"role": "manager"},
                                  headers=owner)
    assert promoted.status_code == 200, promoted.json
    refreshed = vendors.world.token(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])

    assert refreshed.status_code == 200, refreshed.json
    assert verifier_of(vendors.world).verify(refreshed.json["access_token"]).vendor_role == "manager"


def test_a_removed_staff_member_carries_no_vendor_and_no_role(vendors):
    vendor_id, ada_id, owner = ada_working_for_a_vendor(vendors, "manager")
    removed = vendors.http.delete(f"{STAFF.format(vendor_id=vendor_id)}/{ada_id}", headers=owner)
    assert removed.status_code == 204, removed.json
    _, tokens = signed_in_tokens(vendors)

    body = vendors.http.get("/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json

    assert (body["roles"], body["vendor_id"], body["vendor_role"]) == (["customer"], None, None)
    assert "vendor_role" not in verifier_of(vendors.world).verify(tokens["access_token"]).claims


def test_a_vendors_api_client_carries_the_vendor_id_but_no_staff_role(vendors):
    """An integration, not a person: the services take it for a plain staff member."""
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    client = vendors.http.post(f"/api/v1/vendors/{vendor_id}/clients", json={"name": "erp"}, headers=owner).json
    token = vendors.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                              headers=basic_auth(client["client_id"], client["client_secret"])).json["access_token"]

    principal = verifier_of(vendors.world).verify(token)

    assert (principal.vendor_id, principal.vendor_role, "vendor_role" in principal.claims) == (vendor_id, None, False)


def test_a_suspended_vendors_staff_carry_no_role(vendors):
    vendor_id, _, _ = ada_working_for_a_vendor(vendors, "manager")
    assert vendors.decide(vendor_id, "suspend", "fraud check").status_code == 200
    _, tokens = signed_in_tokens(vendors)

    principal = verifier_of(vendors.world).verify(tokens["access_token"])

    assert (principal.is_vendor, principal.vendor_id, principal.vendor_role) == (False, None, None)
