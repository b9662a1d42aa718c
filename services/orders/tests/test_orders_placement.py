"""Placing orders: priced by a real catalog over HTTP, split per vendor, stored pending, order.placed emitted."""
from __future__ import annotations

import socket
import threading
import uuid

import pytest
from sqlalchemy import func, select

from catalog.testing import VENDOR_A, VENDOR_B, CatalogWorld
from chassis.tables import outbox
from contracts.testing import assert_valid_event
from orders.catalog_client import QUOTE_PATH
from orders.models import Order, OrderLine, TimelineEntry, VendorOrder

ORDERS = "/api/v1/orders"
ADDRESS = {"name": "Ada Lovelace", "line1": "12 rue des Lilas", "postal_code": "75011", "city": "Paris",
           "country": "FR", "phone": "+33 6 12 34 56 78"}


@pytest.fixture
def shop(catalog_app, bearer) -> CatalogWorld:
    return CatalogWorld(catalog_app, bearer)


@pytest.fixture
def client(orders_app):
    return orders_app.test_client()


@pytest.fixture
def operator(bearer):
    return bearer(subject="op-1", roles=["operator"])


def offer(shop: CatalogWorld, vendor_headers=None, **fields) -> str:
    """A sellable offer of a new approved product; returns its id."""
    product = shop.approved_product(vendor_headers, title=f"Teapot {uuid.uuid4().hex[:6]}")
    return shop.offer(product["id"], vendor_headers, sku=f"SKU-{uuid.uuid4().hex[:8]}", **fields)["id"]


def place(client, caller, lines, key: str | None = "key-1", **body):
    headers = {**caller, **({"Idempotency-Key": key} if key else {})}
    return client.post(ORDERS, json={"lines": lines, "shipping_address": ADDRESS, **body}, headers=headers)


def line(offer_id: str, quantity: int = 1) -> dict:
    return {"offer_id": offer_id, "quantity": quantity}


def stored(app) -> dict:
    """How many orders, vendor orders, lines and order.placed events orders holds."""
    with app.extensions["chassis.runtime"].uow() as uow:
        count = lambda table: uow.session.execute(select(func.count()).select_from(table)).scalar_one()  # noqa: E731
        return {"orders": count(Order), "vendor_orders": count(VendorOrder), "lines": count(OrderLine),
                "timeline": count(TimelineEntry), "events": count(outbox)}


def placed_events(app) -> list[dict]:
    with app.extensions["chassis.runtime"].uow() as uow:
        rows = uow.session.execute(select(outbox.c.envelope).where(outbox.c.event_type == "order.placed"))
        return [envelope for (envelope,) in rows]


def refusals(response) -> list[tuple]:
    assert response.status_code == 422, response.get_json()
    return [(problem["line"], problem["reason"]) for problem in response.get_json()["lines"]]


def test_an_order_of_two_vendors_is_split_priced_by_catalog_and_announced(client, orders_app, shop, alice):
    teapot = offer(shop, price_minor=2500, shipping_minor=490)
    cups = offer(shop, price_minor=800, shipping_minor=590)
    kettle = offer(shop, shop.vendor_b, price_minor=4000, shipping_minor=0)
    response = place(client, alice, [line(teapot, 2), line(kettle), line(cups, 3)], expected_total=2 * 2500 + 3 * 800
                     + 590 + 4000)
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert response.headers["Location"].endswith(f"{ORDERS}/{order['id']}")
    assert {key: order[key] for key in ("customer_id", "status", "currency", "items_total_minor", "shipping_minor",
                                        "total_minor")} == {
        "customer_id": "cus-alice", "status": "pending", "currency": "EUR", "items_total_minor": 11400,
        "shipping_minor": 590, "total_minor": 11990}
    assert [(vo["vendor_id"], vo["status"], vo["items_total_minor"], vo["shipping_minor"], vo["total_minor"],
             [(ln["offer_id"], ln["quantity"], ln["unit_price_minor"]) for ln in vo["lines"]])
            for vo in order["vendor_orders"]] == [
        (VENDOR_A, "pending", 7400, 590, 7990, [(teapot, 2, 2500), (cups, 3, 800)]),
        (VENDOR_B, "pending", 4000, 0, 4000, [(kettle, 1, 4000)])]
    assert [(entry["from_status"], entry["to_status"], entry["actor"]["id"]) for entry in order["timeline"]] == [
        (None, "pending", "cus-alice")]
    [event] = placed_events(orders_app)
    assert_valid_event("order.placed", event["data"])
    assert (event["subject"], event["data"]["order_id"], event["data"]["total_minor"]) == (order["id"], order["id"],
                                                                                           11990)
    assert [[(ln["offer_id"], ln["vendor_id"], ln["quantity"], ln["unit_price_minor"]) for ln in vo["lines"]]
            for vo in event["data"]["vendor_orders"]] == [
        [(teapot, VENDOR_A, 2, 2500), (cups, VENDOR_A, 3, 800)], [(kettle, VENDOR_B, 1, 4000)]]


