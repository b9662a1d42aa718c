"""Catalog pages over a stub gateway: products, images, categories, CMS pages and the moderation diff."""
from __future__ import annotations

from io import BytesIO

from console.testing import csrf_of

PAGED = {"X-Pagination": '{"total": 1, "total_pages": 1, "page": 1}'}
LAMPS = {"id": "cat-2", "parent_id": "cat-1", "name": "Lamps", "slug": "lamps", "path": "/cat-1/cat-2/", "position": 0}
HOME = {"id": "cat-1", "parent_id": None, "name": "Home", "slug": "home", "path": "/cat-1/", "position": 0}
WATTS = {"id": "att-1", "category_id": "cat-2", "code": "watts", "label": "Power", "kind": "number", "unit": "W",
         "options": [], "required": True, "position": 0}
COLOUR = {"id": "att-0", "category_id": "cat-1", "code": "colour", "label": "Colour", "kind": "enum", "unit": None,
          "options": ["red", "blue"], "required": False, "position": 0}
PRODUCT = {"id": "p-1", "vendor_id": "ven-a", "title": "Desk lamp", "description": "Bright.", "brand": "Lumo",
           "gtin": None, "category_id": "cat-2", "attributes": {"watts": 40}, "status": "draft",
           "rejection_reason": None, "pending_changes": None, "version": 1, "updated_at": "2026-11-28T10:00:00+00:00"}
LISTED = {"id": "p-1", "title": "Desk lamp", "brand": "Lumo", "category_id": "cat-2", "status": "approved",
          "vendor_id": "ven-a", "best_price_minor": 2599, "currency": "EUR", "in_stock": True, "offer_count": 2}
CMS_PAGE = {"id": "pg-1", "slug": "delivery", "locale": "fr", "title": "Livraison", "body": "# Livraison",
            "published": False, "updated_at": "2026-11-28T10:00:00+00:00"}


def _answer_categories(stub) -> None:
    stub.answer("GET", "/api/v1/categories", [HOME, LAMPS])
    stub.answer("GET", "/api/v1/categories/cat-2", {**LAMPS, "attributes": [COLOUR, WATTS]})


def _answer_product(stub, product=PRODUCT, media=()) -> None:
    _answer_categories(stub)
    stub.answer("GET", "/api/v1/products/p-1", product)
    stub.answer("GET", "/api/v1/products/p-1/media", list(media))


# --- products
def test_a_vendor_lists_its_own_products_with_its_token(vendor_browser, stub):
    stub.answer("GET", "/api/v1/products", [LISTED], headers=PAGED)

    page = vendor_browser.get("/console/products?status=approved").get_data(as_text=True)

    call = stub.calls_to("/api/v1/products")[0]
    assert call.args == {"scope": "mine", "status": "approved", "page": "1", "page_size": "20"}
    assert call.token in stub.access_tokens and stub.access_tokens[call.token].vendor_id == "ven-a"
    assert "Desk lamp" in page and "25.99" in page


def test_an_operator_filters_every_vendors_products(operator_browser, stub):
    stub.answer("GET", "/api/v1/products", [LISTED], headers=PAGED)

    operator_browser.get("/console/products?vendor_id=ven-a&q=lamp&status=bogus")

    assert stub.calls_to("/api/v1/products")[0].args == {
        "scope": "all", "vendor_id": "ven-a", "q": "lamp", "page": "1", "page_size": "20"}


def test_the_new_product_form_shows_the_chosen_categorys_attributes(vendor_browser, stub):
    _answer_categories(stub)

    page = vendor_browser.get("/console/products/new?category_id=cat-2").get_data(as_text=True)

    assert 'name="attr:watts"' in page and 'name="attr:colour"' in page and "Power (W) *" in page


def test_creating_a_product_sends_typed_attributes_in_the_readers_language(vendor_browser, stub):
    _answer_categories(stub)
    stub.answer("POST", "/api/v1/products", {**PRODUCT, "id": "p-9"}, status=201)

    answer = vendor_browser.post("/console/products/new", headers={"Accept-Language": "fr"}, data={
        "title": "Lampe", "description": "", "brand": "", "gtin": "", "category_id": "cat-2",
        "attr:watts": "2,5", "attr:colour": "", "csrf_token": csrf_of(vendor_browser)})

    assert answer.headers["Location"] == "/console/products/p-9?notice=product-created"
    assert stub.calls_to("/api/v1/products", "POST")[0].body == {
        "title": "Lampe", "description": "", "brand": None, "gtin": None, "category_id": "cat-2",
        "attributes": {"watts": 2.5}}


