"""Goodwill refunds from a vendor order's page, over the stub gateway: the form, what it sends, what comes back."""
from __future__ import annotations

import re

import pytest

from console.testing import OPERATOR, VENDOR, VENDOR_STAFF, StubUser, csrf_of, sign_in

PAGE, ACTION, API = "/console/orders/vo-1", "/console/orders/vo-1/refund", "/api/v1/vendor-orders/vo-1/refunds"
ENGLISH = {"Accept-Language": "en"}
REFUNDS = [
    {"id": "rr-1", "cause": "return", "amount_minor": 1000, "currency": "EUR", "reason": "damaged",
     "status": "refunded", "refunded_minor": 1000, "failure_reason": None, "created_at": "2026-11-22T10:00:00+00:00"},
    {"id": "rr-2", "cause": "goodwill", "amount_minor": 500, "currency": "EUR", "reason": "late parcel",
     "status": "failed", "refunded_minor": None, "failure_reason": "provider_error",
     "created_at": "2026-11-23T10:00:00+00:00"},
    {"id": "rr-3", "cause": "goodwill", "amount_minor": 700, "currency": "EUR", "reason": "scratched box",
     "status": "requested", "refunded_minor": None, "failure_reason": None, "created_at": "2026-11-24T10:00:00+00:00"}]
VENDOR_ORDER = {"id": "vo-1", "order_id": "ord-1", "vendor_id": "ven-a", "status": "delivered", "currency": "EUR",
                "total_minor": 5000, "refunded_minor": 1000, "refundable_minor": 3300,
                "captured_at": "2026-11-20T10:00:00+00:00", "status_changed_at": "2026-11-21T10:00:00+00:00",
                "lines": [{"id": "line-1", "title": "Lamp", "unit_price_minor": 5000, "currency": "EUR",
                           "quantity": 1, "shipped_quantity": 1}],
                "shipments": [], "refunds": REFUNDS, "timeline": []}
EXCEEDS = {"type": "urn:marketplace:problem:exceeds-refundable", "title": "Conflict", "status": 409,
           "detail": "at most 3300 EUR (minor units) may still be refunded on vendor order vo-1",
           "refundable_minor": 3300, "currency": "EUR", "amount_minor": 4000}


def refund_key(browser) -> str:
    page = browser.get(PAGE).get_data(as_text=True)
    return re.search(r'name="refund_key" value="([^"]+)"', page).group(1)


def refund(browser, amount: str, reason: str = "late parcel", key: str = "key-1", headers=None):
    return browser.post(ACTION, headers=headers or ENGLISH, data={
        "amount": amount, "reason": reason, "currency": "EUR", "refund_key": key, "csrf_token": csrf_of(browser)})


def token_of(stub, user) -> set[str]:
    return {token for token, holder in stub.access_tokens.items() if holder == user}


def test_the_page_lists_the_refunds_with_their_status_and_offers_what_is_still_refundable(vendor_browser, stub):
    stub.answer("GET", "/api/v1/vendor-orders/vo-1", VENDOR_ORDER)

    page = vendor_browser.get(PAGE, headers=ENGLISH).get_data(as_text=True)

    assert "€10.00 · Return" in page and "Refunded" in page and "damaged" in page
    assert "€5.00 · Goodwill" in page and "Failed</strong> (provider_error)" in page
    assert "€7.00 · Goodwill" in page and "Requested" in page
    assert "Still refundable: €33.00." in page and f'action="{ACTION}"' in page


def test_the_form_sends_the_amount_in_minor_units_the_reason_and_its_key_with_the_users_token(vendor_browser, stub):
    stub.answer("GET", "/api/v1/vendor-orders/vo-1", VENDOR_ORDER)
    stub.answer("POST", API, REFUNDS[2], status=201)
    key = refund_key(vendor_browser)

    answer = refund(vendor_browser, "12.50", "  scratched box ", key=key)

    [call] = stub.calls_to(API, "POST")
    assert call.body == {"amount_minor": 1250, "reason": "scratched box"}
    assert call.headers.get("Idempotency-Key").startswith(f"{key}-")
    assert call.token in token_of(stub, VENDOR)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"{PAGE}?notice=refund")
    shown = vendor_browser.get(answer.headers["Location"], headers=ENGLISH).get_data(as_text=True)
    assert "Refund requested: payments confirms it here." in shown


def test_an_amount_is_read_as_the_readers_language_writes_it(vendor_browser, stub):
    stub.answer("POST", API, REFUNDS[2], status=201)

    refund(vendor_browser, "12,50", headers={"Accept-Language": "fr"})

    assert stub.calls_to(API, "POST")[0].body["amount_minor"] == 1250