def test_prices_come_from_catalog_not_from_the_client(client, shop, alice):
    teapot = offer(shop, price_minor=2500)
    body_line = {**line(teapot), "unit_price_minor": 1}
    response = place(client, alice, [body_line])
    assert response.status_code == 422  # unknown fields are refused, never read


def test_lines_of_one_offer_are_merged(client, shop, alice):
    teapot = offer(shop, price_minor=1000)
    response = place(client, alice, [line(teapot, 2), line(teapot, 3)])
    assert response.status_code == 201, response.get_json()
    [vendor_order] = response.get_json()["vendor_orders"]
    assert [(ln["offer_id"], ln["quantity"]) for ln in vendor_order["lines"]] == [(teapot, 5)]


def test_placing_without_an_idempotency_key_is_a_400(client, orders_app, shop, alice):
    response = place(client, alice, [line(offer(shop))], key=None)
    assert (response.status_code, response.get_json()["type"].rsplit(":", 1)[-1]) == (400, "idempotency-key-missing")
    assert stored(orders_app)["orders"] == 0


def test_a_replay_with_the_same_key_answers_the_same_order(client, orders_app, shop, alice):
    teapot = offer(shop)
    first, again = place(client, alice, [line(teapot)]), place(client, alice, [line(teapot)])
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert stored(orders_app)["orders"] == 1


def test_the_same_key_with_another_cart_is_a_422(client, shop, alice):
    teapot = offer(shop)
    assert place(client, alice, [line(teapot)]).status_code == 201
    assert place(client, alice, [line(teapot, 2)]).status_code == 422


def test_unknown_and_inactive_offers_are_named_by_line(client, orders_app, shop, alice):
    good, inactive = offer(shop), offer(shop, active=False)
    response = place(client, alice, [line(good), line(str(uuid.uuid4())), line(inactive)])
    assert refusals(response) == [(1, "unknown_offer"), (2, "inactive_offer")]
    assert stored(orders_app) == {"orders": 0, "vendor_orders": 0, "lines": 0, "timeline": 0, "events": 0}


def test_a_suspended_vendors_offer_is_refused(client, shop, alice):
    kettle = offer(shop, shop.vendor_b)
    shop.suspend(VENDOR_B)
    assert refusals(place(client, alice, [line(kettle)])) == [(0, "vendor_suspended")]


def test_lines_in_another_currency_than_the_first_are_refused(client, shop, alice):
    euros = offer(shop, currency="EUR")
    switched = shop.call("PATCH", "/api/v1/catalog/settings", shop.admin, json={"currency": "USD"})
    assert switched.status_code == 200, switched.get_json()  # offers made before the switch keep their EUR
    dollars = offer(shop, shop.vendor_b, currency="USD")
    assert refusals(place(client, alice, [line(euros), line(dollars)])) == [(1, "mixed_currencies")]


def test_a_total_other_than_the_expected_one_is_refused(client, orders_app, shop, alice):
    teapot = offer(shop, price_minor=2500, shipping_minor=490)
    assert refusals(place(client, alice, [line(teapot)], expected_total=2500)) == [(None, "total_mismatch")]
    assert stored(orders_app)["orders"] == 0


@pytest.mark.parametrize("change", [
    {"country": "XX"}, {"country": "fr"}, {"country": "UK"}, {"phone": "12345"}, {"phone": "call me"},
    {"phone": "+1 234 567 890 123 456 789 012"}, {"postal_code": ""}, {"name": None}])
