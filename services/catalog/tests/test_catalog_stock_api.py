"""The stock API: vendors adjust and read their own offers' stock, operators any; nobody else's."""
from __future__ import annotations

import json

import pytest

from catalog import reservations

PROBLEM = "application/problem+json"


@pytest.fixture
def http(catalog_app):
    return catalog_app.test_client()


@pytest.fixture
def vendor_a(bearer):
    return bearer(subject="staff-a", roles=["vendor"], vendor_id="ven-a")


@pytest.fixture
def vendor_b(bearer):
    return bearer(subject="staff-b", roles=["vendor"], vendor_id="ven-b")


@pytest.fixture
def admin(bearer):
    return bearer(subject="op-admin", roles=["operator", "admin"])


@pytest.fixture
def support(bearer):
    return bearer(subject="op-support", roles=["operator"])


def _adjust(http, offer_id: str, headers: dict, delta=5, reason="delivery"):
    return http.post(f"/api/v1/offers/{offer_id}/stock-adjustments", json={"delta": delta, "reason": reason},
                     headers=headers)


def test_vendor_adds_units_and_gets_the_movement(http, stock_world, vendor_a):
    teapot = stock_world.offer("ven-a", 10)

    response = _adjust(http, teapot, vendor_a, delta=5, reason="delivery from supplier")

    assert response.status_code == 201, response.json
    body = response.json
    assert {key: body[key] for key in ("offer_id", "vendor_id", "kind", "available_delta", "reserved_delta",
                                       "available_after", "reserved_after", "reason", "order_id")} == {
        "offer_id": teapot, "vendor_id": "ven-a", "kind": "adjustment", "available_delta": 5, "reserved_delta": 0,
        "available_after": 15, "reserved_after": 0, "reason": "delivery from supplier", "order_id": None}
    assert body["actor"] == {"kind": "user", "id": "staff-a", "roles": ["vendor"]}
    assert stock_world.stock(teapot) == (15, 0)


def test_removing_more_than_available_is_a_409_and_changes_nothing(http, stock_world, vendor_a):
    teapot = stock_world.offer("ven-a", 3)
    reservations.reserve_order(stock_world.runtime.uow(), stock_world.order(("vo", "ven-a", teapot, 1)))

    response = _adjust(http, teapot, vendor_a, delta=-3, reason="breakage")

    assert (response.status_code, response.content_type) == (409, PROBLEM)
    assert response.json["available_quantity"] == 2
    assert stock_world.stock(teapot) == (2, 1)


@pytest.mark.parametrize("body, field", [({"delta": 0, "reason": "count"}, "delta"),
                                         ({"delta": 2}, "reason"), ({"delta": 2, "reason": ""}, "reason"),
                                         ({"delta": "2", "reason": "count"}, "delta"),
                                         ({"delta": 1.5, "reason": "count"}, "delta")])
def test_an_adjustment_needs_a_non_zero_integer_delta_and_a_reason(http, stock_world, vendor_a, body, field):
    teapot = stock_world.offer("ven-a", 3)

    response = http.post(f"/api/v1/offers/{teapot}/stock-adjustments", json=body, headers=vendor_a)

    assert (response.status_code, response.content_type) == (422, PROBLEM)
    assert field in json.dumps(response.json["errors"])
    assert stock_world.stock(teapot) == (3, 0)


def test_movements_are_listed_newest_first_and_paginated(http, stock_world, vendor_a):
    teapot = stock_world.offer("ven-a", 10)
    for delta in (1, 2, 3):
        assert _adjust(http, teapot, vendor_a, delta=delta).status_code == 201

    first_page = http.get(f"/api/v1/offers/{teapot}/stock-movements?page_size=2", headers=vendor_a)
    second_page = http.get(f"/api/v1/offers/{teapot}/stock-movements?page_size=2&page=2", headers=vendor_a)

    assert first_page.status_code == 200
    assert [m["available_delta"] for m in first_page.json + second_page.json] == [3, 2, 1]
    assert json.loads(first_page.headers["X-Pagination"])["total"] == 3


def test_another_vendors_offer_answers_404_on_every_route(http, stock_world, vendor_b):
    teapot = stock_world.offer("ven-a", 10)

    for response in (_adjust(http, teapot, vendor_b),
                     http.get(f"/api/v1/offers/{teapot}/stock-movements", headers=vendor_b),
                     _adjust(http, "no-such-offer", vendor_b),
                     http.get("/api/v1/offers/no-such-offer/stock-movements", headers=vendor_b)):
        assert (response.status_code, response.content_type) == (404, PROBLEM)
    assert stock_world.stock(teapot) == (10, 0)


