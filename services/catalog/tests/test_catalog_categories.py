"""Categories: operators manage the tree; moving a category carries its subtree and products along."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.models import Product
from catalog.testing import CatalogWorld


@pytest.fixture
def world(catalog_app, bearer) -> CatalogWorld:
    return CatalogWorld(catalog_app, bearer)


def test_the_tree_is_public_and_parents_come_first(world):
    root = world.category("sport")
    child = world.category("running", parent_id=root["id"])
    listed = world.call("GET", "/api/v1/categories").get_json()
    assert [c["slug"] for c in listed] == ["sport", "running"]
    assert child["path"] == f"/{root['id']}/{child['id']}/"


@pytest.mark.parametrize("headers, status", [("vendor_a", 403), ("support", 403), ("customer", 403), (None, 401)])
def test_only_admin_operators_change_categories(world, headers, status):
    response = world.call("POST", "/api/v1/categories", getattr(world, headers) if headers else {},
                          json={"name": "X", "slug": "x"})
    assert response.status_code == status


@pytest.mark.parametrize("slug", ["Upper", "two  words", "trailing-", "-x", "a_b"])
def test_bad_slugs_are_422(world, slug):
    assert world.call("POST", "/api/v1/categories", world.admin, json={"name": "X", "slug": slug}).status_code == 422


def test_duplicate_slug_and_unknown_parent(world):
    world.category("sport")
    assert world.call("POST", "/api/v1/categories", world.admin, json={"name": "S", "slug": "sport"}).status_code == 409
    assert world.call("POST", "/api/v1/categories", world.admin,
                      json={"name": "S", "slug": "s2", "parent_id": "missing"}).status_code == 422


def test_moving_a_category_moves_its_subtree_and_products(world):
    sport, outdoor = world.category("sport"), world.category("outdoor")
    running = world.category("running", parent_id=sport["id"])
    trail = world.category("trail", parent_id=running["id"])
    product = world.product(category_id=trail["id"])
    moved = world.call("PATCH", f"/api/v1/categories/{running['id']}", world.admin, json={"parent_id": outdoor["id"]})
    assert moved.status_code == 200 and moved.get_json()["path"].startswith(f"/{outdoor['id']}/")
    paths = {c["slug"]: c["path"] for c in world.call("GET", "/api/v1/categories").get_json()}
    assert paths["trail"] == f"/{outdoor['id']}/{running['id']}/{trail['id']}/"
    with world.uow() as uow:
        assert uow.session.scalar(select(Product.category_path).where(Product.id == product["id"])) == paths["trail"]
    cycle = world.call("PATCH", f"/api/v1/categories/{running['id']}", world.admin, json={"parent_id": trail["id"]})
    assert cycle.status_code == 409


def test_only_empty_categories_can_be_deleted(world):
    sport = world.category("sport")
    running = world.category("running", parent_id=sport["id"])
    world.product(category_id=running["id"])
    assert world.call("DELETE", f"/api/v1/categories/{sport['id']}", world.admin).status_code == 409
    assert world.call("DELETE", f"/api/v1/categories/{running['id']}", world.admin).status_code == 409
    empty = world.category("empty")
    assert world.call("DELETE", f"/api/v1/categories/{empty['id']}", world.admin).status_code == 204
    assert world.call("GET", f"/api/v1/categories/{empty['id']}").status_code == 404


@pytest.mark.parametrize("attribute, status", [
    ({"code": "size", "label": "Size", "kind": "number", "unit": "EU"}, 201),
    ({"code": "fit", "label": "Fit", "kind": "enum"}, 422),
    ({"code": "Bad Code", "label": "X", "kind": "text"}, 422),
    ({"code": "x", "label": "X", "kind": "colour"}, 422),
    ({"code": "x", "label": "X", "kind": "text", "unit": "cm"}, 422)])
def test_attribute_definitions_are_checked(world, attribute, status):
    category = world.category("sport")
    response = world.call("POST", f"/api/v1/categories/{category['id']}/attributes", world.admin, json=attribute)
    assert response.status_code == status, response.get_json()
