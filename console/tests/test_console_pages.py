"""Pages over a stub gateway: what each shows, what each action sends, and errors as pages."""
from __future__ import annotations

from datetime import date, timedelta

from console.testing import CUSTOMER, VENDOR, csrf_of, sign_in

SUMMARY = {"from": "2026-11-01", "to": "2026-11-30", "tz": "Europe/Paris", "vendor_id": None,
           "counts": {"orders": 1234, "captured_orders": 1000},
           "money": [{"currency": "EUR", "gmv_minor": 123456789, "average_basket_minor": 12345,
                      "net_sales_minor": 120000000}]}
SERIES = {"metric": "gmv", "granularity": "day", "points": [
    {"bucket": "2026-11-01T00:00:00+01:00", "currency": "EUR", "value": 1000},
    {"bucket": "2026-11-02T00:00:00+01:00", "currency": "EUR", "value": 5000}]}
TOP_VENDORS = [{"vendor_id": "ven-a", "currency": "EUR", "gmv_minor": 99900, "orders": 7, "units": 9}]
PENDING_VENDOR = {"id": "ven-9", "company_name": "Atelier Lumière SARL", "registration_number": "FR1",
                  "country": "FR", "contact_email": "owner@atelier.example", "status": "pending",
                  "created_at": "2026-11-28T10:00:00+00:00"}
ORDER = {"id": "vo-1", "order_id": "o-1", "vendor_id": "ven-a", "status": "awaiting_acceptance", "currency": "EUR",
         "total_minor": 2599, "status_changed_at": "2026-11-28T10:00:00+00:00", "shipments": [],
         "shipping_address": {"name": "Ada", "city": "Lyon"},
         "lines": [{"id": "line-1", "title": "Lamp", "unit_price_minor": 2599, "currency": "EUR", "quantity": 2,
                    "shipped_quantity": 0}]}


def _answer_stats(stub) -> None:
    stub.answer("GET", "/api/v1/stats/summary", SUMMARY)
    stub.answer("GET", "/api/v1/stats/series", SERIES)
    stub.answer("GET", "/api/v1/stats/top-vendors", TOP_VENDORS)
    stub.answer("GET", "/api/v1/stats/top-products", [])
    stub.answer("GET", "/api/v1/stats/top-categories", [])
    stub.answer("GET", "/api/v1/stats/funnel", {"steps": [], "conversion_rate": 0.0421})


