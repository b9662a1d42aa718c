"""Offers: vendor-scoped CRUD, terms checked, quantity changes recorded, tenancy."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.models import StockMovement
from catalog.testing import VENDOR_A, VENDOR_B, CatalogWorld


@pytest.fixture
def world(catalog_app, bearer) -> CatalogWorld:
    return CatalogWorld(catalog_app, bearer)


@pytest.fixture
def product(world) -> dict:
    return world.approved_product()


def test_several_vendors_offer_the_same_product(world, product):
    mine = world.offer(product["id"])
    theirs = world.offer(product["id"], world.vendor_b, price_minor=3999)
    assert (mine["vendor_id"], theirs["vendor_id"]) == (VENDOR_A, VENDOR_B)
    assert mine["available_quantity"] == 10 and mine["reserved_quantity"] == 0


def test_vendor_id_in_the_body_is_refused_for_vendors_and_required_for_operators(world, product):
    body = {"product_id": product["id"], "sku": "S1", "price_minor": 100, "currency": "EUR"}
    assert world.call("POST", "/api/v1/offers", world.vendor_a, json={**body, "vendor_id": VENDOR_B}).status_code == 422
    assert world.call("POST", "/api/v1/offers", world.admin, json=body).status_code == 422
    made = world.call("POST", "/api/v1/offers", world.admin, json={**body, "vendor_id": VENDOR_B})
    assert made.status_code == 201 and made.get_json()["vendor_id"] == VENDOR_B


@pytest.mark.parametrize("change, status", [
    ({"currency": "USD"}, 422), ({"price_minor": -1}, 422), ({"price_minor": 10.5}, 422),
    ({"condition": "broken"}, 422), ({"product_id": "nope"}, 422), ({"quantity": -3}, 422)])
def test_invalid_offers_are_refused(world, product, change, status):
    body = {"product_id": product["id"], "sku": "S1", "price_minor": 100, "currency": "EUR", **change}
    assert world.call("POST", "/api/v1/offers", world.vendor_a, json=body).status_code == status


def test_sku_is_unique_per_vendor_only(world, product):
    world.offer(product["id"], sku="SAME")
    again = world.call("POST", "/api/v1/offers", world.vendor_a, json={
        "product_id": product["id"], "sku": "SAME", "price_minor": 1, "currency": "EUR"})
    assert again.status_code == 409
    assert world.offer(product["id"], world.vendor_b, sku="SAME")["sku"] == "SAME"


def test_setting_the_quantity_records_a_movement(world, product):
    offer = world.offer(product["id"], quantity=10)
    changed = world.call("PATCH", f"/api/v1/offers/{offer['id']}", world.vendor_a,
                         json={"quantity": 4, "reason": "counted the shelf", "price_minor": 4500}).get_json()
    assert (changed["available_quantity"], changed["price_minor"]) == (4, 4500)
    with world.uow() as uow:
        movements = uow.session.scalars(select(StockMovement).where(StockMovement.offer_id == offer["id"])
                                        .order_by(StockMovement.created_at)).all()
        assert [(m.available_delta, m.available_after, m.reason) for m in movements] == [
            (10, 10, "initial quantity"), (-6, 4, "counted the shelf")]


@pytest.mark.parametrize("method, body", [("PATCH", {"price_minor": 1}), ("DELETE", None)])
def test_another_vendors_offer_is_404(world, product, method, body):
    offer = world.offer(product["id"])
    assert world.call(method, f"/api/v1/offers/{offer['id']}", world.vendor_b, json=body).status_code == 404


def test_lists_are_scoped_to_the_caller(world, product):
    world.offer(product["id"])
    world.offer(product["id"], world.vendor_b)
    assert {o["vendor_id"] for o in world.call("GET", "/api/v1/offers", world.vendor_b).get_json()} == {VENDOR_B}
    assert len(world.call("GET", "/api/v1/offers", world.support).get_json()) == 2
    assert world.call("GET", "/api/v1/offers", world.customer).status_code == 403
    assert world.call("GET", "/api/v1/offers").status_code == 401


def test_an_inactive_offer_is_hidden_from_the_public_but_not_its_vendor(world, product):
    offer = world.offer(product["id"])
    assert world.call("GET", f"/api/v1/offers/{offer['id']}").status_code == 200
    assert world.call("DELETE", f"/api/v1/offers/{offer['id']}", world.vendor_a).status_code == 204
    assert world.call("GET", f"/api/v1/offers/{offer['id']}").status_code == 404
    assert world.call("GET", f"/api/v1/offers/{offer['id']}", world.vendor_a).get_json()["active"] is False
    assert world.call("GET", f"/api/v1/offers/{offer['id']}", world.vendor_b).status_code == 404