def test_a_refused_product_comes_back_as_typed_with_the_apis_reasons(vendor_browser, stub):
    _answer_categories(stub)
    stub.answer("POST", "/api/v1/products", "GTIN 4006381333932 belongs to product p-3", status=409)

    answer = vendor_browser.post("/console/products/new", data={
        "title": "My typed title", "gtin": "4006381333932", "category_id": "cat-2", "attr:watts": "40",
        "csrf_token": csrf_of(vendor_browser)})
    page = answer.get_data(as_text=True)

    assert answer.status_code == 409 and "belongs to product p-3" in page
    assert 'value="My typed title"' in page and 'value="40"' in page


def test_a_number_attribute_that_is_not_a_number_is_refused_before_the_api(vendor_browser, stub):
    _answer_categories(stub)

    answer = vendor_browser.post("/console/products/new", data={
        "title": "Lamp", "category_id": "cat-2", "attr:watts": "forty", "csrf_token": csrf_of(vendor_browser)})

    assert answer.status_code == 422 and "is not a number" in answer.get_data(as_text=True)
    assert stub.calls_to("/api/v1/products", "POST") == []


def test_the_product_page_shows_fields_pending_changes_and_images(vendor_browser, stub):
    pending = {**PRODUCT, "status": "approved",
               "pending_changes": [{"field": "title", "live": "Desk lamp", "proposed": "Oak desk lamp"}]}
    image = {"id": "m-1", "kind": "image", "urls": {"original": "/api/v1/media/a.jpg",
                                                    "thumbnails": {"160": "/api/v1/media/a-160.webp"}}}
    _answer_product(stub, pending, [image])

    page = vendor_browser.get("/console/products/p-1").get_data(as_text=True)

    assert "Oak desk lamp" in page and 'value="Desk lamp"' in page and 'value="40"' in page
    assert "/api/v1/media/a-160.webp" in page and "/console/products/p-1/media/m-1/remove" in page


def test_editing_a_product_patches_its_fields(vendor_browser, stub):
    _answer_product(stub)
    stub.answer("PATCH", "/api/v1/products/p-1", PRODUCT)

    answer = vendor_browser.post("/console/products/p-1", data={
        "title": "Desk lamp", "description": "Brighter.", "brand": "Lumo", "gtin": "", "category_id": "cat-2",
        "attr:watts": "60", "attr:colour": "red", "csrf_token": csrf_of(vendor_browser)})

    assert answer.headers["Location"] == "/console/products/p-1?notice=product-saved"
    assert stub.calls_to("/api/v1/products/p-1", "PATCH")[0].body == {
        "title": "Desk lamp", "description": "Brighter.", "brand": "Lumo", "gtin": None, "category_id": "cat-2",
        "attributes": {"colour": "red", "watts": 60}}


def test_submitting_a_product_for_moderation(vendor_browser, stub):
    stub.answer("POST", "/api/v1/products/p-1/submit", {**PRODUCT, "status": "submitted"})

    answer = vendor_browser.post("/console/products/p-1/submit", data={"csrf_token": csrf_of(vendor_browser)})

    assert answer.headers["Location"] == "/console/products/p-1?notice=product-submitted"
    assert len(stub.calls_to("/api/v1/products/p-1/submit", "POST")) == 1


def test_an_operator_archives_a_product_from_the_list(operator_browser, stub):
    stub.answer("POST", "/api/v1/products/p-1/archive", {**PRODUCT, "status": "archived"})

    answer = operator_browser.post("/console/products/p-1/archive",
                                   data={"back": "list", "csrf_token": csrf_of(operator_browser)})

    assert answer.headers["Location"] == "/console/products?notice=product-archived"


def test_a_refused_archive_shows_the_apis_explanation(vendor_browser, stub):
    stub.answer("POST", "/api/v1/products/p-1/archive", "illegal transition draft -> archived", status=409)

    answer = vendor_browser.post("/console/products/p-1/archive", data={"csrf_token": csrf_of(vendor_browser)})

    assert answer.status_code == 409 and "illegal transition draft" in answer.get_data(as_text=True)


def test_a_product_the_api_hides_is_a_404_page(vendor_browser, stub):
    answer = vendor_browser.get("/console/products/another-vendors")

    assert answer.status_code == 404 and "Page not found" in answer.get_data(as_text=True)


