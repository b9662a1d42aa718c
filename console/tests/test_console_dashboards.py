"""Dashboards over a stub gateway: names instead of ids, the reporting time zone, conversion, low stock."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SUMMARY = {"from": "2026-11-01", "to": "2026-11-30", "tz": "Europe/Paris", "vendor_id": None,
           "counts": {"orders": 12, "captured_orders": 10},
           "money": [{"currency": "EUR", "gmv_minor": 100000, "average_basket_minor": 10000,
                      "net_sales_minor": 90000}]}
SERIES = {"metric": "gmv", "granularity": "day", "points": [
    {"bucket": "2026-11-01T00:00:00+01:00", "currency": "EUR", "value": 1000}]}
TOP_VENDORS = [{"vendor_id": "ven-a", "currency": "EUR", "gmv_minor": 60000, "orders": 6, "units": 7},
               {"vendor_id": "ven-gone", "currency": "EUR", "gmv_minor": 40000, "orders": 4, "units": 4}]
TOP_PRODUCTS = [{"product_id": "prd-1", "vendor_id": "ven-a", "currency": "EUR", "gmv_minor": 50000, "orders": 5,
                 "units": 5}]
TOP_CATEGORIES = [{"category_id": "cat-1", "currency": "EUR", "gmv_minor": 50000, "orders": 5, "units": 5},
                  {"category_id": None, "currency": "EUR", "gmv_minor": 100, "orders": 1, "units": 1}]
FUNNEL = {"steps": [{"step": "sessions", "count": 400, "share_of_sessions": 1.0},
                    {"step": "orders", "count": 12, "share_of_sessions": 0.03}], "conversion_rate": 0.03}
LOW_STOCK = [{"offer_id": "off-1", "vendor_id": "ven-a", "product_id": "prd-1", "sku": "LAMP-BRASS", "active": True,
              "available_quantity": 2, "reserved_quantity": 1, "threshold": 5}]


def _answer_stats(stub) -> None:
    stub.answer("GET", "/api/v1/stats/summary", SUMMARY)
    stub.answer("GET", "/api/v1/stats/series", SERIES)
    stub.answer("GET", "/api/v1/stats/top-vendors", TOP_VENDORS)
    stub.answer("GET", "/api/v1/stats/top-products", TOP_PRODUCTS)
    stub.answer("GET", "/api/v1/stats/top-categories", TOP_CATEGORIES)
    stub.answer("GET", "/api/v1/stats/funnel", FUNNEL)
    stub.answer("GET", "/api/v1/vendors", [{"id": "ven-a", "company_name": "Atelier Lumière"}])
    stub.answer("GET", "/api/v1/products", [{"id": "prd-1", "title": "Brass lamp"}])
    stub.answer("GET", "/api/v1/categories", [{"id": "cat-1", "name": "Lighting"}, {"id": "cat-2", "name": "Rugs"}])
    stub.answer("GET", "/api/v1/stock/low", LOW_STOCK, headers={"X-Pagination": '{"total": 1}'})


def _top_tables(page: str) -> str:
    return page[page.index('class="tops"'):]


def test_top_lists_show_names_instead_of_ids(operator_browser, stub):
    _answer_stats(stub)

    tops = _top_tables(operator_browser.get("/console/dashboard").get_data(as_text=True))

    assert ["Atelier Lumière", "Brass lamp", "Lighting"] == [
        name for name in ["Atelier Lumière", "Brass lamp", "Lighting"] if name in tops]
    assert "ven-a" not in tops and "prd-1" not in tops and "cat-1" not in tops


def test_a_name_that_cannot_be_read_falls_back_to_the_id(operator_browser, stub):
    _answer_stats(stub)  # ven-gone is not in identity's answer

    tops = _top_tables(operator_browser.get("/console/dashboard", headers={"Accept-Language": "en"}).get_data(
        as_text=True))

    assert "ven-gone" in tops and "Uncategorised" in tops


def test_names_take_one_call_for_the_vendors_one_for_the_products_and_one_for_every_category(operator_browser, stub):
    _answer_stats(stub)

    operator_browser.get("/console/dashboard")

    assert [len(stub.calls_to(path)) for path in ("/api/v1/vendors", "/api/v1/products", "/api/v1/categories")] == [
        1, 1, 1]
    assert stub.calls_to("/api/v1/vendors")[0].arg_lists["id"] == ["ven-a", "ven-gone"]
    assert stub.calls_to("/api/v1/products")[0].arg_lists == {"id": ["prd-1"], "scope": ["all"], "page": ["1"],
                                                               "page_size": ["1"]}


def test_a_vendors_dashboard_looks_its_products_up_in_its_own_scope(vendor_browser, stub):
    _answer_stats(stub)

    vendor_browser.get("/console/vendor/dashboard")

    assert stub.calls_to("/api/v1/products")[0].args["scope"] == "mine"


def test_the_dashboard_says_its_days_are_the_reporting_time_zones(operator_browser, stub):
    _answer_stats(stub)

    page = operator_browser.get("/console/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert "days in the Europe/Paris time zone" in page


def test_a_named_span_ends_today_in_the_reporting_time_zone(operator_browser, stub):
    _answer_stats(stub)
    # UTC+14: from 10:00 UTC its today is already tomorrow in UTC, whatever the hour the test runs.
    stub.answer("GET", "/api/v1/stats/summary", {**SUMMARY, "tz": "Pacific/Kiritimati"})

    operator_browser.get("/console/dashboard?span=7")

    local_today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    assert [stub.calls_to(path)[-1].args["to"] for path in ("/api/v1/stats/summary", "/api/v1/stats/series")] == [
        local_today.isoformat()] * 2


def test_the_operator_dashboard_shows_conversion_and_the_funnel(operator_browser, stub):
    _answer_stats(stub)

    page = operator_browser.get("/console/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert "Conversion funnel" in page and "3.0%" in page and "400" in page


def test_the_vendor_dashboard_shows_low_stock_and_average_basket(vendor_browser, stub):
    _answer_stats(stub)

    page = vendor_browser.get("/console/vendor/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert "LAMP-BRASS" in page and "Average basket" in page and "€100.00" in page and "Brass lamp" in page
    assert stub.calls_to("/api/v1/stock/low")[0].args == {"page": "1", "page_size": "10"}


def test_the_vendor_dashboard_still_shows_sales_when_stock_cannot_be_read(vendor_browser, stub):
    _answer_stats(stub)
    stub.answer("GET", "/api/v1/stock/low", "Service Unavailable", status=503)

    answer = vendor_browser.get("/console/vendor/dashboard", headers={"Accept-Language": "en"})

    assert answer.status_code == 200 and "Stock levels cannot be shown right now." in answer.get_data(as_text=True)


def test_a_vendor_gets_the_403_page_on_the_operator_dashboard(vendor_browser, stub):
    assert vendor_browser.get("/console/dashboard").status_code == 403
