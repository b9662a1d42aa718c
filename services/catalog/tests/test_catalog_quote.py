"""Quotes: what orders reads to price a cart — every requested offer, sellable or why not, in one statement."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from catalog.testing import VENDOR_A, VENDOR_B, CatalogWorld

QUOTE = "/api/v1/offers/quote"
UNKNOWN = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def world(catalog_app, bearer) -> CatalogWorld:
    return CatalogWorld(catalog_app, bearer)


@pytest.fixture
def orders_service(bearer) -> dict:
    """Orders' own client_credentials token (role service, no vendor)."""
    return bearer(subject="svc-orders", client_id="orders", roles=["service"])


@pytest.fixture
def shelf(world) -> dict:
    """One offer in each state the quote tells apart."""
    kitchen = world.category("kitchen")
    kettle = world.approved_product(title="Steel kettle", category_id=kitchen["id"])
    teapot = world.approved_product(title="Teapot", headers=world.vendor_b)
    draft = world.product(title="Draft mug")
    offers = {
        "sellable": world.offer(kettle["id"], price_minor=2500, shipping_minor=490, quantity=7, condition="used",
                                lead_time_days=3, sku="KETTLE-1"),
        "inactive": world.offer(kettle["id"], world.vendor_b, sku="KETTLE-B", active=False),
        "draft": world.offer(draft["id"], sku="MUG-1"),
        "suspended": world.offer(teapot["id"], world.vendor_b, sku="TEAPOT-B"),
    }
    world.suspend(VENDOR_B)
    return {"kettle": kettle, "kitchen": kitchen, **{name: offer["id"] for name, offer in offers.items()}}


def _quote(world, headers, offer_ids):
    return world.call("POST", QUOTE, headers, json={"offer_ids": offer_ids})


def _quoted(world, headers, offer_ids) -> list[dict]:
    response = _quote(world, headers, offer_ids)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["offers"]


def test_a_sellable_offer_is_quoted_with_its_current_facts(world, shelf, orders_service):
    [quote] = _quoted(world, orders_service, [shelf["sellable"]])
    assert quote == {"offer_id": shelf["sellable"], "sellable": True, "reason": None, "vendor_id": VENDOR_A,
                     "product_id": shelf["kettle"]["id"], "title": "Steel kettle",
                     "category_id": shelf["kitchen"]["id"], "sku": "KETTLE-1", "price_minor": 2500,
                     "shipping_minor": 490, "currency": "EUR", "condition": "used", "lead_time_days": 3,
                     "available_quantity": 7}


def test_a_price_change_is_quoted_at_once(world, shelf, orders_service):
    changed = world.call("PATCH", f"/api/v1/offers/{shelf['sellable']}", world.vendor_a, json={"price_minor": 2300})
    assert changed.status_code == 200, changed.get_json()
    assert _quoted(world, orders_service, [shelf["sellable"]])[0]["price_minor"] == 2300


@pytest.mark.parametrize("name, reason", [("inactive", "inactive_offer"), ("draft", "product_not_approved"),
                                          ("suspended", "vendor_suspended")])
def test_an_offer_that_cannot_be_sold_names_why_and_keeps_its_facts(world, shelf, orders_service, name, reason):
    [quote] = _quoted(world, orders_service, [shelf[name]])
    assert (quote["sellable"], quote["reason"], quote["offer_id"]) == (False, reason, shelf[name])
    assert quote["price_minor"] == 4999 and quote["currency"] == "EUR"


def test_the_offers_own_state_is_named_before_its_vendors(world, shelf, orders_service):
    """The inactive offer's vendor is suspended too."""
    assert _quoted(world, orders_service, [shelf["inactive"]])[0]["reason"] == "inactive_offer"


def test_a_reinstated_vendors_offer_is_sellable_again(world, shelf, orders_service):
    world.suspend(VENDOR_B, suspended=False)
    assert _quoted(world, orders_service, [shelf["suspended"]])[0]["sellable"] is True


def test_an_unknown_offer_is_a_line_not_a_404(world, shelf, orders_service):
    assert _quoted(world, orders_service, [UNKNOWN]) == [
        {"offer_id": UNKNOWN, "sellable": False, "reason": "unknown_offer"}]


def test_offers_are_answered_in_the_requested_order(world, shelf, orders_service):
    asked = [shelf["suspended"], UNKNOWN, shelf["sellable"], shelf["draft"], shelf["inactive"]]
    assert [quote["offer_id"] for quote in _quoted(world, orders_service, asked)] == asked
    assert [quote["offer_id"] for quote in _quoted(world, orders_service, asked[::-1])] == asked[::-1]


@pytest.mark.parametrize("body", [
    {"offer_ids": []}, {"offer_ids": [f"offer-{n}" for n in range(51)]}, {"offer_ids": ["a", "b", "a"]},
    {"offer_ids": [""]}, {"offer_ids": ["x" * 65]}, {"offer_ids": "a"}, {"offer_ids": [1]}, {},
], ids=["none", "51", "duplicates", "empty-id", "long-id", "not-a-list", "not-strings", "missing"])
def test_invalid_requests_are_422(world, orders_service, body):
    response = world.call("POST", QUOTE, orders_service, json=body)
    assert response.status_code == 422 and "offer_ids" in response.get_json()["errors"], response.get_json()


def test_fifty_distinct_ids_are_accepted(world, shelf, orders_service):
    asked = [shelf["sellable"], *(f"offer-{n}" for n in range(49))]
    quotes = _quoted(world, orders_service, asked)
    assert len(quotes) == 50 and [q["sellable"] for q in quotes].count(True) == 1


@pytest.mark.parametrize("caller, status", [(None, 401), ("customer", 403), ("vendor_a", 403), ("support", 200),
                                            ("admin", 200)])
def test_only_services_and_operators_may_ask(world, shelf, caller, status):
    assert _quote(world, getattr(world, caller) if caller else {}, [shelf["sellable"]]).status_code == status


def test_a_vendor_integration_client_is_refused(world, shelf, bearer):
    """A vendor's own client_credentials client holds role vendor, not service."""
    vendor_client = bearer(subject="client-a", client_id="vendor-a-integration", roles=["vendor"],
                           vendor_id=VENDOR_A)
    assert _quote(world, vendor_client, [shelf["sellable"]]).status_code == 403


def test_a_quote_of_fifty_offers_is_one_join_not_a_query_per_offer(world, shelf, orders_service):
    """No N+1: offers, their products and their vendors' states in one join (one SELECT today; at most two)."""
    engine = world.app.extensions["chassis.runtime"].database.engine
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)
    asked = [shelf["sellable"], shelf["inactive"], shelf["draft"], shelf["suspended"],
             *(f"offer-{n}" for n in range(46))]
    event.listen(engine, "before_cursor_execute", count)
    try:
        quotes = _quoted(world, orders_service, asked)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(quotes) == 50
    queries = [s for s in statements if s.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK")]
    assert len(queries) <= 2 and all(q.lstrip().upper().startswith("SELECT") for q in queries), statements