def test_a_resent_form_carries_the_same_key_and_another_amount_another_one(vendor_browser, stub):
    stub.answer("POST", API, REFUNDS[2], status=201)
    for amount in ("7", "7", "6"):  # sent twice, then corrected after a refusal
        refund(vendor_browser, amount, key="form-1")
    first, again, corrected = [call.headers.get("Idempotency-Key") for call in stub.calls_to(API, "POST")]
    assert first == again and corrected != first and corrected.startswith("form-1-")


def test_more_than_is_refundable_is_refused_with_what_is_left_in_money(vendor_browser, stub):
    stub.answer("POST", API, EXCEEDS, status=409)

    answer = refund(vendor_browser, "40")

    page = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "At most €33.00 may still be refunded on this vendor order." in page


def test_another_refusal_of_the_api_is_shown_as_it_explains_it(vendor_browser, stub):
    stub.answer("POST", API, {"type": "urn:marketplace:problem:not-captured", "title": "Conflict", "status": 409,
                              "detail": "vendor order vo-1 is accepted and its payment was not captured"}, status=409)

    answer = refund(vendor_browser, "5")

    assert answer.status_code == 409 and "its payment was not captured" in answer.get_data(as_text=True)


def test_an_unreadable_amount_or_a_blank_reason_is_refused_before_the_api_keeping_what_was_typed(
        vendor_browser, stub):
    stub.answer("GET", "/api/v1/vendor-orders/vo-1", VENDOR_ORDER)

    unreadable, blank, zero = refund(vendor_browser, "twelve"), refund(vendor_browser, "12", "   "), \
        refund(vendor_browser, "0")

    assert [answer.status_code for answer in (unreadable, blank, zero)] == [422, 422, 422]
    assert "an amount above zero" in unreadable.get_data(as_text=True)
    assert 'value="twelve"' in unreadable.get_data(as_text=True)
    assert "Give the reason for the refund." in blank.get_data(as_text=True)
    assert stub.calls_to(API) == []


MANAGER = StubUser("user-ven-manager", "manager@vendor-a.example", ["vendor"], vendor_id="ven-a",
                   vendor_role="manager")


@pytest.mark.parametrize("user", [OPERATOR, MANAGER], ids=["admin operator", "manager of the vendor"])
def test_an_admin_operator_or_a_manager_of_the_vendor_refunds_too(browser, stub, user):
    sign_in(browser, stub, user)
    stub.answer("GET", "/api/v1/vendor-orders/vo-1", VENDOR_ORDER)
    stub.answer("POST", API, REFUNDS[2], status=201)

    assert f'action="{ACTION}"' in browser.get(PAGE).get_data(as_text=True)
    assert refund(browser, "7").status_code == 302
    assert stub.calls_to(API, "POST")[0].token in token_of(stub, user)


def test_a_support_operator_sees_the_refunds_but_no_form_and_cannot_post(support_browser, stub):
    stub.answer("GET", "/api/v1/vendor-orders/vo-1", VENDOR_ORDER)

    page = support_browser.get(PAGE, headers=ENGLISH).get_data(as_text=True)

    assert "€5.00 · Goodwill" in page and f'action="{ACTION}"' not in page
    assert "changes need an admin operator" in page
    assert refund(support_browser, "7").status_code == 403 and stub.calls_to(API) == []


def test_no_form_before_capture_or_once_everything_was_refunded(vendor_browser, stub):
    for changed in ({"captured_at": None, "status": "awaiting_acceptance"}, {"refundable_minor": 0}):
        stub.answer("GET", "/api/v1/vendor-orders/vo-1", {**VENDOR_ORDER, **changed})
        assert f'action="{ACTION}"' not in vendor_browser.get(PAGE).get_data(as_text=True)


@pytest.fixture
def staff_browser(browser, stub):
    """Signed in as a plain staff member of ven-a: accepts and ships, does not refund."""
    sign_in(browser, stub, VENDOR_STAFF)
    return browser


def test_a_plain_staff_member_sees_the_refunds_and_who_issues_them_but_no_form(staff_browser, stub):
    stub.answer("GET", "/api/v1/vendor-orders/vo-1", VENDOR_ORDER)

    page = staff_browser.get(PAGE, headers=ENGLISH).get_data(as_text=True)
    french = staff_browser.get(PAGE, headers={"Accept-Language": "fr"}).get_data(as_text=True)

    assert "€5.00 · Goodwill" in page and f'action="{ACTION}"' not in page and 'name="amount"' not in page
    assert "Owners and managers of the vendor issue refunds." in page
    assert "Les propriétaires et les gestionnaires du vendeur émettent les remboursements." in french


def test_a_plain_staff_member_gets_the_403_page_before_any_api_call(staff_browser, stub):
    stub.answer("POST", API, REFUNDS[2], status=201)

    answer = refund(staff_browser, "7")

    assert answer.status_code == 403 and "does not have the rights" in answer.get_data(as_text=True)
    assert stub.calls_to(API) == []
