"""What the fuzz runs found, pinned: bad input is a problem+json 4xx, never a 500, on either backend."""
import pytest

from catalog.app import definition as catalog_definition
from orders.app import definition as orders_definition
from payments.app import definition as payments_definition


@pytest.fixture
def catalog(service_app):
    return service_app(catalog_definition()).test_client()


@pytest.mark.parametrize("request_args", [
    dict(method="GET", path="/api/v1/catalog/audit?actor=a%00b"),
    dict(method="POST", path="/api/v1/offers/quote", json={"offer_ids": ["a\x00b"]}),
    dict(method="POST", path="/api/v1/categories", data="name=a%00b", content_type="application/x-www-form-urlencoded"),
])
def test_a_nul_character_is_a_400_problem(catalog, admin, request_args):
    response = catalog.open(request_args.pop("path"), headers=admin, **request_args)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"] == "urn:marketplace:problem:nul-character"


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(catalog, admin):
    response = catalog.post("/api/v1/offers/quote", headers=admin, json={"offer_ids": ["a\\u0000b"]})
    assert response.status_code != 400, response.get_json()


def test_a_body_that_is_not_json_is_a_400_problem_with_errors_by_location(catalog, admin):
    response = catalog.post("/api/v1/offers/quote", headers=admin, data=b"\x07{", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"json": ["Invalid JSON body."]}


def test_a_page_past_the_databases_integers_is_an_empty_page(catalog, admin):
    response = catalog.get(f"/api/v1/offers?page={10**30}", headers=admin)
    assert response.status_code == 200 and response.get_json() == []


@pytest.mark.parametrize("definition, method, path, body, field", [
    (payments_definition, "POST", "/api/v1/commission-rules",
     {"vendor_id": "ven-a", "rate_bps": 100, "fixed_fee_minor": 10**30}, "fixed_fee_minor"),
    (catalog_definition, "POST", "/api/v1/categories", {"name": "Shoes", "slug": "shoes", "position": -2**40},
     "position"),
    (orders_definition, "GET", f"/api/v1/orders?max_total={10**24}", None, "max_total"),
])
def test_an_integer_past_the_databases_is_a_422(service_app, admin, definition, method, path, body, field):
    client = service_app(definition()).test_client()
    response = client.open(path, method=method, headers=admin, json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
