"""A vendor's offers: amounts typed the way the reader's language writes them, stock changes with a reason."""
from __future__ import annotations

import pytest

from console.testing import csrf_of
from console.views.offers import InvalidAmount, minor_units

OFFER = {"id": "of-1", "sku": "LAMP-1", "product_id": "p-1", "price_minor": 2599, "currency": "EUR",
         "available_quantity": 4, "reserved_quantity": 1, "active": True}


@pytest.mark.parametrize(("text", "locale", "currency", "minor"), [
    ("12.50", "en", "EUR", 1250), ("12,50", "fr", "EUR", 1250), ("1,234.5", "en", "EUR", 123450),
    ("1500", "en", "JPY", 1500)])
def test_amounts_read_as_the_locale_writes_them(text, locale, currency, minor):
    assert minor_units(text, locale=locale, currency=currency) == minor


@pytest.mark.parametrize("text", ["12.505", "-3", "twelve", "15.5"])
def test_amounts_finer_than_the_currency_or_negative_are_refused(text):
    with pytest.raises(InvalidAmount):
        minor_units(text, "JPY" if text == "15.5" else "EUR", "en")


def test_a_vendor_changes_price_and_stock_in_its_own_language(vendor_browser, stub):
    stub.answer("PATCH", "/api/v1/offers/of-1", {**OFFER, "price_minor": 1999, "available_quantity": 10})
    csrf = csrf_of(vendor_browser)

    answer = vendor_browser.post("/console/offers/of-1", headers={"Accept-Language": "fr", "HX-Request": "true"},
                                 data={"price": "19,99", "quantity": "10", "reason": "inventaire",
                                       "currency": "EUR", "csrf_token": csrf})

    assert stub.calls_to("/api/v1/offers/of-1", "PATCH")[0].body == {
        "price_minor": 1999, "quantity": 10, "reason": "inventaire"}
    assert "19,99\xa0€" in answer.get_data(as_text=True)


def test_the_offer_list_shows_stock_and_prices(vendor_browser, stub):
    stub.answer("GET", "/api/v1/offers", [OFFER], headers={"X-Pagination": '{"total": 1, "total_pages": 1, "page": 1}'})

    page = vendor_browser.get("/console/offers").get_data(as_text=True)

    assert "LAMP-1" in page and "€25.99" in page and "/console/offers/of-1" in page
