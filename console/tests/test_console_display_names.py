"""Pages name what their rows point at (products by title, vendors by company name, customers by email) where
the API names them, one call per kind of name, and fall back to the id when it does not (another vendor's, an
archived one, a service down)."""
from __future__ import annotations

PAGED = {"X-Pagination": '{"total": 1, "total_pages": 1, "page": 1}'}
EN = {"Accept-Language": "en"}
OFFER = {"id": "of-1", "sku": "LAMP-1", "product_id": "p-1", "price_minor": 2599, "currency": "EUR",
         "available_quantity": 4, "reserved_quantity": 1, "active": True}
PRODUCT = {"id": "p-1", "vendor_id": "ven-a", "title": "Desk lamp", "description": "A **bright** lamp.",
           "description_html": "<p>A <strong>bright</strong> lamp.</p>", "brand": "Lumo", "gtin": None,
           "category_id": "cat-2", "attributes": {}, "status": "submitted", "rejection_reason": None,
           "pending_changes": None, "version": 1, "created_at": "2026-11-29T09:00:00+00:00",
           "updated_at": "2026-11-29T09:00:00+00:00", "approved_at": None}
VENDOR = {"id": "ven-a", "company_name": "Lumière SARL", "status": "approved"}
LAMPS = {"id": "cat-2", "parent_id": None, "name": "Lamps", "slug": "lamps", "path": "/cat-2/", "position": 0}


def test_the_offers_page_names_each_offers_product_by_its_title_and_links_to_it(vendor_browser, stub):
    stub.answer("GET", "/api/v1/offers", [OFFER], headers=PAGED)
    stub.answer("GET", "/api/v1/products", [PRODUCT])

    page = vendor_browser.get("/console/offers", headers=EN).get_data(as_text=True)

    assert '<a href="/console/products/p-1">Desk lamp</a>' in page
    lookup = stub.calls_to("/api/v1/products", "GET")[0]
    assert (lookup.arg_lists["id"], lookup.args["scope"]) == (["p-1"], "mine")
    assert lookup.token == stub.calls_to("/api/v1/offers")[0].token


def test_an_offer_whose_product_cannot_be_read_shows_the_product_id(vendor_browser, stub):
    stub.answer("GET", "/api/v1/offers", [OFFER], headers=PAGED)
    stub.answer("GET", "/api/v1/products", [])  # not among the products the vendor may read

    page = vendor_browser.get("/console/offers", headers=EN).get_data(as_text=True)

    assert '<a href="/console/products/p-1">p-1</a>' in page


def test_the_moderation_queue_names_the_vendor_of_each_product(operator_browser, stub):
    stub.answer("GET", "/api/v1/products/moderation", [PRODUCT])
    stub.answer("GET", "/api/v1/vendors", [VENDOR])

    page = operator_browser.get("/console/moderation", headers=EN).get_data(as_text=True)

    assert "Vendor Lumière SARL" in page


def test_operators_see_vendor_names_on_the_product_list(operator_browser, stub):
    stub.answer("GET", "/api/v1/products", [{**PRODUCT, "best_price_minor": 2599, "currency": "EUR", "offer_count": 1,
                                              "in_stock": True}], headers=PAGED)
    stub.answer("GET", "/api/v1/vendors", [VENDOR])

    page = operator_browser.get("/console/products", headers=EN).get_data(as_text=True)

    assert "<td>Lumière SARL</td>" in page


def test_a_product_page_shows_its_vendor_its_category_by_name_and_its_rendered_description(operator_browser, stub):
    stub.answer("GET", "/api/v1/products/p-1", PRODUCT)
    stub.answer("GET", "/api/v1/products/p-1/media", [])
    stub.answer("GET", "/api/v1/categories", [LAMPS])
    stub.answer("GET", "/api/v1/categories/cat-2", {**LAMPS, "attributes": []})
    stub.answer("GET", "/api/v1/vendors", [VENDOR])

    page = operator_browser.get("/console/products/p-1", headers=EN).get_data(as_text=True)

    assert "Vendor Lumière SARL" in page and "<td>Lamps</td>" in page
    assert "<p>A <strong>bright</strong> lamp.</p>" in page and "**bright**" not in page


