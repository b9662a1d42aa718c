"""Vendors and users looked up a page at a time: `?id=a&id=b` on the lists, within the lists' visibility."""
from __future__ import annotations

from chassis.pagination import MAX_IDS


def listed_ids(vendors, url: str, ids: list[str], headers: dict) -> list[str]:
    response = vendors.http.get(url, query_string={"id": ids}, headers=headers)
    assert response.status_code == 200, response.json
    return sorted(row["id"] for row in response.json)


def test_operators_get_only_the_vendors_asked_for(vendors):
    vendor_a, _ = vendors.approved_vendor("owner@a.example")
    vendor_b, _ = vendors.approved_vendor("owner@b.example")
    vendors.approved_vendor("owner@c.example")
    assert listed_ids(vendors, "/api/v1/vendors", [vendor_a, vendor_b], vendors.support) == sorted([vendor_a, vendor_b])


def test_unknown_vendor_ids_are_just_absent(vendors):
    vendor_a, _ = vendors.approved_vendor("owner@a.example")
    assert listed_ids(vendors, "/api/v1/vendors", [vendor_a, "no-such-vendor"], vendors.support) == [vendor_a]


def test_a_vendor_asking_for_another_vendors_id_gets_only_its_own(vendors, bearer):
    vendor_a, owner_a = vendors.approved_vendor("owner@a.example")
    vendor_b, _ = vendors.approved_vendor("owner@b.example")
    assert listed_ids(vendors, "/api/v1/vendors", [vendor_a, vendor_b], owner_a) == [vendor_a]
    assert listed_ids(vendors, "/api/v1/vendors", [vendor_b], owner_a) == []
    client_a = bearer(subject="client-a", roles=["vendor"], vendor_id=vendor_a)
    assert listed_ids(vendors, "/api/v1/vendors", [vendor_a, vendor_b], client_a) == [vendor_a]


def test_more_than_a_page_of_vendor_ids_is_a_422_problem(vendors):
    response = vendors.http.get("/api/v1/vendors", query_string={"id": [f"v{n}" for n in range(MAX_IDS + 1)]},
                                headers=vendors.support)
    assert (response.status_code, response.content_type) == (422, "application/problem+json")
    assert vendors.http.get("/api/v1/vendors", query_string={"id": [f"v{n}" for n in range(MAX_IDS)]},
                            headers=vendors.support).status_code == 200


def test_operators_get_only_the_users_asked_for(vendors):
    ada, _ = vendors.person("ada@example.com")
    bob, _ = vendors.person("bob@example.com")
    vendors.person("cy@example.com")
    response = vendors.http.get("/api/v1/users", query_string={"id": [bob, ada, "no-such-user"]},
                                headers=vendors.support)
    assert [(user["id"], user["email"]) for user in response.json] == [(ada, "ada@example.com"),
                                                                        (bob, "bob@example.com")]


def test_more_than_a_page_of_user_ids_is_a_422_problem(vendors):
    response = vendors.http.get("/api/v1/users", query_string={"id": [f"u{n}" for n in range(MAX_IDS + 1)]},
                                headers=vendors.support)
    assert (response.status_code, response.content_type) == (422, "application/problem+json")


def test_vendors_cannot_look_users_up(vendors):
    vendor_a, owner_a = vendors.approved_vendor("owner@a.example")
    ada, _ = vendors.person("ada@example.com")
    client_a = vendors.bearer(subject="client-a", roles=["vendor"], vendor_id=vendor_a)
    for headers in (owner_a, client_a):
        assert vendors.http.get("/api/v1/users", query_string={"id": [ada]}, headers=headers).status_code == 403
