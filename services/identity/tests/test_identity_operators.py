"""Operators manage users and OAuth2 clients: admin writes, support only reads."""
from __future__ import annotations

import pytest

from identity.models import RefreshToken


def write_requests(vendors, user_id: str, client_id: str, vendor_id: str):
    reason = {"reason": "checked"}
    return [
        ("POST", f"/api/v1/users/{user_id}/disable", reason),
        ("POST", f"/api/v1/users/{user_id}/enable", reason),
        ("PUT", f"/api/v1/users/{user_id}/roles", {"roles": ["customer"], "reason": "checked"}),
        ("POST", f"/api/v1/users/{user_id}/revoke-sessions", reason),
        ("POST", "/api/v1/clients", {"name": "x", "grant_type": "client_credentials", "roles": ["service"]}),
        ("POST", f"/api/v1/clients/{client_id}/rotate", None),
        ("DELETE", f"/api/v1/clients/{client_id}", None),
        *[("POST", f"/api/v1/vendors/{vendor_id}/{decision}", reason)
          for decision in ("approve", "reject", "suspend", "reinstate")],
        ("POST", f"/api/v1/vendors/{vendor_id}/staff", {"email": "x@example.com"}),
        ("PATCH", f"/api/v1/vendors/{vendor_id}/staff/{user_id}", {"role": "manager"}),
        ("DELETE", f"/api/v1/vendors/{vendor_id}/staff/{user_id}", None),
        ("POST", f"/api/v1/vendors/{vendor_id}/clients", {"name": "x"}),
        ("POST", f"/api/v1/vendors/{vendor_id}/clients/{client_id}/rotate", None),
        ("DELETE", f"/api/v1/vendors/{vendor_id}/clients/{client_id}", None),
    ]


def test_support_operators_cannot_write_anywhere(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    user_id = vendors.http.get(f"/api/v1/vendors/{vendor_id}/staff", headers=owner).json[0]["user_id"]
    client_id = vendors.http.post(f"/api/v1/vendors/{vendor_id}/clients", json={"name": "erp"},
                                  headers=owner).json["client_id"]
    for method, url, body in write_requests(vendors, user_id, client_id, vendor_id):
        response = vendors.http.open(url, method=method, json=body, headers=vendors.support)
        assert response.status_code == 403, (method, url, response.json)


def test_support_operators_can_read(vendors):
    for url in ("/api/v1/users", "/api/v1/clients", "/api/v1/vendors", "/api/v1/identity/audit"):
        assert vendors.http.get(url, headers=vendors.support).status_code == 200, url


@pytest.mark.parametrize("url", ["/api/v1/users", "/api/v1/clients"])
def test_customers_cannot_read_operator_lists(vendors, url):
    _, customer = vendors.person("eve@example.com")
    assert vendors.http.get(url, headers=customer).status_code == 403


def test_users_are_searched_by_email_role_and_status(vendors):
    vendors.person("ada@example.com")
    vendors.person("bob@example.com", roles=("operator", "support"))
    search = lambda **query: [user["email"] for user in  # noqa: E731
                              vendors.http.get("/api/v1/users", query_string=query, headers=vendors.support).json]
    assert search(q="ADA") == ["ada@example.com"]
    assert search(role="support") == ["bob@example.com"]
    assert search(status="active") == ["ada@example.com", "bob@example.com"]
    assert search(status="disabled") == []


def test_disable_and_enable_a_user_with_a_reason(vendors):
    user_id, _ = vendors.person("ada@example.com")
    disabled = vendors.http.post(f"/api/v1/users/{user_id}/disable", json={"reason": "spam"}, headers=vendors.admin)
    assert (disabled.status_code, disabled.json["status"]) == (200, "disabled")
    assert vendors.http.post(f"/api/v1/users/{user_id}/disable", json={"reason": "again"},
                             headers=vendors.admin).status_code == 409
    assert vendors.http.post(f"/api/v1/users/{user_id}/enable", json={}, headers=vendors.admin).status_code == 422
    enabled = vendors.http.post(f"/api/v1/users/{user_id}/enable", json={"reason": "appeal"}, headers=vendors.admin)
    assert enabled.json["status"] == "active"
    assert [(event, data["reason"]) for event, data in vendors.outbox()] == [
        ("user.disabled", "spam"), ("user.enabled", "appeal")]


def test_assign_roles_is_audited_before_and_after(vendors):
    user_id, _ = vendors.person("ada@example.com")
    response = vendors.http.put(f"/api/v1/users/{user_id}/roles", headers=vendors.admin,
                                json={"roles": ["operator", "support"], "reason": "new hire"})
    assert response.json["roles"] == ["operator", "support"]
    assert vendors.http.put(f"/api/v1/users/{user_id}/roles", headers=vendors.admin,
                            json={"roles": ["wizard"], "reason": "x"}).status_code == 422
    entry = vendors.http.get("/api/v1/identity/audit", query_string={"action": "user.roles_changed"},
                             headers=vendors.admin).json[0]
    assert (entry["before"], entry["after"], entry["reason"], entry["actor"]) == (
        {"roles": ["customer"]}, {"roles": ["operator", "support"]}, "new hire", "operator-admin")


def test_revoke_sessions_revokes_every_refresh_token(signed_in, vendors):
    client = signed_in.client()
    refresh = signed_in.tokens_for_user(client)["refresh_token"]
    user_id = vendors.http.get("/api/v1/users", headers=vendors.admin).json[0]["id"]
    response = vendors.http.post(f"/api/v1/users/{user_id}/revoke-sessions", json={"reason": "stolen laptop"},
                                 headers=vendors.admin)
    assert response.status_code == 200
    with signed_in.uow() as uow:
        assert all(row.revoked_at is not None for row in uow.session.query(RefreshToken))
    assert signed_in.token(client, grant_type="refresh_token", refresh_token=refresh).status_code == 400


def test_unknown_user_is_404(vendors):
    assert vendors.http.post("/api/v1/users/nobody/disable", json={"reason": "x"},
                             headers=vendors.admin).status_code == 404


def test_operators_create_list_and_revoke_clients(vendors):
    created = vendors.http.post("/api/v1/clients", headers=vendors.admin, json={
        "name": "orders", "grant_type": "client_credentials", "roles": ["service"]})
    assert created.status_code == 201 and created.json["client_secret"]
    listed = vendors.http.get("/api/v1/clients", headers=vendors.support).json
    assert [(client["client_id"], client["revoked_at"]) for client in listed] == [(created.json["client_id"], None)]
    assert vendors.http.delete(f"/api/v1/clients/{created.json['client_id']}", headers=vendors.admin).status_code == 204
    assert vendors.http.get("/api/v1/clients", headers=vendors.support).json[0]["revoked_at"] is not None
    assert vendors.http.delete(f"/api/v1/clients/{created.json['client_id']}", headers=vendors.admin).status_code == 409
    assert vendors.http.delete("/api/v1/clients/nope", headers=vendors.admin).status_code == 404
