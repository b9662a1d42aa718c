"""Products: creation, attributes, GTIN, the moderation workflow (edits of approved ones too), tenancy."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from chassis.tables import outbox
from catalog.testing import GTINS, VENDOR_A, VENDOR_B, CatalogWorld


@pytest.fixture
def world(catalog_app, bearer) -> CatalogWorld:
    return CatalogWorld(catalog_app, bearer)


def _events(world, event_type):
    with world.uow() as uow:
        return [row.envelope["data"] for row in uow.session.execute(
            select(outbox.c.envelope).where(outbox.c.event_type == event_type))]


def test_a_vendor_creates_a_draft_its_own_with_sanitised_description(world):
    product = world.product(description="Hi <script>alert(1)</script> [x](javascript:alert(1))")
    assert product["status"] == "draft" and product["vendor_id"] == VENDOR_A
    html = product["description_html"]
    assert "<script" not in html and "href=\"javascript" not in html and "&lt;script&gt;" in html


def test_status_in_the_body_is_refused(world):
    response = world.call("POST", "/api/v1/products", world.vendor_a, json={"title": "X", "status": "approved"})
    assert (response.status_code, set(response.get_json()["errors"])) == (422, {"status"})


def test_a_vendor_naming_another_vendor_is_refused_like_for_offers(world):
    response = world.call("POST", "/api/v1/products", world.vendor_a, json={"title": "X", "vendor_id": VENDOR_B})
    assert (response.status_code, response.get_json()["errors"]) == (422, {"vendor_id": ["not allowed"]})
    mine = world.call("GET", "/api/v1/products?scope=mine", world.vendor_b).get_json()
    assert mine == []


def test_a_vendor_naming_itself_creates_its_own_product(world):
    assert world.product(vendor_id=VENDOR_A)["vendor_id"] == VENDOR_A


def test_an_operators_product_without_vendor_id_is_the_marketplaces(world):
    assert world.product(world.admin)["vendor_id"] is None


def test_an_operator_creates_a_product_the_named_vendor_lists_and_edits(world):
    product = world.product(world.admin, vendor_id=VENDOR_A)
    assert (product["vendor_id"], product["status"]) == (VENDOR_A, "draft")
    mine = world.call("GET", "/api/v1/products?scope=mine", world.vendor_a).get_json()
    assert [item["id"] for item in mine] == [product["id"]]
    edited = world.call("PATCH", f"/api/v1/products/{product['id']}", world.vendor_a, json={"title": "Renamed"})
    assert (edited.status_code, edited.get_json()["title"]) == (200, "Renamed")


@pytest.mark.parametrize("method, suffix, body", [
    ("PATCH", "", {"title": "mine now"}), ("POST", "/submit", None), ("GET", "", None)])
def test_a_product_created_for_a_vendor_is_404_to_another_vendor(world, method, suffix, body):
    product = world.product(world.admin, vendor_id=VENDOR_A)
    response = world.call(method, f"/api/v1/products/{product['id']}{suffix}", world.vendor_b, json=body)
    assert response.status_code == 404


def test_a_product_created_for_a_vendor_follows_that_vendors_moderation(world):
    product = world.product(world.admin, vendor_id=VENDOR_A)
    # Like any vendor's draft: the vendor submits before an operator decides.
    assert world.call("POST", f"/api/v1/products/{product['id']}/approve", world.admin).status_code == 409
    world.call("POST", f"/api/v1/products/{product['id']}/submit", world.vendor_a)
    world.call("POST", f"/api/v1/products/{product['id']}/approve", world.admin)
    edited = world.call("PATCH", f"/api/v1/products/{product['id']}", world.vendor_a, json={"title": "New"})
    assert (edited.get_json()["title"], [d["field"] for d in edited.get_json()["pending_changes"]]) == \
        ("Trail runner", ["title"])


def test_an_operator_may_name_a_vendor_catalog_has_not_heard_of_like_for_offers(world):
    # Catalog only knows vendors from suspension events, so it cannot refuse an unknown one.
    assert world.product(world.admin, vendor_id="vendor-new")["vendor_id"] == "vendor-new"


def test_creating_for_a_vendor_is_audited_with_the_operator_and_the_vendor(world):
    product = world.product(world.admin, vendor_id=VENDOR_A)
    entries = world.call("GET", f"/api/v1/catalog/audit?target_id={product['id']}", world.support).get_json()
    assert [(entry["action"], entry["actor"], entry["after"]["vendor_id"]) for entry in entries] == [
        ("product.created", "op-admin", VENDOR_A)]


def test_the_owner_cannot_be_changed_by_an_edit(world):
    product = world.product(world.admin, vendor_id=VENDOR_A)
    response = world.call("PATCH", f"/api/v1/products/{product['id']}", world.admin, json={"vendor_id": VENDOR_B})
    assert (response.status_code, set(response.get_json()["errors"])) == (422, {"vendor_id"})
    assert world.call("GET", f"/api/v1/products/{product['id']}", world.admin).get_json()["vendor_id"] == VENDOR_A


@pytest.mark.parametrize("code, status", [("4006381333931", 201), ("4006381333932", 422), ("12345", 422),
                                          ("96385074", 201), ("abcdefghijklm", 422)])
def test_gtin_check_digit(world, code, status):
    response = world.call("POST", "/api/v1/products", world.vendor_a, json={"title": "X", "gtin": code})
    assert response.status_code == status, response.get_json()


def test_gtin_is_unique_across_the_catalog(world):
    first = world.product(gtin=GTINS[0])
    taken = world.call("POST", "/api/v1/products", world.vendor_b, json={"title": "Y", "gtin": GTINS[0]})
    assert taken.status_code == 409 and taken.get_json()["product_id"] == first["id"]
    assert world.call("POST", "/api/v1/products", world.vendor_b,
                      json={"title": "Y", "gtin": "0" + GTINS[0]}).status_code == 409  # same GTIN, 14 digits


def test_attributes_are_checked_against_the_category_and_its_ancestors(world):
    parent = world.category("clothing", attributes=[{"code": "material", "label": "Material", "kind": "text",
                                                     "required": True}])
    child = world.category("shoes", parent_id=parent["id"], attributes=[
        {"code": "size", "label": "Size", "kind": "number", "unit": "EU", "required": True},
        {"code": "fit", "label": "Fit", "kind": "enum", "options": ["narrow", "regular", "wide"]},
        {"code": "waterproof", "label": "Waterproof", "kind": "boolean"}])
    bad = world.call("POST", "/api/v1/products", world.vendor_a, json={
        "title": "X", "category_id": child["id"], "attributes": {"size": "big", "fit": "loose", "colour": "red",
                                                                "waterproof": "yes"}})
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]["attributes"]
    assert set(errors) == {"size", "fit", "colour", "waterproof", "material"}
    good = world.product(category_id=child["id"], attributes={"size": 42, "fit": "wide", "material": "leather"})
    assert good["attributes"] == {"size": 42, "fit": "wide", "material": "leather"}
    detail = world.call("GET", f"/api/v1/categories/{child['id']}").get_json()
    assert {a["code"] for a in detail["attributes"]} == {"material", "size", "fit", "waterproof"}


def test_submit_then_approve_publishes_product_approved(world):
    product = world.product()
    submitted = world.call("POST", f"/api/v1/products/{product['id']}/submit", world.vendor_a).get_json()
    assert submitted["status"] == "submitted"
    queue = world.call("GET", "/api/v1/products/moderation", world.support).get_json()
    assert [item["id"] for item in queue] == [product["id"]]
    assert world.call("POST", f"/api/v1/products/{product['id']}/approve", world.support).status_code == 403
    approved = world.call("POST", f"/api/v1/products/{product['id']}/approve", world.admin).get_json()
    assert approved["status"] == "approved"
    assert _events(world, "product.approved")[-1]["product_id"] == product["id"]


def test_reject_keeps_the_reason_and_the_vendor_can_resubmit(world):
    product = world.product()
    world.call("POST", f"/api/v1/products/{product['id']}/submit", world.vendor_a)
    rejected = world.call("POST", f"/api/v1/products/{product['id']}/reject", world.admin,
                          json={"reason": "blurry photos"}).get_json()
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "blurry photos")
    assert _events(world, "product.rejected")[-1]["reason"] == "blurry photos"
    again = world.call("POST", f"/api/v1/products/{product['id']}/submit", world.vendor_a).get_json()
    assert again["status"] == "submitted" and again["rejection_reason"] is None


def test_an_edit_of_an_approved_product_waits_and_the_live_version_stays(world):
    product = world.approved_product(title="Old title")
    edited = world.call("PATCH", f"/api/v1/products/{product['id']}", world.vendor_a,
                        json={"title": "New title", "brand": "Other"}).get_json()
    assert edited["title"] == "Old title"
    assert {d["field"]: (d["live"], d["proposed"]) for d in edited["pending_changes"]} == {
        "title": ("Old title", "New title"), "brand": ("Acme", "Other")}
    public = world.call("GET", f"/api/v1/products/{product['id']}").get_json()
    assert public["title"] == "Old title" and public["pending_changes"] is None
    queue = world.call("GET", "/api/v1/products/moderation", world.admin).get_json()
    assert queue[0]["id"] == product["id"] and queue[0]["pending_changes"]
    applied = world.call("POST", f"/api/v1/products/{product['id']}/approve", world.admin).get_json()
    assert (applied["title"], applied["brand"], applied["pending_changes"]) == ("New title", "Other", None)


def test_a_rejected_edit_leaves_the_product_approved(world):
    product = world.approved_product()
    world.call("PATCH", f"/api/v1/products/{product['id']}", world.vendor_a, json={"title": "Spam"})
    kept = world.call("POST", f"/api/v1/products/{product['id']}/reject", world.admin,
                      json={"reason": "not allowed"}).get_json()
    assert (kept["status"], kept["title"], kept["pending_changes"]) == ("approved", "Trail runner", None)


def test_trusted_vendors_and_moderation_off_approve_on_submit(world):
    world.call("PATCH", "/api/v1/catalog/settings", {**world.admin, "X-Audit-Reason": "trust"},
               json={"trusted_vendor_ids": [VENDOR_A]})
    product = world.product()
    assert world.call("POST", f"/api/v1/products/{product['id']}/submit", world.vendor_a).get_json()["status"] \
        == "approved"
    edited = world.call("PATCH", f"/api/v1/products/{product['id']}", world.vendor_a, json={"title": "Live now"})
    assert edited.get_json()["title"] == "Live now" and edited.get_json()["pending_changes"] is None


def test_illegal_transitions_are_409(world):
    product = world.product()
    response = world.call("POST", f"/api/v1/products/{product['id']}/archive", world.vendor_a)
    assert response.status_code == 409 and response.get_json()["type"].endswith("illegal-transition")
    assert world.call("POST", f"/api/v1/products/{product['id']}/approve", world.admin).status_code == 409


@pytest.mark.parametrize("method, suffix, body", [
    ("PATCH", "", {"title": "mine now"}), ("POST", "/submit", None), ("POST", "/archive", None), ("GET", "", None)])
def test_another_vendors_product_is_404(world, method, suffix, body):
    product = world.product()  # vendor A's draft
    response = world.call(method, f"/api/v1/products/{product['id']}{suffix}", world.vendor_b, json=body)
    assert response.status_code == 404


def test_customers_cannot_write_and_anonymous_callers_are_401(world):
    assert world.call("POST", "/api/v1/products", world.customer, json={"title": "X"}).status_code == 403
    assert world.call("POST", "/api/v1/products", json={"title": "X"}).status_code == 401
    assert world.call("GET", "/api/v1/products/moderation", world.vendor_a).status_code == 403
