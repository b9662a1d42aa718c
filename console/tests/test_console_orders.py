"""Operator order pages over a stub gateway: the filtered list, the detail with its timeline, force-cancel."""
from __future__ import annotations

from console.testing import csrf_of

ORDER = {"id": "ord-1", "customer_id": "cus-7", "status": "processing", "status_reason": None, "currency": "EUR",
         "total_minor": 4599, "created_at": "2026-11-20T09:00:00+00:00",
         "vendor_orders": [{"id": "vo-1", "vendor_id": "ven-a", "status": "accepted", "currency": "EUR",
                            "total_minor": 4599, "refunded_minor": 0, "refunds": [],
                            "lines": [{"id": "line-1", "title": "Brass lamp", "unit_price_minor": 4599,
                                       "currency": "EUR", "quantity": 1, "shipped_quantity": 0,
                                       "returned_quantity": 0}]}],
         # Deliberately out of order: the page shows the history oldest first.
         "timeline": [
             {"at": "2026-11-20T09:05:00+00:00", "vendor_order_id": "vo-1", "from_status": "awaiting_acceptance",
              "to_status": "accepted", "reason": None,
              "actor": {"kind": "user", "id": "user-ven", "roles": ["vendor"]}},
             {"at": "2026-11-20T09:00:00+00:00", "vendor_order_id": None, "from_status": None,
              "to_status": "pending", "reason": None, "actor": {"kind": "user", "id": "cus-7", "roles": ["customer"]}},
             {"at": "2026-11-20T09:01:00+00:00", "vendor_order_id": None, "from_status": "awaiting_payment",
              "to_status": "processing", "reason": None, "actor": {"kind": "system", "id": None}}]}
PAYMENT = {"id": "pay-1", "order_id": "ord-1", "status": "authorized", "currency": "EUR", "amount_minor": 4599,
           "card_brand": "visa", "card_last4": "4242", "created_at": "2026-11-20T09:01:00+00:00",
           "charges": [{"vendor_order_id": "vo-1", "vendor_id": "ven-a", "status": "captured", "currency": "EUR",
                        "amount_minor": 4599, "captured_minor": 4599, "refunded_minor": 0}]}


def _answer_order(stub) -> None:
    stub.answer("GET", "/api/v1/orders/ord-1", ORDER)
    stub.answer("GET", "/api/v1/payments", [PAYMENT])


def test_the_order_list_sends_the_operators_filters_to_the_orders_api(operator_browser, stub):
    stub.answer("GET", "/api/v1/orders", [ORDER])

    page = operator_browser.get("/console/customer-orders", query_string={
        "status": "processing", "vendor_id": "ven-a", "customer_id": "cus-7", "created_from": "2026-11-01",
        "created_to": "2026-11-30", "min_total": "10", "max_total": "99.90"}).get_data(as_text=True)

    assert stub.calls_to("/api/v1/orders")[0].args == {
        "status": "processing", "vendor_id": "ven-a", "customer_id": "cus-7", "created_from": "2026-11-01",
        "created_to": "2026-11-30", "min_total": "1000", "max_total": "9990", "page": "1", "page_size": "20"}
    assert "/console/customer-orders/ord-1" in page and "€45.99" in page


def test_an_unreadable_filter_is_explained_and_kept_without_asking_the_api(operator_browser, stub):
    answer = operator_browser.get("/console/customer-orders", query_string={
        "created_from": "2026-11-31", "min_total": "lots"}, headers={"Accept-Language": "en"})

    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and stub.calls_to("/api/v1/orders") == []
    assert "A day, as YYYY-MM-DD." in page and "An amount, such as 12.50." in page and 'value="lots"' in page


def test_days_or_totals_the_wrong_way_round_are_refused_before_the_api(operator_browser, stub):
    answer = operator_browser.get("/console/customer-orders", query_string={
        "created_from": "2026-11-30", "created_to": "2026-11-01", "min_total": "50", "max_total": "5"},
        headers={"Accept-Language": "en"})

    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and stub.calls_to("/api/v1/orders") == []
    assert "The first day is after the last." in page and "The minimum is above the maximum." in page


def test_the_order_detail_shows_its_vendor_orders_payment_and_timeline_oldest_first(operator_browser, stub):
    _answer_order(stub)

    page = operator_browser.get("/console/customer-orders/ord-1", headers={"Accept-Language": "en"}).get_data(
        as_text=True)

    assert stub.calls_to("/api/v1/payments")[0].args["order_id"] == "ord-1"
    assert "/console/orders/vo-1" in page and "Brass lamp" in page and "visa •••• 4242" in page
    history = page[page.index("Timeline"):]
    assert history.index("2026-11-20T09:00") < history.index("2026-11-20T09:01") < history.index("2026-11-20T09:05")
    assert "Awaiting payment → <strong>Processing</strong>" in history and "the marketplace" in history


