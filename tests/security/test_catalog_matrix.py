"""Catalog's OpenAPI matrix (see this folder's conftest): every operation of its document called by vendor A and
a customer on vendor B's objects and the operators' ones; mass assignment, body and page limits."""
from __future__ import annotations

import io

import pytest

from catalog.testing import CatalogWorld
from .matrix_tests import (  # noqa: F401  (collected here, on this module's document and world)
    test_vendor_a_reaches_no_object_of_vendor_b_or_another_customer,
    test_a_customer_reaches_no_object_of_another_customer_or_a_vendor,
    test_vendors_are_refused_the_operations_of_others,
    test_customers_are_refused_the_operations_of_others,
    test_an_admin_operator_reads_every_object_of_the_world,
    test_vendor_a_lists_nothing_of_the_world_even_when_asking_for_it,
    test_privileged_fields_an_operation_does_not_declare_are_refused,
    test_a_body_over_the_size_limit_is_a_413,
    test_a_deeply_nested_body_is_a_400_or_422,
    test_overlong_strings_never_cause_a_server_error,
    test_bounded_query_parameters_refuse_values_past_their_bounds,
    test_pages_far_away_answer_an_empty_page_or_a_422,
    test_ids_no_object_can_have_never_cause_a_server_error)


def definition():
    from catalog.app import definition
    return definition()


def settings(workdir) -> dict:
    return {"media_dir": str(workdir / "media")}


VENDOR_OPERATIONS = {
    "POST /api/v1/products", "PATCH /api/v1/products/{product_id}", "POST /api/v1/products/{product_id}/submit",
    "POST /api/v1/products/{product_id}/archive",
    "GET /api/v1/offers", "POST /api/v1/offers", "PATCH /api/v1/offers/{offer_id}",
    "DELETE /api/v1/offers/{offer_id}", "POST /api/v1/offers/{offer_id}/stock-adjustments",
    "GET /api/v1/offers/{offer_id}/stock-movements", "GET /api/v1/stock/low",
    "POST /api/v1/products/{product_id}/media", "PATCH /api/v1/products/{product_id}/media/{media_id}",
    "DELETE /api/v1/products/{product_id}/media/{media_id}",
    "GET /api/v1/imports", "POST /api/v1/imports", "GET /api/v1/imports/{job_id}",
    "GET /api/v1/imports/{job_id}/errors.csv", "GET /api/v1/exports/offers.csv", "GET /api/v1/exports/products.csv",
}
CUSTOMER_OPERATIONS: set[str] = set()  # customers only read what is public
PUBLIC_OBJECTS = {
    "GET /api/v1/categories/{category_id}": "the category tree is public",
    "GET /api/v1/media/{key}": "stored files are public under unguessable keys",
}
NOT_READ_BY_OPERATORS = {"GET /api/v1/pages/by-slug/{slug}": "the storefront's address serves published pages only"}
BODIES = {
    "POST /api/v1/offers": {"product_id": "any", "sku": "SKU-1", "price_minor": 1, "currency": "EUR"},
    "PATCH /api/v1/offers/{offer_id}": {"price_minor": 1},
    "POST /api/v1/products/{product_id}/media": {"video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
}


@pytest.fixture(scope="module")
def world(module_app, issue) -> dict[str, str]:
    """Vendor B's draft product with an image, its offer off sale and an import job; the operators' category,
    attribute and draft page."""
    catalog = CatalogWorld(module_app, issue)
    vendor_b = issue(subject="staff-b", roles=["vendor"], vendor_id="ven-b")
    category = catalog.category("hostile", attributes=[{"code": "size", "label": "Size", "kind": "text"}])
    offered = catalog.approved_product(vendor_b, title="Offered")
    offer = catalog.offer(offered["id"], vendor_b)
    assert catalog.call("DELETE", f"/api/v1/offers/{offer['id']}", vendor_b).status_code == 204
    draft = catalog.product(vendor_b, title="Draft")
    image = catalog.call("POST", f"/api/v1/products/{draft['id']}/media", vendor_b, content_type="multipart/form-data",
                         data={"file": (io.BytesIO(tiny_png()), "dot.png")})
    job = catalog.call("POST", "/api/v1/imports?kind=offers", vendor_b, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"sku,price\nnone-such,1\n"), "offers.csv")})
    page = catalog.call("POST", "/api/v1/pages", catalog.admin,
                        json={"slug": "draft-page", "title": "Draft", "body": "soon", "published": False})
    assert (image.status_code, job.status_code, page.status_code) == (201, 201, 201)
    return {"product_id": draft["id"], "offer_id": offer["id"], "media_id": image.get_json()["id"],
            "key": image.get_json()["urls"]["original"].removeprefix("/api/v1/media/"),
            "job_id": job.get_json()["id"], "category_id": category["id"],
            "attribute_id": category_attribute(catalog, category["id"]), "page_id": page.get_json()["id"],
            "slug": "draft-page", "vendor_id": "ven-b"}


def tiny_png() -> bytes:
    from PIL import Image
    encoded = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(encoded, "PNG")
    return encoded.getvalue()


def category_attribute(catalog: CatalogWorld, category_id: str) -> str:
    return catalog.call("GET", f"/api/v1/categories/{category_id}").get_json()["attributes"][0]["id"]