def test_without_a_token_every_route_is_a_401(http, stock_world):
    teapot = stock_world.offer("ven-a", 10)

    for response in (http.post(f"/api/v1/offers/{teapot}/stock-adjustments", json={"delta": 1, "reason": "x"}),
                     http.get(f"/api/v1/offers/{teapot}/stock-movements"), http.get("/api/v1/stock/low")):
        assert (response.status_code, response.content_type) == (401, PROBLEM)


def test_customers_and_unscoped_vendors_are_forbidden(http, stock_world, bearer):
    teapot = stock_world.offer("ven-a", 10)
    customer, vendor_without_vendor = bearer(roles=["customer"]), bearer(roles=["vendor"])

    for headers in (customer, vendor_without_vendor):
        for response in (_adjust(http, teapot, headers),
                         http.get(f"/api/v1/offers/{teapot}/stock-movements", headers=headers),
                         http.get("/api/v1/stock/low", headers=headers)):
            assert (response.status_code, response.content_type) == (403, PROBLEM)


def test_admin_operators_adjust_any_offer_and_support_only_reads(http, stock_world, admin, support):
    teapot = stock_world.offer("ven-a", 10)

    assert _adjust(http, teapot, admin, delta=-4, reason="audit count").status_code == 201
    refused = _adjust(http, teapot, support)
    movements = http.get(f"/api/v1/offers/{teapot}/stock-movements", headers=support)

    assert (refused.status_code, refused.content_type) == (403, PROBLEM)
    assert (movements.status_code, [m["reason"] for m in movements.json]) == (200, ["audit count"])
    assert stock_world.stock(teapot) == (6, 0)


def test_adjustments_are_audited(http, stock_world, vendor_a, admin):
    teapot = stock_world.offer("ven-a", 10)
    _adjust(http, teapot, vendor_a, delta=-2, reason="breakage")

    audit = http.get("/api/v1/catalog/audit", query_string={"target_id": teapot}, headers=admin).json

    assert [(entry["action"], entry["before"], entry["after"], entry["reason"], entry["actor"]) for entry in audit] == [
        ("stock.adjusted", {"available": 10}, {"available": 8}, "breakage", "staff-a")]


def test_low_stock_lists_the_callers_offers_at_or_below_their_threshold(http, stock_world, vendor_a):
    at_default = stock_world.offer("ven-a", 5)  # default threshold 5
    above_default = stock_world.offer("ven-a", 6)
    own_threshold = stock_world.offer("ven-a", 20, low_stock_threshold=20)
    stock_world.offer("ven-b", 0)  # another vendor's

    response = http.get("/api/v1/stock/low", headers=vendor_a)

    assert response.status_code == 200
    assert [(o["offer_id"], o["available_quantity"], o["threshold"]) for o in response.json] == [
        (at_default, 5, 5), (own_threshold, 20, 20)]
    assert above_default not in {o["offer_id"] for o in response.json}


def test_operators_list_low_stock_of_any_vendor_and_vendors_only_their_own(http, stock_world, support, vendor_a):
    own = stock_world.offer("ven-a", 1)
    other = stock_world.offer("ven-b", 0)

    everyone = http.get("/api/v1/stock/low", headers=support).json
    one_vendor = http.get("/api/v1/stock/low", query_string={"vendor_id": "ven-b"}, headers=support).json
    prying = http.get("/api/v1/stock/low", query_string={"vendor_id": "ven-b"}, headers=vendor_a)

    assert [o["offer_id"] for o in everyone] == [other, own]
    assert [o["offer_id"] for o in one_vendor] == [other]
    assert (prying.status_code, prying.content_type) == (403, PROBLEM)


def test_an_adjustment_crossing_the_threshold_announces_low_stock_once(http, stock_world, vendor_a):
    teapot = stock_world.offer("ven-a", 8, low_stock_threshold=5)

    for delta in (-2, -2, -1, 10, -10):  # 6, 4 (low), 3 (still low), 13 (back up), 3 (low again)
        assert _adjust(http, teapot, vendor_a, delta=delta, reason="count").status_code == 201

    assert [data["available_quantity"] for _, data in stock_world.outbox("stock.low")] == [4, 3]
