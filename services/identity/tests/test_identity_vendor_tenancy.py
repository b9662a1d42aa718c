"""A vendor's staff and clients belong to it alone: another vendor's owner gets 404 everywhere."""
from __future__ import annotations


def test_vendor_a_owner_cannot_see_invite_into_or_create_clients_for_vendor_b(vendors):
    _, owner_a = vendors.approved_vendor("owner@a.example")
    vendor_b, _ = vendors.approved_vendor("owner@b.example")
    http = vendors.http
    assert http.get(f"/api/v1/vendors/{vendor_b}", headers=owner_a).status_code == 404
    assert http.get(f"/api/v1/vendors/{vendor_b}/staff", headers=owner_a).status_code == 404
    assert http.post(f"/api/v1/vendors/{vendor_b}/staff", json={"email": "mole@a.example"},
                     headers=owner_a).status_code == 404
    assert http.post(f"/api/v1/vendors/{vendor_b}/clients", json={"name": "mole"}, headers=owner_a).status_code == 404
    assert http.get(f"/api/v1/vendors/{vendor_b}/clients", headers=owner_a).status_code == 404


def test_vendor_a_owner_cannot_rotate_revoke_or_remove_in_vendor_b(vendors):
    vendor_a, owner_a = vendors.approved_vendor("owner@a.example")
    vendor_b, owner_b = vendors.approved_vendor("owner@b.example")
    client_b = vendors.http.post(f"/api/v1/vendors/{vendor_b}/clients", json={"name": "erp"}, headers=owner_b).json
    http = vendors.http
    # through its own vendor's URL too: the client is looked up within the caller's vendor
    for vendor_id in (vendor_a, vendor_b):
        url = f"/api/v1/vendors/{vendor_id}/clients/{client_b['client_id']}"
        assert http.post(f"{url}/rotate", headers=owner_a).status_code == 404
        assert http.delete(url, headers=owner_a).status_code == 404
    staff_b = http.get(f"/api/v1/vendors/{vendor_b}/staff", headers=owner_b).json[0]["user_id"]
    assert http.delete(f"/api/v1/vendors/{vendor_b}/staff/{staff_b}", headers=owner_a).status_code == 404
    assert http.delete(f"/api/v1/vendors/{vendor_a}/staff/{staff_b}", headers=owner_a).status_code == 404


def test_owner_invites_staff_and_removes_them_but_not_the_last_owner(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    url = f"/api/v1/vendors/{vendor_id}/staff"
    invited = vendors.http.post(url, json={"email": "New.Hire@A.example", "role": "manager"}, headers=owner)
    assert invited.status_code == 201
    assert (invited.json["email"], invited.json["role"], invited.json["status"]) == (
        "new.hire@a.example", "manager", "invited")
    members = vendors.http.get(url, headers=owner).json
    owner_id = next(member["user_id"] for member in members if member["role"] == "owner")
    last_owner = vendors.http.delete(f"{url}/{owner_id}", headers=owner)
    assert (last_owner.status_code, last_owner.content_type) == (409, "application/problem+json")
    assert vendors.http.delete(f"{url}/{invited.json['user_id']}", headers=owner).status_code == 204
    assert [member["user_id"] for member in vendors.http.get(url, headers=owner).json] == [owner_id]


def test_a_second_owner_makes_the_first_removable(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    url = f"/api/v1/vendors/{vendor_id}/staff"
    first_owner = vendors.http.get(url, headers=owner).json[0]["user_id"]
    assert vendors.http.post(url, json={"email": "co@a.example", "role": "owner"}, headers=owner).status_code == 201
    assert vendors.http.delete(f"{url}/{first_owner}", headers=owner).status_code == 204


def test_managers_may_list_staff_but_not_invite_or_create_clients(vendors):
    vendor_id, owner = vendors.approved_vendor("owner@a.example")
    manager_id, manager = vendors.person("manager@a.example")
    url = f"/api/v1/vendors/{vendor_id}/staff"
    assert vendors.http.post(url, json={"email": "manager@a.example", "role": "manager"}, headers=owner).status_code == 201
    assert vendors.http.get(url, headers=manager).status_code == 200
    assert vendors.http.post(url, json={"email": "x@a.example"}, headers=manager).status_code == 403
    assert vendors.http.post(f"/api/v1/vendors/{vendor_id}/clients", json={"name": "erp"},
                             headers=manager).status_code == 403
    assert vendors.http.delete(f"{url}/{manager_id}", headers=manager).status_code == 403


def test_a_user_of_another_vendor_cannot_be_invited(vendors):
    vendor_a, owner_a = vendors.approved_vendor("owner@a.example")
    vendors.approved_vendor("owner@b.example")
    response = vendors.http.post(f"/api/v1/vendors/{vendor_a}/staff", json={"email": "owner@b.example"},
                                 headers=owner_a)
    assert response.status_code == 409
