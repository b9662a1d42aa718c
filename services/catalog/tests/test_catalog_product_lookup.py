"""Products looked up a page at a time (`?id=a&id=b`), each caller getting only what it may read."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest

from catalog.testing import CatalogWorld
from chassis.pagination import MAX_IDS


@pytest.fixture
def world(catalog_app, bearer) -> CatalogWorld:
    return CatalogWorld(catalog_app, bearer)


@pytest.fixture
def shelf(world):
    """Vendor A's approved, draft and archived products; vendor B's approved and draft ones."""
    a_approved = world.approved_product(title="A approved")
    world.offer(a_approved["id"])
    a_archived = world.approved_product(title="A archived")
    assert world.call("POST", f"/api/v1/products/{a_archived['id']}/archive", world.vendor_a).status_code == 200
    return {"a_approved": a_approved["id"], "a_draft": world.product(title="A draft")["id"],
            "a_archived": a_archived["id"],
            "b_approved": world.approved_product(world.vendor_b, title="B approved")["id"],
            "b_draft": world.product(world.vendor_b, title="B draft")["id"]}


def looked_up(world, scope: str, ids: list[str], headers=None) -> list[str]:
    response = world.call("GET", "/api/v1/products?" + urlencode({"scope": scope, "id": ids}, doseq=True), headers)
    assert response.status_code == 200, response.get_json()
    return sorted(product["id"] for product in response.get_json())


def test_operators_get_only_the_products_asked_for_in_any_status(world, shelf):
    asked = [shelf["a_draft"], shelf["a_archived"], shelf["b_draft"]]
    assert looked_up(world, "all", asked, world.support) == sorted(asked)


def test_unknown_product_ids_are_just_absent(world, shelf):
    assert looked_up(world, "all", [shelf["a_draft"], "no-such-product"], world.support) == [shelf["a_draft"]]


def test_a_vendor_gets_its_own_products_in_any_status(world, shelf):
    asked = [shelf["a_approved"], shelf["a_draft"], shelf["a_archived"]]
    assert looked_up(world, "mine", asked, world.vendor_a) == sorted(asked)


def test_a_vendor_asking_for_another_vendors_unpublished_product_gets_nothing(world, shelf):
    assert looked_up(world, "mine", [shelf["b_draft"]], world.vendor_a) == []
    assert looked_up(world, "mine", [shelf["a_draft"], shelf["a_archived"]], world.vendor_b) == []


def test_a_vendor_reads_another_vendors_approved_product_as_its_page_would(world, shelf):
    """An approved product is public (its page answers anyone): a vendor selling it may name it."""
    assert world.call("GET", f"/api/v1/products/{shelf['b_approved']}", world.vendor_a).status_code == 200
    assert looked_up(world, "mine", [shelf["b_approved"], shelf["b_draft"]], world.vendor_a) == [shelf["b_approved"]]


def test_without_ids_a_vendors_list_holds_only_its_own(world, shelf):
    assert looked_up(world, "mine", [], world.vendor_a) == sorted(
        [shelf["a_approved"], shelf["a_draft"], shelf["a_archived"]])


def test_the_storefront_looks_up_only_listed_products(world, shelf):
    assert looked_up(world, "public", [shelf["a_approved"], shelf["a_draft"], shelf["b_approved"]]) == [
        shelf["a_approved"]]


def test_more_than_a_page_of_ids_is_a_422_problem(world, shelf):
    too_many = world.call("GET", "/api/v1/products?" + urlencode(
        {"scope": "all", "id": [f"p{n}" for n in range(MAX_IDS + 1)]}, doseq=True), world.support)
    assert (too_many.status_code, too_many.content_type) == (422, "application/problem+json")
    assert looked_up(world, "all", [shelf["a_draft"], *(f"p{n}" for n in range(MAX_IDS - 1))],
                     world.support) == [shelf["a_draft"]]


def test_a_lookup_answers_its_total(world, shelf):
    response = world.call("GET", "/api/v1/products?" + urlencode(
        {"scope": "all", "id": [shelf["a_draft"], shelf["b_draft"]], "page_size": 100}, doseq=True), world.support)
    assert '"total": 2' in response.headers["X-Pagination"]