def test_the_operator_dashboard_shows_the_periods_figures_in_english(operator_browser, stub):
    _answer_stats(stub)

    page = operator_browser.get("/console/dashboard?span=7", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert ["€1,234,567.89", "1,234", "€123.45", "4.2%", "ven-a", "<svg"] == [
        text for text in ["€1,234,567.89", "1,234", "€123.45", "4.2%", "ven-a", "<svg"] if text in page]
    today = date.today()
    assert stub.calls_to("/api/v1/stats/summary")[0].args == {
        "from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()}


def test_amounts_and_words_follow_french_when_the_browser_prefers_it(operator_browser, stub):
    _answer_stats(stub)

    page = operator_browser.get("/console/dashboard", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(
        as_text=True)

    assert "1\u202f234\u202f567,89\xa0€" in page and "Panier moyen" in page


def test_the_language_switch_wins_over_the_browser(operator_browser, stub):
    _answer_stats(stub)
    operator_browser.post("/console/locale", data={"locale": "fr", "next": "/console/dashboard",
                                                   "csrf_token": csrf_of(operator_browser)})

    page = operator_browser.get("/console/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert "Tableau de bord" in page


def test_an_explicit_period_and_its_granularity_reach_the_stats_api(operator_browser, stub):
    _answer_stats(stub)

    operator_browser.get("/console/dashboard?from=2026-01-01&to=2026-06-30")

    assert stub.calls_to("/api/v1/stats/series")[0].args == {
        "from": "2026-01-01", "to": "2026-06-30", "metric": "gmv", "granularity": "week"}


def test_the_vendor_dashboard_asks_for_the_vendors_own_figures_with_its_token(vendor_browser, stub):
    _answer_stats(stub)

    answer = vendor_browser.get("/console/vendor/dashboard")

    assert answer.status_code == 200 and "€1,234,567.89" in answer.get_data(as_text=True)
    assert stub.calls_to("/api/v1/stats/top-vendors") == []
    assert {stub.access_tokens[call.token].sub for call in stub.calls} == {VENDOR.sub}


def test_a_vendor_is_refused_the_operator_pages(vendor_browser, stub):
    pages = ["/console/dashboard", "/console/vendors", "/console/moderation"]

    assert [vendor_browser.get(page).status_code for page in pages] == [403, 403, 403]
    assert stub.calls == []


def test_the_navigation_follows_the_role(operator_browser, browser, stub):
    operator_page = operator_browser.get("/console/signed-out").get_data(as_text=True)
    vendor = browser.application.test_client()
    sign_in(vendor, stub, VENDOR)
    vendor_page = vendor.get("/console/signed-out").get_data(as_text=True)

    assert "Vendor applications" in operator_page and "My dashboard" not in operator_page
    assert "My dashboard" in vendor_page and "Vendor applications" not in vendor_page


def test_an_account_without_a_back_office_role_is_told_so(browser, stub):
    sign_in(browser, stub, CUSTOMER)

    answer = browser.get("/console/")

    assert answer.status_code == 403 and "neither role" in answer.get_data(as_text=True)


def test_home_sends_each_role_to_its_dashboard(operator_browser, stub):
    assert operator_browser.get("/console/").headers["Location"] == "/console/dashboard"


def test_approving_a_vendor_sends_the_reason_and_shows_the_new_row(operator_browser, stub):
    stub.answer("POST", "/api/v1/vendors/ven-9/approve", {**PENDING_VENDOR, "status": "approved"})

    answer = operator_browser.post("/console/vendors/ven-9/approve", data={"reason": "papers checked"},
                                   headers={"HX-Request": "true", "X-CSRF-Token": csrf_of(operator_browser)})

    assert stub.calls_to("/api/v1/vendors/ven-9/approve")[0].body == {"reason": "papers checked"}
    assert answer.status_code == 200 and "Approved." in answer.get_data(as_text=True)


def test_the_pending_vendors_are_listed_with_their_decisions(operator_browser, stub):
    stub.answer("GET", "/api/v1/vendors", [PENDING_VENDOR])

    page = operator_browser.get("/console/vendors").get_data(as_text=True)

    assert "Atelier Lumière SARL" in page and "/console/vendors/ven-9/approve" in page
    assert stub.calls_to("/api/v1/vendors")[0].args == {"status": "pending"}


def test_a_refused_decision_shows_the_apis_explanation(operator_browser, stub):
    stub.answer("POST", "/api/v1/vendors/ven-9/approve", "vendor is approved already", status=409)

    answer = operator_browser.post("/console/vendors/ven-9/approve",
                                   data={"reason": "x", "csrf_token": csrf_of(operator_browser)})

    assert answer.status_code == 409 and "vendor is approved already" in answer.get_data(as_text=True)


def test_rejecting_a_product_in_moderation_sends_the_reason(operator_browser, stub):
    stub.answer("POST", "/api/v1/products/p-1/reject", {"id": "p-1", "title": "Lamp", "status": "rejected"})

    answer = operator_browser.post("/console/moderation/p-1/reject",
                                   data={"reason": "blurry photos", "csrf_token": csrf_of(operator_browser)})

    assert (answer.status_code, answer.headers["Location"]) == (302, "/console/moderation?notice=reject")
    assert stub.calls_to("/api/v1/products/p-1/reject")[0].body == {"reason": "blurry photos"}


def test_the_moderation_queue_shows_pending_edits_field_by_field(operator_browser, stub):
    stub.answer("GET", "/api/v1/products/moderation", [{
        "id": "p-2", "title": "Chair", "vendor_id": "ven-a", "status": "approved", "updated_at": None,
        "pending_changes": [{"field": "title", "live": "Chair", "proposed": "Oak chair"}]}])

    page = operator_browser.get("/console/moderation").get_data(as_text=True)

    assert "Oak chair" in page and "/console/moderation/p-2/approve" in page


def test_a_vendor_lists_its_orders_page_by_page(vendor_browser, stub):
    stub.answer("GET", "/api/v1/vendor-orders", [ORDER],
                headers={"X-Pagination": '{"total": 41, "total_pages": 3, "page": 2}'})

    page = vendor_browser.get("/console/orders?page=2&status=accepted").get_data(as_text=True)

    assert "Page 2 of 3" in page and "€25.99" in page
    assert stub.calls_to("/api/v1/vendor-orders")[0].args == {"page": "2", "page_size": "20", "status": "accepted"}


def test_a_vendor_accepts_an_order_awaiting_acceptance(vendor_browser, stub):
    stub.answer("GET", "/api/v1/vendor-orders/vo-1", ORDER)
    stub.answer("POST", "/api/v1/vendor-orders/vo-1/accept", {**ORDER, "status": "accepted"})
    detail = vendor_browser.get("/console/orders/vo-1").get_data(as_text=True)

    answer = vendor_browser.post("/console/orders/vo-1/accept", data={"csrf_token": csrf_of(vendor_browser)})

    assert "/console/orders/vo-1/accept" in detail and "Lyon" in detail
    assert (answer.status_code, answer.headers["Location"]) == (302, "/console/orders/vo-1?notice=accept")
    assert len(stub.calls_to("/api/v1/vendor-orders/vo-1/accept", "POST")) == 1


def test_a_shipment_sends_carrier_tracking_and_the_units_of_each_line(vendor_browser, stub):
    stub.answer("POST", "/api/v1/vendor-orders/vo-1/shipments", {"id": "vo-1"}, status=201)

    vendor_browser.post("/console/orders/vo-1/ship", data={
        "carrier": "La Poste", "tracking_number": "LP123", "tracking_url": "", "quantity-line-1": "2",
        "quantity-line-2": "0", "csrf_token": csrf_of(vendor_browser)})

    assert stub.calls_to("/api/v1/vendor-orders/vo-1/shipments")[0].body == {
        "carrier": "La Poste", "tracking_number": "LP123", "lines": [{"line_id": "line-1", "quantity": 2}]}


def test_an_order_the_api_hides_is_a_404_page(vendor_browser, stub):
    answer = vendor_browser.get("/console/orders/another-vendors")

    assert answer.status_code == 404 and "Page not found" in answer.get_data(as_text=True)


def test_an_unknown_console_page_is_a_404_page(operator_browser):
    answer = operator_browser.get("/console/no/such/page")

    assert answer.status_code == 404 and "text/html" in answer.content_type


def test_an_unreachable_gateway_is_a_503_page_not_a_crash(console_app, operator_browser, stub):
    from chassis.http_client import ServiceClient
    console_app.extensions["console.gateway"] = ServiceClient("http://127.0.0.1:9", retries=0)

    answer = operator_browser.get("/console/moderation")

    assert answer.status_code == 503 and "A service is unavailable" in answer.get_data(as_text=True)


def test_an_api_failure_is_a_502_page(operator_browser, stub):
    stub.answer("GET", "/api/v1/products/moderation", "boom", status=500)

    answer = operator_browser.get("/console/moderation")

    assert answer.status_code == 502 and "could not answer" in answer.get_data(as_text=True)


def test_probes_keep_answering_json(browser):
    assert browser.get("/readyz").json["status"] == "ready"


RETURN = {"id": "rma-1", "order_id": "o-1", "vendor_order_id": "vo-1", "vendor_id": "ven-a", "status": "requested",
          "reason_code": "damaged", "refund_minor": None, "created_at": "2026-11-28T10:00:00+00:00",
          "lines": [{"line_id": "line-1", "title": "Lamp", "unit_price_minor": 2599, "quantity": 1},
                    {"line_id": "line-2", "title": "Shade", "unit_price_minor": 999, "quantity": 1}]}


def test_a_vendor_approves_a_return_with_its_address_and_rma_number(vendor_browser, stub):
    stub.answer("GET", "/api/v1/returns/rma-1", RETURN)
    stub.answer("POST", "/api/v1/returns/rma-1/approve", {**RETURN, "status": "approved"})
    assert "/console/returns/rma-1/approve" in vendor_browser.get("/console/returns/rma-1").get_data(as_text=True)

    answer = vendor_browser.post("/console/returns/rma-1/approve", data={
        "rma_number": "RMA-42", "name": "Atelier", "line1": "1 rue de la Paix", "line2": "", "postal_code": "75002",
        "city": "Paris", "country": "FR", "phone": "+33 1 23 45 67 89", "csrf_token": csrf_of(vendor_browser)})

    assert answer.headers["Location"] == "/console/returns/rma-1?notice=return-approve"
    assert stub.calls_to("/api/v1/returns/rma-1/approve")[0].body == {"rma_number": "RMA-42", "return_address": {
        "name": "Atelier", "line1": "1 rue de la Paix", "line2": None, "postal_code": "75002", "city": "Paris",
        "country": "FR", "phone": "+33 1 23 45 67 89"}}


def test_receiving_a_return_restocks_only_the_ticked_lines(vendor_browser, stub):
    stub.answer("POST", "/api/v1/returns/rma-1/receive", {**RETURN, "status": "received"})

    vendor_browser.post("/console/returns/rma-1/receive", data={
        "line_id": ["line-1", "line-2"], "restock-line-1": "on", "csrf_token": csrf_of(vendor_browser)})

    assert stub.calls_to("/api/v1/returns/rma-1/receive")[0].body == {
        "lines": [{"line_id": "line-1", "restock": True}, {"line_id": "line-2", "restock": False}]}


def test_an_operator_reads_returns_but_gets_no_vendor_actions(operator_browser, stub):
    stub.answer("GET", "/api/v1/returns/rma-1", RETURN)

    page = operator_browser.get("/console/returns/rma-1").get_data(as_text=True)

    assert "Lamp" in page and "/console/returns/rma-1/approve" not in page
    # Approving stays open to operators: it is how an admin overrules a refusal (test_console_fulfilment.py).
    assert operator_browser.post("/console/returns/rma-1/refuse",
                                 data={"csrf_token": csrf_of(operator_browser)}).status_code == 403


def test_a_refused_action_over_htmx_lands_in_the_message_area(operator_browser, stub):
    stub.answer("POST", "/api/v1/products/p-1/approve", "product is not submitted", status=409)

    answer = operator_browser.post("/console/moderation/p-1/approve",
                                   headers={"HX-Request": "true", "X-CSRF-Token": csrf_of(operator_browser)})

    assert (answer.status_code, answer.headers["HX-Retarget"]) == (409, "#messages")
    assert "product is not submitted" in answer.get_data(as_text=True) and "<html" not in answer.get_data(as_text=True)


def test_a_period_without_a_sale_shows_zero_sales_and_no_average_basket(operator_browser, stub):
    _answer_stats(stub)
    stub.answer("GET", "/api/v1/stats/summary", {**SUMMARY, "counts": {"orders": 0, "captured_orders": 0},
                                                 "money": []})

    answer = operator_browser.get("/console/dashboard", headers={"Accept-Language": "en"})

    tiles = answer.get_data(as_text=True)
    tiles = tiles[tiles.index('class="tiles"'):tiles.index("</section>")]
    assert answer.status_code == 200 and tiles.count("€0.00") == 2 and "—" in tiles


def test_the_shipping_address_reads_as_a_parcel_label(vendor_browser, stub):
    address = {"city": "Lyon", "country": "FR", "line1": "2 Quai Saint-Antoine", "line2": None, "name": "Ada Lovelace",
               "phone": "+33 4 12 34 56 78", "postal_code": "69002"}
    stub.answer("GET", "/api/v1/vendor-orders/vo-1", {**ORDER, "shipping_address": address})

    page = vendor_browser.get("/console/orders/vo-1").get_data(as_text=True)

    label = page[page.index("<address>"):page.index("</address>")]
    assert label == "<address>Ada Lovelace<br>2 Quai Saint-Antoine<br>69002 Lyon<br>FR<br>+33 4 12 34 56 78<br>"