# --- images
def test_an_image_is_uploaded_as_multipart_with_the_users_token(vendor_browser, stub):
    stub.answer("POST", "/api/v1/products/p-1/media", {"id": "m-2", "kind": "image"}, status=201)

    answer = vendor_browser.post("/console/products/p-1/media", content_type="multipart/form-data", data={
        "file": (BytesIO(b"\x89PNG fake"), "lamp.png", "image/png"), "csrf_token": csrf_of(vendor_browser)})

    call = stub.calls_to("/api/v1/products/p-1/media", "POST")[0]
    assert call.files == {"file": ("lamp.png", b"\x89PNG fake", "image/png")}
    assert call.token in stub.access_tokens
    assert answer.headers["Location"] == "/console/products/p-1?notice=image-added"


def test_a_refused_image_shows_the_apis_explanation(vendor_browser, stub):
    stub.answer("POST", "/api/v1/products/p-1/media", "not a JPEG, PNG, WebP or GIF image", status=415)

    answer = vendor_browser.post("/console/products/p-1/media", content_type="multipart/form-data", data={
        "file": (BytesIO(b"hello"), "x.png", "image/png"), "csrf_token": csrf_of(vendor_browser)})

    assert "not a JPEG, PNG, WebP or GIF image" in answer.get_data(as_text=True)


def test_removing_an_image_deletes_it(vendor_browser, stub):
    stub.answer("DELETE", "/api/v1/products/p-1/media/m-1", None, status=204)

    answer = vendor_browser.post("/console/products/p-1/media/m-1/remove", data={"csrf_token": csrf_of(vendor_browser)})

    assert len(stub.calls_to("/api/v1/products/p-1/media/m-1", "DELETE")) == 1
    assert answer.headers["Location"] == "/console/products/p-1?notice=image-removed"


# --- categories and attributes
def test_a_vendor_is_refused_the_operators_catalog_pages(vendor_browser, stub):
    pages = ["/console/categories", "/console/categories/cat-2", "/console/pages", "/console/pages/pg-1"]

    assert [vendor_browser.get(page).status_code for page in pages] == [403, 403, 403, 403]
    assert stub.calls == []


def test_the_category_tree_is_indented_by_depth(operator_browser, stub):
    _answer_categories(stub)

    page = operator_browser.get("/console/categories").get_data(as_text=True)

    assert 'style="margin-left: 1.5rem"><a href="/console/categories/cat-2">Lamps</a>' in page


def test_creating_a_category_sends_name_slug_and_parent(operator_browser, stub):
    stub.answer("POST", "/api/v1/categories", LAMPS, status=201)

    answer = operator_browser.post("/console/categories", data={
        "name": "Lamps", "slug": "lamps", "parent_id": "cat-1", "csrf_token": csrf_of(operator_browser)})

    assert stub.calls_to("/api/v1/categories", "POST")[0].body == {
        "name": "Lamps", "slug": "lamps", "parent_id": "cat-1"}
    assert answer.headers["Location"] == "/console/categories/cat-2?notice=category-created"


def test_a_category_page_lists_its_own_and_inherited_attributes(operator_browser, stub):
    _answer_categories(stub)

    page = operator_browser.get("/console/categories/cat-2").get_data(as_text=True)

    assert "/console/categories/cat-2/attributes/att-1/delete" in page
    assert "/console/categories/cat-2/attributes/att-0/delete" not in page and "Inherited" in page


def test_renaming_a_category_patches_it(operator_browser, stub):
    stub.answer("PATCH", "/api/v1/categories/cat-2", {**LAMPS, "name": "Lighting"})

    operator_browser.post("/console/categories/cat-2", data={
        "name": "Lighting", "slug": "lighting", "csrf_token": csrf_of(operator_browser)})

    assert stub.calls_to("/api/v1/categories/cat-2", "PATCH")[0].body == {"name": "Lighting", "slug": "lighting"}


def test_adding_an_enum_attribute_sends_its_options(operator_browser, stub):
    stub.answer("POST", "/api/v1/categories/cat-2/attributes", WATTS, status=201)

    operator_browser.post("/console/categories/cat-2/attributes", data={
        "code": "finish", "label": "Finish", "kind": "enum", "options": "matte, glossy", "required": "true",
        "position": "2", "csrf_token": csrf_of(operator_browser)})

    assert stub.calls_to("/api/v1/categories/cat-2/attributes", "POST")[0].body == {
        "code": "finish", "label": "Finish", "kind": "enum", "unit": None, "options": ["matte", "glossy"],
        "required": True, "position": 2}


def test_a_refused_attribute_keeps_what_was_typed(operator_browser, stub):
    _answer_categories(stub)
    stub.answer("POST", "/api/v1/categories/cat-2/attributes", "The attribute definition is invalid", status=422)

    answer = operator_browser.post("/console/categories/cat-2/attributes", data={
        "code": "Bad Code", "label": "Finish", "kind": "text", "csrf_token": csrf_of(operator_browser)})
    page = answer.get_data(as_text=True)

    assert answer.status_code == 422 and "The attribute definition is invalid" in page and 'value="Bad Code"' in page