def test_an_invalid_shipping_address_is_a_422(client, shop, alice, change):
    address = {**ADDRESS, **change}
    response = client.post(ORDERS, json={"lines": [line(str(uuid.uuid4()))], "shipping_address": address},
                           headers={**alice, "Idempotency-Key": f"addr-{uuid.uuid4()}"})
    assert response.status_code == 422, response.get_json()
    assert "shipping_address" in str(response.get_json())


def test_a_billing_address_is_validated_and_kept(client, shop, alice):
    teapot = offer(shop)
    assert place(client, alice, [line(teapot)], key="bad", billing_address={**ADDRESS, "country": "ZZ"}
                 ).status_code == 422
    billing = {**ADDRESS, "name": "Ada's employer", "line2": "Bâtiment B"}
    response = place(client, alice, [line(teapot)], key="good", billing_address=billing)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["billing_address"] == billing


def test_quantities_outside_1_to_99_are_named(client, shop, alice):
    teapot, cups = offer(shop), offer(shop)
    assert refusals(place(client, alice, [line(teapot, 0), line(cups, 100)])) == [
        (0, "quantity_out_of_range"), (1, "quantity_out_of_range")]


def test_merged_lines_may_not_exceed_99_units(client, shop, alice):
    teapot = offer(shop)
    assert refusals(place(client, alice, [line(teapot, 60), line(teapot, 40)])) == [
        (0, "quantity_out_of_range"), (1, "quantity_out_of_range")]


def test_an_order_has_1_to_50_lines(client, alice):
    assert refusals(place(client, alice, [], key="none")) == [(None, "no_lines")]
    many = [line(str(uuid.uuid4())) for _ in range(51)]
    assert refusals(place(client, alice, many, key="many")) == [(None, "too_many_lines")]


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_catalog_down_is_a_503_and_stores_nothing(orders_app_for, closed_port_url, alice):
    app = orders_app_for(closed_port_url)
    response = place(app.test_client(), alice, [line(str(uuid.uuid4()))])
    assert (response.status_code, response.get_json()["type"].rsplit(":", 1)[-1]) == (503, "catalog-unavailable")
    assert stored(app) == {"orders": 0, "vendor_orders": 0, "lines": 0, "timeline": 0, "events": 0}


def test_a_retry_after_catalog_came_back_places_the_order(orders_app_for, catalog_server, closed_port_url, shop,
                                                          alice):
    teapot = offer(shop)
    down = orders_app_for(closed_port_url)
    assert place(down.test_client(), alice, [line(teapot)]).status_code == 503
    down.extensions["chassis.runtime"].settings.catalog_url = catalog_server.url
    down.extensions.pop("orders.catalog_client")
    assert place(down.test_client(), alice, [line(teapot)]).status_code == 201  # a 503 does not keep the key


def test_catalog_refusing_orders_credentials_is_a_503(orders_app_for, catalog_server, alice):
    app = orders_app_for(catalog_server.url, client_secret="wrong")
    response = place(app.test_client(), alice, [line(str(uuid.uuid4()))])
    assert response.status_code == 503


def test_orders_asks_catalog_with_its_own_service_token(client, shop, alice, token_endpoint):
    teapot = offer(shop)
    assert place(client, alice, [line(teapot)], key="a").status_code == 201
    assert place(client, alice, [line(teapot)], key="b").status_code == 201
    assert token_endpoint.issued == 1  # cached between calls


def test_a_vendor_cannot_place_an_order(client, shop, bearer):
    vendor = bearer(subject="staff-a", roles=["vendor"], vendor_id=VENDOR_A)
    assert place(client, vendor, [line(offer(shop))]).status_code == 403


def test_a_customer_lists_only_their_own_orders_newest_first(client, shop, alice, bob):
    teapot = offer(shop)
    first = place(client, alice, [line(teapot)], key="1").get_json()["id"]
    second = place(client, alice, [line(teapot, 2)], key="2").get_json()["id"]
    place(client, bob, [line(teapot)], key="1")
    response = client.get(ORDERS, headers=alice)
    assert response.status_code == 200
    assert [order["id"] for order in response.get_json()] == [second, first]
    assert '"total": 2' in response.headers["X-Pagination"]


def test_a_customer_reads_their_order_but_not_another_customers(client, shop, alice, bob):
    order_id = place(client, alice, [line(offer(shop))]).get_json()["id"]
    assert client.get(f"{ORDERS}/{order_id}", headers=alice).status_code == 200
    assert client.get(f"{ORDERS}/{order_id}", headers=bob).status_code == 404
    assert client.get(f"{ORDERS}/{uuid.uuid4()}", headers=alice).status_code == 404