def test_the_order_detail_still_shows_when_payments_cannot_answer(operator_browser, stub):
    stub.answer("GET", "/api/v1/orders/ord-1", ORDER)
    stub.answer("GET", "/api/v1/payments", "Service Unavailable", status=503)

    answer = operator_browser.get("/console/customer-orders/ord-1", headers={"Accept-Language": "en"})

    assert answer.status_code == 200 and "The payment cannot be shown right now." in answer.get_data(as_text=True)


def test_force_cancel_asks_for_confirmation_before_anything_is_sent(operator_browser, stub):
    _answer_order(stub)

    page = operator_browser.get("/console/customer-orders/ord-1/force-cancel").get_data(as_text=True)

    assert 'name="reason" required' in page and stub.calls_to("/api/v1/orders/ord-1/force-cancel") == []


def test_force_cancel_sends_the_reason_with_the_operators_token(operator_browser, stub):
    _answer_order(stub)
    stub.answer("POST", "/api/v1/orders/ord-1/force-cancel", {**ORDER, "status": "cancelled"})

    answer = operator_browser.post("/console/customer-orders/ord-1/force-cancel", data={
        "reason": "fraud suspected", "csrf_token": csrf_of(operator_browser)})

    call = stub.calls_to("/api/v1/orders/ord-1/force-cancel")[0]
    assert (call.body, call.token in stub.access_tokens) == ({"reason": "fraud suspected"}, True)
    assert answer.headers["Location"].endswith("/console/customer-orders/ord-1?notice=force-cancel")


def test_force_cancel_without_a_reason_is_refused_before_the_api(operator_browser, stub):
    _answer_order(stub)

    answer = operator_browser.post("/console/customer-orders/ord-1/force-cancel", data={
        "reason": "  ", "csrf_token": csrf_of(operator_browser)}, headers={"Accept-Language": "en"})

    assert answer.status_code == 422 and "Give the reason" in answer.get_data(as_text=True)
    assert stub.calls_to("/api/v1/orders/ord-1/force-cancel") == []


def test_force_cancel_without_the_csrf_token_is_refused(operator_browser, stub):
    _answer_order(stub)

    answer = operator_browser.post("/console/customer-orders/ord-1/force-cancel", data={"reason": "fraud"})

    assert answer.status_code == 403 and stub.calls_to("/api/v1/orders/ord-1/force-cancel") == []


def test_a_refused_force_cancel_shows_the_apis_detail(operator_browser, stub):
    _answer_order(stub)
    stub.answer("POST", "/api/v1/orders/ord-1/force-cancel", "vendor order vo-1 was delivered", status=409)

    answer = operator_browser.post("/console/customer-orders/ord-1/force-cancel", data={
        "reason": "fraud", "csrf_token": csrf_of(operator_browser)})

    assert answer.status_code == 409 and "vendor order vo-1 was delivered" in answer.get_data(as_text=True)


def test_a_vendor_gets_the_403_page_on_the_operators_order_pages(vendor_browser, stub):
    _answer_order(stub)

    statuses = [vendor_browser.get(path).status_code for path in (
        "/console/customer-orders", "/console/customer-orders/ord-1", "/console/customer-orders/ord-1/force-cancel")]

    assert statuses == [403, 403, 403] and stub.calls_to("/api/v1/orders/ord-1") == []


def test_an_unknown_order_shows_the_404_page(operator_browser, stub):
    answer = operator_browser.get("/console/customer-orders/ord-404", headers={"Accept-Language": "en"})

    assert answer.status_code == 404 and "Page not found" in answer.get_data(as_text=True)


def test_the_vendor_orders_list_links_operators_to_the_customer_order(operator_browser, stub):
    stub.answer("GET", "/api/v1/vendor-orders", [{"id": "vo-1", "order_id": "ord-1", "vendor_id": "ven-a",
                                                  "status": "accepted", "currency": "EUR", "total_minor": 4599,
                                                  "status_changed_at": "2026-11-20T09:05:00+00:00"}])

    page = operator_browser.get("/console/orders").get_data(as_text=True)

    assert 'href="/console/customer-orders/ord-1"' in page
