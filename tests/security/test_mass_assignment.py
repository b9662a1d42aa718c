"""Mass assignment: fields a caller may not set, where an operation does declare them (for operators) or where
they hide in nested lines and CSV columns, are refused and never applied; the objects are read back.

Undeclared privileged fields on every create/update operation are covered by the generated
``test_privileged_fields_an_operation_does_not_declare_are_refused`` of each ``test_<service>_matrix`` module.
"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from catalog.testing import CatalogWorld


@pytest.fixture
def catalog(service_app, bearer, tmp_path) -> CatalogWorld:
    from catalog.app import definition
    return CatalogWorld(service_app(definition(), media_dir=str(tmp_path / "media")), bearer)


def offers_by_vendor(catalog: CatalogWorld) -> dict[str, list[str]]:
    from catalog.models import Offer
    return _grouped(catalog, select(Offer.vendor_id, Offer.sku).order_by(Offer.sku))


def products_by_vendor(catalog: CatalogWorld) -> dict[str, list[str]]:
    """Vendor -> (title, status) of its products, read from the database."""
    from catalog.models import Product
    return _grouped(catalog, select(Product.vendor_id, Product.title, Product.status).order_by(Product.title))


def _grouped(catalog: CatalogWorld, query) -> dict:
    with catalog.app.extensions["chassis.runtime"].database.reads() as session:
        rows = session.execute(query).all()
    found: dict = {}
    for vendor_id, *values in rows:
        found.setdefault(vendor_id, []).append(values[0] if len(values) == 1 else tuple(values))
    return found


def test_a_vendor_cannot_create_a_product_for_another_vendor(catalog, vendor_a, vendor_b):
    response = catalog.call("POST", "/api/v1/products", vendor_a, json={"title": "Planted", "vendor_id": "ven-b"})
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    assert response.get_json()["errors"] == {"vendor_id": ["not allowed"]}
    assert products_by_vendor(catalog) == {}


def test_a_vendor_cannot_create_an_offer_for_another_vendor(catalog, vendor_a):
    product = catalog.approved_product(catalog.admin)
    response = catalog.call("POST", "/api/v1/offers", vendor_a, json={
        "product_id": product["id"], "sku": "PLANTED", "price_minor": 100, "currency": "EUR", "vendor_id": "ven-b"})
    assert response.status_code in (403, 422), response.get_json()
    assert offers_by_vendor(catalog) == {}


def test_an_offer_is_always_the_vendors_of_the_token_that_created_it(catalog, vendor_a, vendor_b):
    product = catalog.approved_product(catalog.admin)
    created = catalog.offer(product["id"], vendor_a, sku="MINE")
    assert (created["vendor_id"], offers_by_vendor(catalog)) == ("ven-a", {"ven-a": ["MINE"]})
    assert catalog.call("GET", f"/api/v1/offers/{created['id']}", vendor_b).get_json()["vendor_id"] == "ven-a"


@pytest.mark.parametrize("column", ["vendor_id", "status", "commission_bps"])
def test_an_offers_csv_with_a_column_nobody_may_import_is_refused_whole(catalog, vendor_a, column):
    product = catalog.approved_product(catalog.admin)
    csv = f"sku,product_id,price,quantity,{column}\nPLANTED,{product['id']},1.00,5,ven-b\n"
    response = catalog.call("POST", "/api/v1/imports?kind=offers", vendor_a, content_type="multipart/form-data",
                            data={"file": (io.BytesIO(csv.encode()), "offers.csv")})
    assert (response.status_code, response.mimetype) == (422, "application/problem+json"), response.get_json()
    assert column in str(response.get_json())
    assert offers_by_vendor(catalog) == {}


def test_a_products_csv_cannot_set_the_status_or_the_vendor(catalog, vendor_a):
    csv = "title,status,vendor_id\nPlanted,approved,ven-b\n"
    response = catalog.call("POST", "/api/v1/imports?kind=products", vendor_a, content_type="multipart/form-data",
                            data={"file": (io.BytesIO(csv.encode()), "products.csv")})
    assert (response.status_code, response.mimetype) == (422, "application/problem+json"), response.get_json()
    assert products_by_vendor(catalog) == {}


def test_a_product_created_by_a_vendor_is_its_own_draft(catalog, vendor_a):
    catalog.product(vendor_a, title="Mine")
    assert products_by_vendor(catalog) == {"ven-a": [("Mine", "draft")]}


def test_an_order_line_cannot_bring_its_own_price_or_vendor(service_app, customer):
    from orders.app import definition
    client = service_app(definition()).test_client()
    response = client.post("/api/v1/orders", headers={**customer, "Idempotency-Key": "k1"}, json={
        "lines": [{"offer_id": "off-1", "quantity": 1, "unit_price_minor": 1, "vendor_id": "ven-b"}],
        "shipping_address": {"name": "Ada", "line1": "1 rue", "postal_code": "75011", "city": "Paris",
                             "country": "FR"}})
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    assert set(str(response.get_json()["errors"]).split("'")) >= {"unit_price_minor", "vendor_id"}
    assert client.get("/api/v1/orders", headers=customer).get_json() == []


def test_a_vendor_sets_no_commission_rule_and_changes_none(service_app, vendor_a, admin):
    from payments.app import definition
    client = service_app(definition()).test_client()
    rule = client.post("/api/v1/commission-rules", json={"vendor_id": "ven-a", "rate_bps": 1500}, headers=admin)
    assert rule.status_code == 201, rule.get_json()
    created = client.post("/api/v1/commission-rules", json={"vendor_id": "ven-a", "rate_bps": 0}, headers=vendor_a)
    changed = client.patch(f"/api/v1/commission-rules/{rule.get_json()['id']}", json={"rate_bps": 0},
                           headers=vendor_a)
    assert (created.status_code, changed.status_code) == (403, 403)
    listed = client.get("/api/v1/commission-rules", headers=admin, query_string={"vendor_id": "ven-a"}).get_json()
    assert [(found["id"], found["rate_bps"]) for found in listed] == [(rule.get_json()["id"], 1500)]