def test_an_operator_reads_and_lists_any_order(client, shop, alice, operator):
    placed = place(client, alice, [line(offer(shop))]).get_json()
    read = client.get(f"{ORDERS}/{placed['id']}", headers=operator)
    assert (read.status_code, read.get_json()) == (200, placed)
    assert [order["id"] for order in client.get(ORDERS, headers=operator).get_json()] == [placed["id"]]


def test_a_vendor_cannot_read_orders_here(client, shop, alice, bearer):
    order_id = place(client, alice, [line(offer(shop))]).get_json()["id"]
    vendor = bearer(subject="staff-a", roles=["vendor"], vendor_id=VENDOR_A)
    assert client.get(f"{ORDERS}/{order_id}", headers=vendor).status_code == 403
    assert client.get(ORDERS, headers=vendor).status_code == 403


# --- Idempotency-Key under concurrency: a retry while the first request is still running


class HeldQuotes:
    """Catalog's quote endpoint, held until ``release()``: the order placement asking it stays in flight."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app, self.entered, self.released = wsgi_app, threading.Event(), threading.Event()

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == QUOTE_PATH and not self.released.is_set():
            self.entered.set()
            self.released.wait(timeout=4)  # under orders' 5 s read timeout, should the test fail first
        return self.wsgi_app(environ, start_response)

    def release(self) -> None:
        self.released.set()


@pytest.fixture
def held_quotes(catalog_app) -> HeldQuotes:
    """Flask's middleware hook: the served catalog calls ``wsgi_app`` per request, so wrapping it holds quotes."""
    held = HeldQuotes(catalog_app.wsgi_app)
    catalog_app.wsgi_app = held
    yield held
    held.release()


class InFlight:
    """A placement running in its own thread, held inside catalog's quote until ``finish()``."""

    def __init__(self, app, caller, lines, held: HeldQuotes, key: str = "key-1") -> None:
        self.response, self.held = None, held
        self.thread = threading.Thread(target=self._run, args=(app, caller, lines, key), daemon=True)
        self.thread.start()
        assert held.entered.wait(timeout=5), "the first request never reached catalog"

    def _run(self, app, caller, lines, key: str) -> None:
        self.response = place(app.test_client(), caller, lines, key=key)

    def finish(self):
        self.held.release()
        self.thread.join(timeout=10)
        assert self.response is not None, "the first request did not answer"
        return self.response


def test_a_retry_while_the_first_request_is_in_flight_is_a_409_problem(orders_app, shop, alice, held_quotes):
    teapot = offer(shop)
    first = InFlight(orders_app, alice, [line(teapot)], held_quotes)
    try:
        retry = place(orders_app.test_client(), alice, [line(teapot)])
    finally:
        placed = first.finish()
    assert (retry.status_code, retry.mimetype) == (409, "application/problem+json")
    assert retry.get_json()["type"].rsplit(":", 1)[-1] == "idempotency-key-in-flight"
    assert retry.headers["Retry-After"] == "1"
    assert placed.status_code == 201, placed.get_json()


def test_once_the_first_request_answered_a_retry_replays_its_201(orders_app, shop, alice, held_quotes):
    teapot = offer(shop)
    first = InFlight(orders_app, alice, [line(teapot)], held_quotes)
    try:
        refused = place(orders_app.test_client(), alice, [line(teapot)])
    finally:
        placed = first.finish()
    assert refused.status_code == 409
    again = place(orders_app.test_client(), alice, [line(teapot)])
    assert (again.status_code, again.get_json()) == (201, placed.get_json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert stored(orders_app)["orders"] == 1


def test_another_cart_with_the_key_of_a_request_in_flight_is_a_422(orders_app, shop, alice, held_quotes):
    teapot = offer(shop)
    first = InFlight(orders_app, alice, [line(teapot)], held_quotes)
    try:
        other = place(orders_app.test_client(), alice, [line(teapot, 2)])
    finally:
        placed = first.finish()
    assert (other.status_code, other.get_json()["type"].rsplit(":", 1)[-1]) == (422, "idempotency-key-reused")
    assert placed.status_code == 201
    assert place(orders_app.test_client(), alice, [line(teapot, 2)]).status_code == 422  # and after it answered
