"""Storefront search and product pages: only what is on sale, filtered, sorted, paged."""
from __future__ import annotations

import pytest

from catalog.testing import GTINS, VENDOR_A, VENDOR_B, CatalogWorld


@pytest.fixture
def world(catalog_app, bearer) -> CatalogWorld:
    return CatalogWorld(catalog_app, bearer)


@pytest.fixture
def shelf(world):
    """Shoes (with a running subcategory) and a kettle, offered by two vendors."""
    shoes = world.category("shoes")
    running = world.category("running", parent_id=shoes["id"])
    kitchen = world.category("kitchen")
    trail = world.approved_product(title="Trail runner", category_id=running["id"], gtin=GTINS[0])
    boot = world.approved_product(title="Leather boot", category_id=shoes["id"], brand="Bootco")
    kettle = world.approved_product(title="Steel kettle", category_id=kitchen["id"])
    draft = world.product(title="Secret draft runner")
    world.offer(trail["id"], price_minor=8000, condition="new")
    world.offer(trail["id"], world.vendor_b, price_minor=6500, condition="used", sku="B-TRAIL")
    world.offer(boot["id"], price_minor=12000, quantity=0)
    world.offer(kettle["id"], world.vendor_b, price_minor=2500, sku="B-KETTLE")
    world.offer(draft["id"], price_minor=100)
    return {"trail": trail, "boot": boot, "kettle": kettle, "draft": draft}


def _ids(world, query=""):
    response = world.call("GET", f"/api/v1/products{query}")
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()]


def test_only_approved_products_with_a_sellable_offer_are_listed(world, shelf):
    assert set(_ids(world)) == {shelf["trail"]["id"], shelf["boot"]["id"], shelf["kettle"]["id"]}


def test_category_filter_includes_subcategories(world, shelf):
    assert set(_ids(world, "?category=shoes")) == {shelf["trail"]["id"], shelf["boot"]["id"]}
    assert _ids(world, "?category=running") == [shelf["trail"]["id"]]
    assert _ids(world, "?category=unknown") == []


def test_price_vendor_condition_and_stock_filters(world, shelf):
    assert set(_ids(world, "?min_price=3000&max_price=9000")) == {shelf["trail"]["id"]}  # best price 6500
    assert set(_ids(world, f"?vendor_id={VENDOR_B}")) == {shelf["trail"]["id"], shelf["kettle"]["id"]}
    assert _ids(world, "?condition=used") == [shelf["trail"]["id"]]
    assert shelf["boot"]["id"] not in _ids(world, "?in_stock=true")


def test_sorting_by_price_and_newest(world, shelf):
    assert _ids(world, "?sort=price_asc") == [shelf["kettle"]["id"], shelf["trail"]["id"], shelf["boot"]["id"]]
    assert _ids(world, "?sort=price_desc")[0] == shelf["boot"]["id"]
    assert _ids(world, "?sort=newest")[0] == shelf["kettle"]["id"]


def test_text_search(world, shelf):
    assert _ids(world, "?q=runner") == [shelf["trail"]["id"]]  # the draft runner is not on sale
    assert _ids(world, "?q=bootco") == [shelf["boot"]["id"]]
    assert _ids(world, f"?q={GTINS[0][:6]}") in ([], [shelf["trail"]["id"]])  # prefix: engine-dependent
    assert _ids(world, "?q=nothing-like-this") == []


def test_listing_items_carry_best_price_currency_and_stock(world, shelf):
    items = {item["id"]: item for item in world.call("GET", "/api/v1/products").get_json()}
    trail = items[shelf["trail"]["id"]]
    assert (trail["best_price_minor"], trail["currency"], trail["in_stock"], trail["offer_count"]) == (
        6500, "EUR", True, 2)
    assert items[shelf["boot"]["id"]]["in_stock"] is False


def test_pagination_headers_and_page_size_limit(world, shelf):
    response = world.call("GET", "/api/v1/products?page_size=2&page=1")
    assert len(response.get_json()) == 2 and '"total": 3' in response.headers["X-Pagination"]
    assert world.call("GET", "/api/v1/products?page_size=101").status_code == 422


def test_product_page_lists_offers_best_price_first(world, shelf):
    page = world.call("GET", f"/api/v1/products/{shelf['trail']['id']}").get_json()
    assert [offer["price_minor"] for offer in page["offers"]] == [6500, 8000]
    assert world.call("GET", f"/api/v1/products/{shelf['draft']['id']}").status_code == 404
    assert world.call("GET", f"/api/v1/products/{shelf['draft']['id']}", world.vendor_a).status_code == 200


def test_a_suspended_vendors_offers_disappear_and_come_back(world, shelf):
    world.suspend(VENDOR_B)
    assert shelf["kettle"]["id"] not in _ids(world)
    trail = world.call("GET", f"/api/v1/products/{shelf['trail']['id']}").get_json()
    assert [offer["vendor_id"] for offer in trail["offers"]] == [VENDOR_A]
    assert trail["best_price_minor"] == 8000
    world.suspend(VENDOR_B, suspended=False)
    assert shelf["kettle"]["id"] in _ids(world)


def test_back_office_scopes(world, shelf):
    response = world.call("GET", "/api/v1/products?scope=mine&status=draft", world.vendor_a)
    assert [item["id"] for item in response.get_json()] == [shelf["draft"]["id"]]
    assert world.call("GET", "/api/v1/products?scope=mine&status=draft", world.vendor_b).get_json() == []
    assert world.call("GET", "/api/v1/products?scope=all", world.vendor_a).status_code == 403
    assert world.call("GET", "/api/v1/products?scope=mine").status_code == 403
    assert len(world.call("GET", "/api/v1/products?scope=all", world.support).get_json()) == 4


def test_a_search_page_costs_at_most_three_statements(world, shelf):
    """No N+1: the category lookup, the page and its (capped) count, whatever the filters."""
    from sqlalchemy import event
    engine = world.app.extensions["chassis.runtime"].database.engine
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = world.call("GET", "/api/v1/products?q=runner&category=shoes&min_price=1&max_price=99999"
                                     f"&vendor_id={VENDOR_B}&condition=used&in_stock=true&sort=price_asc&page_size=50")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200 and len(response.get_json()) == 1
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 3, statements


def test_the_hand_written_dump_matches_the_documented_fields(world, shelf):
    from catalog.api.schemas import ListedProductSchema
    item = world.call("GET", "/api/v1/products?sort=newest").get_json()[0]
    assert set(item) == set(ListedProductSchema().fields)
    assert item["approved_at"].endswith("+00:00") and item["currency"] == "EUR"


def test_a_search_total_is_remembered_briefly(world, shelf):
    first = world.call("GET", "/api/v1/products?category=shoes").headers["X-Pagination"]
    boot = world.approved_product(title="New boot", category_id=shelf["boot"]["category_id"])
    world.offer(boot["id"], sku="NEW-BOOT")
    items = world.call("GET", "/api/v1/products?category=shoes")
    assert len(items.get_json()) == 3 and items.headers["X-Pagination"] == first  # the page is fresh, the total not
    world.app.extensions["catalog.storefront_counts"].clear()
    assert '"total": 3' in world.call("GET", "/api/v1/products?category=shoes").headers["X-Pagination"]
