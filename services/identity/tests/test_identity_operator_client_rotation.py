"""Admin operators rotate any confidential client's secret: shown once, the old one stops at once, audited."""
from __future__ import annotations

from identity.testing import basic_auth

SERVICE_CLIENT = {"name": "orders", "grant_type": "client_credentials", "roles": ["service"]}


def registered(vendors, **overrides) -> dict:
    created = vendors.http.post("/api/v1/clients", json={**SERVICE_CLIENT, **overrides}, headers=vendors.admin)
    assert created.status_code == 201, created.json
    return created.json


def token_status(vendors, client_id: str, secret: str) -> int:
    return vendors.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                             headers=basic_auth(client_id, secret)).status_code


def test_a_rotated_secret_is_shown_once_and_replaces_the_old_one(vendors):
    client = registered(vendors)

    rotated = vendors.http.post(f"/api/v1/clients/{client['client_id']}/rotate", headers=vendors.admin)

    assert rotated.status_code == 200 and rotated.headers["Cache-Control"] == "no-store"
    assert rotated.json["client_id"] == client["client_id"] and rotated.json["client_secret"] != client["client_secret"]
    assert token_status(vendors, client["client_id"], client["client_secret"]) == 401
    assert token_status(vendors, client["client_id"], rotated.json["client_secret"]) == 200


def test_a_new_clients_answer_is_not_cached_either(vendors):
    created = vendors.http.post("/api/v1/clients", json=SERVICE_CLIENT, headers=vendors.admin)

    assert created.headers["Cache-Control"] == "no-store"


def test_a_rotation_is_audited_with_the_reason(vendors):
    client = registered(vendors)

    vendors.http.post(f"/api/v1/clients/{client['client_id']}/rotate",
                      headers={**vendors.admin, "X-Audit-Reason": "secret leaked in a log"})

    entry = vendors.http.get("/api/v1/identity/audit", query_string={"action": "client.secret_rotated"},
                             headers=vendors.admin).json[0]
    assert (entry["target_id"], entry["reason"], entry["actor"]) == (
        client["client_id"], "secret leaked in a log", "operator-admin")


def test_an_admin_rotates_a_vendors_client_too(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    client = vendors.http.post(f"/api/v1/vendors/{vendor_id}/clients", json={"name": "erp"}, headers=owner).json

    rotated = vendors.http.post(f"/api/v1/clients/{client['client_id']}/rotate", headers=vendors.admin)

    assert token_status(vendors, client["client_id"], rotated.json["client_secret"]) == 200


def test_only_admin_operators_may_rotate(vendors):
    client = registered(vendors)
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    _, customer = vendors.person("eve@example.com")

    answers = [vendors.http.post(f"/api/v1/clients/{client['client_id']}/rotate", headers=headers)
               for headers in (vendors.support, owner, customer)]

    assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert token_status(vendors, client["client_id"], client["client_secret"]) == 200


def test_an_unknown_client_is_404(vendors):
    answer = vendors.http.post("/api/v1/clients/nope/rotate", headers=vendors.admin)

    assert (answer.status_code, answer.content_type) == (404, "application/problem+json")


def test_a_revoked_or_public_client_has_no_secret_to_rotate(vendors):
    revoked = registered(vendors)
    vendors.http.delete(f"/api/v1/clients/{revoked['client_id']}", headers=vendors.admin)
    public = registered(vendors, name="spa", grant_type="authorization_code", roles=[], public=True,
                        redirect_uris=["https://spa.example/cb"])

    answers = [vendors.http.post(f"/api/v1/clients/{client['client_id']}/rotate", headers=vendors.admin)
               for client in (revoked, public)]

    assert [answer.status_code for answer in answers] == [409, 409]
