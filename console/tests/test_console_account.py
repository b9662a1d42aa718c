"""Everyone's own account: password change and two-factor authentication (QR code drawn server-side)."""
from __future__ import annotations

import logging

from console.testing import VENDOR, csrf_of

ME = {"id": "user-ven", "email": VENDOR.email, "roles": ["vendor"], "vendor_id": "ven-a", "email_verified": True,
      "two_factor_enabled": False}
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
URI = f"otpauth://totp/Marketplace:{VENDOR.email}?secret={TOTP_SECRET}&issuer=Marketplace"


def test_the_account_page_offers_to_turn_two_factor_on_when_it_is_off(vendor_browser, stub):
    stub.answer("GET", "/api/v1/me", ME)

    page = vendor_browser.get("/console/account", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert VENDOR.email in page and 'action="/console/account/2fa"' in page
    assert stub.access_tokens[stub.calls_to("/api/v1/me")[0].token] == VENDOR


def test_changing_the_password_sends_the_current_and_the_new_one(vendor_browser, stub):
    stub.answer("POST", "/api/v1/me/password", None, status=204)

    answer = vendor_browser.post("/console/account/password", data={
        "current_password": "old-one-1", "new_password": "a brand new one", "new_password_again": "a brand new one",
        "csrf_token": csrf_of(vendor_browser)})

    assert answer.headers["Location"] == "/console/account?notice=password"
    assert stub.calls_to("/api/v1/me/password")[0].body == {"current_password": "old-one-1",
                                                             "new_password": "a brand new one"}


def test_two_different_new_passwords_are_refused_before_the_api(vendor_browser, stub):
    stub.answer("GET", "/api/v1/me", ME)

    answer = vendor_browser.post("/console/account/password", data={
        "current_password": "old-one-1", "new_password": "a brand new one", "new_password_again": "another",
        "csrf_token": csrf_of(vendor_browser)}, headers={"Accept-Language": "en"})

    assert answer.status_code == 422 and "The two new passwords differ." in answer.get_data(as_text=True)
    assert stub.calls_to("/api/v1/me/password") == []


def test_a_password_identity_refuses_is_explained_on_the_account_page(vendor_browser, stub):
    stub.answer("GET", "/api/v1/me", ME)
    stub.answer("POST", "/api/v1/me/password", "the current password is wrong", status=422)

    answer = vendor_browser.post("/console/account/password", data={
        "current_password": "nope", "new_password": "a brand new one", "new_password_again": "a brand new one",
        "csrf_token": csrf_of(vendor_browser)})

    assert answer.status_code == 422 and "the current password is wrong" in answer.get_data(as_text=True)


def test_enrolment_shows_a_qr_code_as_svg_and_the_secret_without_logging_or_caching_it(vendor_browser, stub, caplog):
    stub.answer("POST", "/api/v1/me/2fa", {"secret": TOTP_SECRET, "provisioning_uri": URI})
    caplog.set_level(logging.DEBUG)

    answer = vendor_browser.post("/console/account/2fa", data={"csrf_token": csrf_of(vendor_browser)})

    page = answer.get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and f'<code class="secret">{TOTP_SECRET}</code>' in page
    assert answer.headers["Cache-Control"] == "no-store"
    assert TOTP_SECRET not in caplog.text


def test_confirming_sends_the_code_and_shows_the_recovery_codes_once(vendor_browser, stub):
    stub.answer("POST", "/api/v1/me/2fa/confirm", {"recovery_codes": ["aaaa-bbbb", "cccc-dddd"]})

    answer = vendor_browser.post("/console/account/2fa/confirm", data={
        "code": " 123456 ", "provisioning_uri": URI, "csrf_token": csrf_of(vendor_browser)})

    assert "<code>aaaa-bbbb</code>" in answer.get_data(as_text=True) and answer.headers["Cache-Control"] == "no-store"
    assert stub.calls_to("/api/v1/me/2fa/confirm")[0].body == {"code": "123456"}


def test_a_wrong_first_code_shows_the_same_qr_code_again_with_identitys_explanation(vendor_browser, stub):
    stub.answer("POST", "/api/v1/me/2fa/confirm", "the code does not match", status=422)

    answer = vendor_browser.post("/console/account/2fa/confirm", data={
        "code": "000000", "provisioning_uri": URI, "csrf_token": csrf_of(vendor_browser)})

    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "the code does not match" in page
    assert "<svg" in page and TOTP_SECRET in page


def test_turning_two_factor_off_sends_the_code(vendor_browser, stub):
    stub.answer("DELETE", "/api/v1/me/2fa", None, status=204)

    answer = vendor_browser.post("/console/account/2fa/disable", data={
        "code": "654321", "csrf_token": csrf_of(vendor_browser)})

    assert answer.headers["Location"] == "/console/account?notice=2fa-off"
    assert stub.calls_to("/api/v1/me/2fa", "DELETE")[0].body == {"code": "654321"}


def test_a_refused_code_to_turn_it_off_shows_identitys_explanation(vendor_browser, stub):
    stub.answer("DELETE", "/api/v1/me/2fa", "the code does not match", status=422)

    answer = vendor_browser.post("/console/account/2fa/disable", data={
        "code": "000000", "csrf_token": csrf_of(vendor_browser)})

    assert answer.status_code == 422 and "the code does not match" in answer.get_data(as_text=True)


def test_the_account_page_needs_a_signed_in_user(browser, stub):
    answer = browser.get("/console/account")

    assert answer.status_code == 302 and answer.headers["Location"].startswith("/console/login")