def test_operators_see_vendor_names_on_the_vendor_order_list(operator_browser, stub):
    stub.answer("GET", "/api/v1/vendor-orders", [{
        "id": "vo-1", "order_id": "ord-1", "vendor_id": "ven-a", "customer_id": "cus-7", "status": "accepted",
        "currency": "EUR", "total_minor": 4599, "status_changed_at": "2026-11-29T09:00:00+00:00"}], headers=PAGED)
    stub.answer("GET", "/api/v1/vendors", [VENDOR])

    page = operator_browser.get("/console/orders", headers=EN).get_data(as_text=True)

    assert "<td>Lumière SARL</td>" in page


def test_a_return_shows_its_reason_in_words(vendor_browser, stub):
    stub.answer("GET", "/api/v1/returns", [{"id": "ret-1", "vendor_order_id": "vo-1", "status": "requested",
                                            "reason_code": "wrong_item", "created_at": "2026-11-29T09:00:00+00:00"}],
                headers=PAGED)

    english = vendor_browser.get("/console/returns", headers=EN).get_data(as_text=True)
    french = vendor_browser.get("/console/returns", headers={"Accept-Language": "fr"}).get_data(as_text=True)

    assert "<td>Wrong item</td>" in english and "<td>Mauvais article</td>" in french


def test_a_category_page_shows_its_path_by_the_ancestors_names(operator_browser, stub):
    home = {"id": "cat-1", "parent_id": None, "name": "Home", "slug": "home", "path": "/cat-1/", "position": 0}
    lamps = {**LAMPS, "parent_id": "cat-1", "path": "/cat-1/cat-2/"}
    stub.answer("GET", "/api/v1/categories", [home, lamps])
    stub.answer("GET", "/api/v1/categories/cat-2", {**lamps, "attributes": []})

    page = operator_browser.get("/console/categories/cat-2", headers=EN).get_data(as_text=True)

    assert "Home › Lamps</p>" in page and "/cat-1/cat-2/" not in page


def test_a_payments_charges_name_their_vendor_and_link_to_the_orders(operator_browser, stub):
    stub.answer("GET", "/api/v1/payments/pay-1", {
        "id": "pay-1", "order_id": "o-1", "customer_id": "cus-1", "status": "settled", "currency": "EUR",
        "amount_minor": 2599, "captured_minor": 2599, "voided_minor": 0, "card_brand": "visa", "card_last4": "4242",
        "created_at": "2026-11-28T10:00:00+00:00", "charges": [{
            "vendor_order_id": "vo-1", "vendor_id": "ven-a", "status": "captured", "currency": "EUR",
            "amount_minor": 2599, "captured_minor": 2599, "refunded_minor": 0, "captured_at": None}]})
    stub.answer("GET", "/api/v1/refunds", [], headers=PAGED)
    stub.answer("GET", "/api/v1/vendors", [VENDOR])

    page = operator_browser.get("/console/payments/pay-1", headers=EN).get_data(as_text=True)

    assert "<td>Lumière SARL</td>" in page
    assert 'href="/console/customer-orders/o-1"' in page and 'href="/console/orders/vo-1"' in page


def test_commission_rules_name_their_vendor(operator_browser, stub):
    stub.answer("GET", "/api/v1/commission-rules", [{
        "id": "rule-1", "vendor_id": "ven-a", "category_id": None, "rate_bps": 1200, "fixed_fee_minor": 0,
        "min_minor": None, "max_minor": None, "created_at": "2026-11-01T00:00:00+00:00", "updated_at": None}],
        headers=PAGED)
    stub.answer("GET", "/api/v1/vendors", [VENDOR])

    page = operator_browser.get("/console/commission-rules", headers=EN).get_data(as_text=True)

    assert "<td>Vendor</td><td>Lumière SARL</td>" in page