def test_removing_an_attribute_deletes_it(operator_browser, stub):
    stub.answer("DELETE", "/api/v1/categories/cat-2/attributes/att-1", None, status=204)

    answer = operator_browser.post("/console/categories/cat-2/attributes/att-1/delete",
                                   data={"csrf_token": csrf_of(operator_browser)})

    assert answer.headers["Location"] == "/console/categories/cat-2?notice=attribute-removed"


def test_an_unknown_category_is_a_404_page(operator_browser, stub):
    assert operator_browser.get("/console/categories/nope").status_code == 404


# --- CMS pages
def test_the_cms_pages_are_listed_with_their_filters(operator_browser, stub):
    stub.answer("GET", "/api/v1/pages", [CMS_PAGE], headers=PAGED)

    page = operator_browser.get("/console/pages?published=no&locale=fr").get_data(as_text=True)

    assert stub.calls_to("/api/v1/pages")[0].args == {"locale": "fr", "published": "false", "page": "1",
                                                      "page_size": "20"}
    assert "Livraison" in page and "/console/pages/pg-1/publish" in page


def test_creating_a_cms_page_sends_its_fields(operator_browser, stub):
    stub.answer("POST", "/api/v1/pages", CMS_PAGE, status=201)

    answer = operator_browser.post("/console/pages/new", data={
        "slug": "delivery", "locale": "fr", "title": "Livraison", "body": "# Livraison",
        "csrf_token": csrf_of(operator_browser)})

    assert stub.calls_to("/api/v1/pages", "POST")[0].body == {
        "slug": "delivery", "locale": "fr", "title": "Livraison", "body": "# Livraison", "published": False}
    assert answer.headers["Location"] == "/console/pages/pg-1?notice=cms-page-created"


def test_a_taken_slug_is_explained_and_the_page_kept_as_typed(operator_browser, stub):
    stub.answer("POST", "/api/v1/pages", "slug delivery is taken in fr", status=409)

    answer = operator_browser.post("/console/pages/new", data={
        "slug": "delivery", "locale": "fr", "title": "Mon titre", "body": "Mon texte",
        "csrf_token": csrf_of(operator_browser)})
    page = answer.get_data(as_text=True)

    assert answer.status_code == 409 and "slug delivery is taken in fr" in page
    assert 'value="Mon titre"' in page and "Mon texte</textarea>" in page


def test_publishing_a_cms_page_patches_published_alone(operator_browser, stub):
    stub.answer("PATCH", "/api/v1/pages/pg-1", {**CMS_PAGE, "published": True})

    answer = operator_browser.post("/console/pages/pg-1/publish", data={"csrf_token": csrf_of(operator_browser)})

    assert stub.calls_to("/api/v1/pages/pg-1", "PATCH")[0].body == {"published": True}
    assert answer.headers["Location"] == "/console/pages/pg-1?notice=cms-page-publish"


def test_editing_a_cms_page_patches_its_fields(operator_browser, stub):
    stub.answer("PATCH", "/api/v1/pages/pg-1", CMS_PAGE)

    operator_browser.post("/console/pages/pg-1", data={
        "slug": "delivery", "locale": "fr", "title": "Livraison", "body": "Nouveau",
        "csrf_token": csrf_of(operator_browser)})

    assert stub.calls_to("/api/v1/pages/pg-1", "PATCH")[0].body == {
        "slug": "delivery", "locale": "fr", "title": "Livraison", "body": "Nouveau"}


def test_an_unknown_cms_page_is_a_404_page(operator_browser, stub):
    assert operator_browser.get("/console/pages/nope").status_code == 404


# --- moderation
def test_a_first_submission_shows_every_submitted_field_as_new(operator_browser, stub):
    stub.answer("GET", "/api/v1/products/moderation", [{**PRODUCT, "status": "submitted"}])

    page = operator_browser.get("/console/moderation").get_data(as_text=True)

    assert "Submitted fields (no approved version yet)" in page
    assert "<td>Brand</td>" in page and "<td>Lumo</td>" in page and "watts: 40" in page


def test_a_pending_edit_shows_live_and_proposed_attributes(operator_browser, stub):
    stub.answer("GET", "/api/v1/products/moderation", [{**PRODUCT, "status": "approved", "pending_changes": [
        {"field": "attributes", "live": {"watts": 40}, "proposed": {"watts": 60}}]}])

    page = operator_browser.get("/console/moderation").get_data(as_text=True)

    assert "Changes to the approved product" in page and "watts: 40" in page and "watts: 60" in page
