"""A vendor's API clients: tokens scoped to the vendor, secrets shown once, rotation, revocation."""
from __future__ import annotations

from identity.models import OAuthClient
from identity.testing import basic_auth
from identity.testing_vendors import verifier_of


def token_response(http, client_id: str, secret: str):
    return http.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=basic_auth(client_id, secret))


def vendor_client(vendors, vendor_id: str, owner: dict) -> dict:
    response = vendors.http.post(f"/api/v1/vendors/{vendor_id}/clients", json={"name": "erp"}, headers=owner)
    assert response.status_code == 201, response.json
    return response.json


def test_vendor_client_tokens_carry_role_vendor_and_its_vendor_id(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    client = vendor_client(vendors, vendor_id, owner)
    token = token_response(vendors.http, client["client_id"], client["client_secret"]).json["access_token"]
    principal = verifier_of(vendors.world).verify(token)
    assert (set(principal.roles), principal.vendor_id, principal.client_id) == ({"vendor"}, vendor_id,
                                                                                client["client_id"])


def test_the_secret_is_shown_once_and_stored_hashed(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    client = vendor_client(vendors, vendor_id, owner)
    listed = vendors.http.get(f"/api/v1/vendors/{vendor_id}/clients", headers=owner).json
    assert [(entry["client_id"], entry["roles"], entry["vendor_id"]) for entry in listed] == [
        (client["client_id"], ["vendor"], vendor_id)]
    assert "client_secret" not in listed[0] and "secret_hash" not in listed[0]
    with vendors.world.uow() as uow:
        assert uow.session.get(OAuthClient, client["client_id"]).secret_hash != client["client_secret"]


def test_a_rotated_secret_stops_the_old_one(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    client = vendor_client(vendors, vendor_id, owner)
    rotated = vendors.http.post(f"/api/v1/vendors/{vendor_id}/clients/{client['client_id']}/rotate", headers=owner)
    assert rotated.status_code == 200 and rotated.json["client_secret"] != client["client_secret"]
    assert token_response(vendors.http, client["client_id"], client["client_secret"]).status_code == 401
    assert token_response(vendors.http, client["client_id"], rotated.json["client_secret"]).status_code == 200


def test_a_revoked_client_gets_no_token(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    client = vendor_client(vendors, vendor_id, owner)
    assert vendors.http.delete(f"/api/v1/vendors/{vendor_id}/clients/{client['client_id']}",
                               headers=owner).status_code == 204
    refused = token_response(vendors.http, client["client_id"], client["client_secret"])
    assert refused.status_code == 401 and "access_token" not in refused.json


def test_a_suspended_vendors_client_gets_no_vendor_rights(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    client = vendor_client(vendors, vendor_id, owner)
    vendors.decide(vendor_id, "suspend", "fraud check")
    token = token_response(vendors.http, client["client_id"], client["client_secret"]).json["access_token"]
    principal = verifier_of(vendors.world).verify(token)
    assert (set(principal.roles), principal.vendor_id) == (set(), None)


def test_staff_of_an_approved_vendor_get_its_vendor_id_in_their_tokens(vendors):
    vendor_id, _ = vendors.approved_vendor("ada@example.com")  # identity.testing signs in as ada
    vendors.world.log_in()
    token = vendors.world.tokens_for_user(vendors.world.client())["access_token"]
    principal = verifier_of(vendors.world).verify(token)
    assert (set(principal.roles), principal.vendor_id) == ({"customer", "vendor"}, vendor_id)


def test_a_vendors_secret_answers_are_not_cached(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    created = vendors.http.post(f"/api/v1/vendors/{vendor_id}/clients", json={"name": "erp"}, headers=owner)
    rotated = vendors.http.post(f"/api/v1/vendors/{vendor_id}/clients/{created.json['client_id']}/rotate",
                                headers=owner)

    assert (created.headers["Cache-Control"], rotated.headers["Cache-Control"]) == ("no-store", "no-store")


def test_a_vendors_rotation_is_audited_with_the_reason(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    client = vendor_client(vendors, vendor_id, owner)

    vendors.http.post(f"/api/v1/vendors/{vendor_id}/clients/{client['client_id']}/rotate",
                      headers={**owner, "X-Audit-Reason": "ERP reinstalled"})

    entry = vendors.http.get("/api/v1/identity/audit", query_string={"action": "client.secret_rotated"},
                             headers=vendors.admin).json[0]
    assert (entry["target_id"], entry["reason"]) == (client["client_id"], "ERP reinstalled")