ADA = {"id": "cus-7", "email": "ada@example.com", "roles": ["customer"], "status": "active"}
CUSTOMER_ORDER = {"id": "ord-1", "customer_id": "cus-7", "status": "processing", "currency": "EUR",
                  "total_minor": 4599, "created_at": "2026-11-20T09:00:00+00:00", "vendor_orders": [], "timeline": []}
CUSTOMER_PAYMENT = {"id": "pay-1", "order_id": "ord-1", "customer_id": "cus-7", "status": "authorized",
                    "currency": "EUR", "amount_minor": 4599, "captured_minor": 0, "voided_minor": 0,
                    "created_at": "2026-11-20T09:01:00+00:00", "charges": []}


def test_the_order_list_shows_each_customers_email_from_one_lookup(operator_browser, stub):
    stub.answer("GET", "/api/v1/orders", [CUSTOMER_ORDER, {**CUSTOMER_ORDER, "id": "ord-2"},
                                          {**CUSTOMER_ORDER, "id": "ord-3", "customer_id": "cus-gone"}], headers=PAGED)
    stub.answer("GET", "/api/v1/users", [ADA])

    page = operator_browser.get("/console/customer-orders", headers=EN).get_data(as_text=True)

    assert page.count("<td>ada@example.com</td>") == 2 and "<td>cus-gone</td>" in page
    assert [call.arg_lists["id"] for call in stub.calls_to("/api/v1/users")] == [["cus-7", "cus-gone"]]


def test_an_order_shows_its_customers_email(operator_browser, stub):
    stub.answer("GET", "/api/v1/orders/ord-1", CUSTOMER_ORDER)
    stub.answer("GET", "/api/v1/payments", [], headers=PAGED)
    stub.answer("GET", "/api/v1/users", [ADA])

    page = operator_browser.get("/console/customer-orders/ord-1", headers=EN).get_data(as_text=True)

    assert "Customer ada@example.com" in page


def test_the_payment_list_and_a_payment_show_the_customers_email(operator_browser, stub):
    stub.answer("GET", "/api/v1/payments", [CUSTOMER_PAYMENT], headers=PAGED)
    stub.answer("GET", "/api/v1/payments/pay-1", CUSTOMER_PAYMENT)
    stub.answer("GET", "/api/v1/refunds", [], headers=PAGED)
    stub.answer("GET", "/api/v1/users", [ADA])

    listed = operator_browser.get("/console/payments", headers=EN).get_data(as_text=True)
    shown = operator_browser.get("/console/payments/pay-1", headers=EN).get_data(as_text=True)

    assert "<td>ada@example.com</td>" in listed and "<dd>ada@example.com</dd>" in shown
    assert len(stub.calls_to("/api/v1/users")) == 2


def test_customers_show_as_ids_when_identity_cannot_answer(operator_browser, stub):
    stub.answer("GET", "/api/v1/orders", [CUSTOMER_ORDER], headers=PAGED)
    stub.answer("GET", "/api/v1/users", "Service Unavailable", status=503)

    answer = operator_browser.get("/console/customer-orders", headers=EN)

    assert answer.status_code == 200 and "<td>cus-7</td>" in answer.get_data(as_text=True)


def test_vendor_pages_never_look_users_up(vendor_browser, stub):
    stub.answer("GET", "/api/v1/vendor-orders", [{
        "id": "vo-1", "order_id": "ord-1", "vendor_id": "ven-a", "customer_id": "cus-7", "status": "accepted",
        "currency": "EUR", "total_minor": 4599, "status_changed_at": "2026-11-29T09:00:00+00:00"}], headers=PAGED)
    stub.answer("GET", "/api/v1/returns", [], headers=PAGED)

    for path in ("/console/orders", "/console/returns", "/console/customer-orders", "/console/payments"):
        vendor_browser.get(path)

    assert stub.calls_to("/api/v1/users") == [] and stub.calls_to("/api/v1/vendors") == []
