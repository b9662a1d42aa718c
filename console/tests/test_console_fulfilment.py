"""Vendor orders and returns over a stub gateway: partial shipments, shipments listed, return arbitration."""
from __future__ import annotations

import re

from console.testing import csrf_of

VENDOR_ORDER = {"id": "vo-1", "order_id": "ord-1", "vendor_id": "ven-a", "status": "partially_shipped",
                "currency": "EUR", "total_minor": 5000, "status_changed_at": "2026-11-21T10:00:00+00:00",
                "shipping_address": {"name": "Ada", "city": "Lyon"},
                "lines": [{"id": "line-1", "title": "Lamp", "unit_price_minor": 1000, "currency": "EUR",
                           "quantity": 3, "shipped_quantity": 1},
                          {"id": "line-2", "title": "Shade", "unit_price_minor": 2000, "currency": "EUR",
                           "quantity": 1, "shipped_quantity": 0}],
                "shipments": [{"id": "shp-1", "carrier": "Colissimo", "tracking_number": "6A123",
                               "tracking_url": "https://track.example/6A123", "shipped_at": "2026-11-21T10:00:00+00:00",
                               "lines": [{"line_id": "line-1", "quantity": 1}]}],
                "timeline": [{"at": "2026-11-21T10:00:00+00:00", "vendor_order_id": "vo-1", "from_status": "accepted",
                              "to_status": "partially_shipped", "reason": None,
                              "actor": {"kind": "user", "id": "user-ven", "roles": ["vendor"]}}]}
REFUSED_RETURN = {"id": "rma-1", "order_id": "ord-1", "vendor_order_id": "vo-1", "vendor_id": "ven-a",
                  "status": "refused", "reason_code": "damaged", "refusal_reason": "used item", "refund_minor": None,
                  "created_at": "2026-11-25T10:00:00+00:00",
                  "lines": [{"line_id": "line-1", "title": "Lamp", "unit_price_minor": 1000, "quantity": 1}]}
ADDRESS = {"name": "Atelier", "line1": "1 rue des Lampes", "line2": "", "postal_code": "69001", "city": "Lyon",
           "country": "FR", "phone": "+33 4 00 00 00 00"}


def test_a_partial_shipment_sends_only_the_chosen_lines_and_quantities(vendor_browser, stub):
    stub.answer("POST", "/api/v1/vendor-orders/vo-1/shipments", VENDOR_ORDER)

    vendor_browser.post("/console/orders/vo-1/ship", data={
        "carrier": "Colissimo", "tracking_number": "6A124", "tracking_url": "", "quantity-line-1": "1",
        "quantity-line-2": "0", "csrf_token": csrf_of(vendor_browser)})

    assert stub.calls_to("/api/v1/vendor-orders/vo-1/shipments")[0].body == {
        "carrier": "Colissimo", "tracking_number": "6A124", "lines": [{"line_id": "line-1", "quantity": 1}]}


def test_a_resent_ship_form_carries_the_same_idempotency_key(vendor_browser, stub):
    stub.answer("GET", "/api/v1/vendor-orders/vo-1", VENDOR_ORDER)
    stub.answer("POST", "/api/v1/vendor-orders/vo-1/shipments", VENDOR_ORDER)
    page = vendor_browser.get("/console/orders/vo-1").get_data(as_text=True)
    key = re.search(r'name="parcel_key" value="([^"]+)"', page).group(1)
    form = {"carrier": "DHL", "tracking_number": "JD1", "quantity-line-2": "1", "parcel_key": key,
            "csrf_token": csrf_of(vendor_browser)}

    vendor_browser.post("/console/orders/vo-1/ship", data=form)
    vendor_browser.post("/console/orders/vo-1/ship", data=form)

    assert [call.headers.get("Idempotency-Key") for call in stub.calls_to("/api/v1/vendor-orders/vo-1/shipments")] == [
        key, key]


def test_an_empty_parcel_is_refused_before_the_api_and_keeps_what_was_typed(vendor_browser, stub):
    stub.answer("GET", "/api/v1/vendor-orders/vo-1", VENDOR_ORDER)

    answer = vendor_browser.post("/console/orders/vo-1/ship", data={
        "carrier": "Colissimo", "tracking_number": "6A124", "quantity-line-1": "0", "quantity-line-2": "0",
        "csrf_token": csrf_of(vendor_browser)}, headers={"Accept-Language": "en"})

    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "Put at least one unit in the parcel." in page and 'value="6A124"' in page
    assert stub.calls_to("/api/v1/vendor-orders/vo-1/shipments") == []


def test_the_vendor_order_lists_its_shipments_with_their_units_and_what_is_left(vendor_browser, stub):
    stub.answer("GET", "/api/v1/vendor-orders/vo-1", VENDOR_ORDER)

    page = vendor_browser.get("/console/orders/vo-1", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert 'href="https://track.example/6A123"' in page and "Lamp × 1" in page
    assert 'name="quantity-line-1" value="2"' in page and "2 left to ship" in page


def test_another_vendors_order_shows_the_404_page(vendor_browser, stub):
    stub.answer("GET", "/api/v1/vendor-orders/vo-9", "not found", status=404)

    assert vendor_browser.get("/console/orders/vo-9").status_code == 404


def test_an_operator_sees_the_customer_order_of_a_vendor_order(operator_browser, stub):
    stub.answer("GET", "/api/v1/vendor-orders/vo-1", VENDOR_ORDER)

    page = operator_browser.get("/console/orders/vo-1").get_data(as_text=True)

    assert 'href="/console/customer-orders/ord-1"' in page and "/console/orders/vo-1/ship" not in page


def test_an_operator_overrules_a_refused_return_with_the_return_address(operator_browser, stub):
    stub.answer("POST", "/api/v1/returns/rma-1/approve", {**REFUSED_RETURN, "status": "approved"})

    answer = operator_browser.post("/console/returns/rma-1/approve", data={
        **ADDRESS, "rma_number": "RMA-7", "csrf_token": csrf_of(operator_browser)})

    assert stub.calls_to("/api/v1/returns/rma-1/approve")[0].body == {
        "rma_number": "RMA-7", "return_address": {**ADDRESS, "line2": None}}
    assert answer.headers["Location"].endswith("/console/returns/rma-1?notice=return-approve")


def test_a_refused_return_offers_operators_the_overrule_form(operator_browser, stub):
    stub.answer("GET", "/api/v1/returns/rma-1", REFUSED_RETURN)

    page = operator_browser.get("/console/returns/rma-1", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert "Overrule the refusal" in page and 'action="/console/returns/rma-1/approve"' in page


def test_an_overrule_the_api_refuses_shows_its_explanation(operator_browser, stub):
    stub.answer("POST", "/api/v1/returns/rma-1/approve", "only an admin operator overrules", status=403)

    answer = operator_browser.post("/console/returns/rma-1/approve", data={
        **ADDRESS, "rma_number": "RMA-7", "csrf_token": csrf_of(operator_browser)})

    assert answer.status_code == 403 and "only an admin operator overrules" in answer.get_data(as_text=True)
