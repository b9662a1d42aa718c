"""The settings page: a form built from each service's settings, sending only changes, conditionally."""
from __future__ import annotations

from chassis.audit import audit_reason
from console.testing import csrf_of

SETTINGS = {"moderation_enabled": True, "trusted_vendor_ids": ["ven-a"], "currency": "EUR", "max_images": 10}
PATH = "/api/v1/catalog/settings"


def test_each_setting_gets_a_field_of_its_type(operator_browser, stub):
    stub.answer("GET", PATH, SETTINGS, headers={"ETag": '"v1"'})

    page = operator_browser.get("/console/settings/catalog").get_data(as_text=True)

    assert 'type="checkbox" id="setting-moderation_enabled" name="moderation_enabled" checked' in page
    assert '>[&#34;ven-a&#34;]</textarea>' in page and 'type="number"' in page and 'value="&#34;v1&#34;"' in page


def test_only_changed_settings_are_sent_with_the_etag_read_and_the_reason(operator_browser, stub):
    stub.answer("GET", PATH, SETTINGS, headers={"ETag": '"v1"'})
    stub.answer("PATCH", PATH, {**SETTINGS, "moderation_enabled": False, "max_images": 12})

    answer = operator_browser.post("/console/settings/catalog", data={
        "trusted_vendor_ids": '["ven-a"]', "currency": "EUR", "max_images": "12", "etag": '"v1"',
        "reason": "holiday rush", "csrf_token": csrf_of(operator_browser)})

    call = stub.calls_to(PATH, "PATCH")[0]
    assert answer.headers["Location"] == "/console/settings/catalog?notice=settings"
    assert call.body == {"moderation_enabled": False, "max_images": 12}
    assert (call.headers["If-Match"], call.headers["X-Audit-Reason"]) == ('"v1"', "holiday rush")


def test_a_value_that_does_not_read_as_its_type_is_refused_before_the_api(operator_browser, stub):
    stub.answer("GET", PATH, SETTINGS)

    answer = operator_browser.post("/console/settings/catalog", data={
        "trusted_vendor_ids": "[not json", "currency": "EUR", "max_images": "10", "moderation_enabled": "on",
        "reason": "x", "csrf_token": csrf_of(operator_browser)})

    assert answer.status_code == 422 and "trusted_vendor_ids" in answer.get_data(as_text=True)
    assert stub.calls_to(PATH, "PATCH") == []


def test_an_unknown_service_has_no_settings_page(operator_browser, stub):
    assert operator_browser.get("/console/settings/gateway").status_code == 404
    assert stub.calls == []


def test_operators_search_users_and_the_filters_reach_identity(operator_browser, stub):
    stub.answer("GET", "/api/v1/users", [{"id": "u-1", "email": "ada@example.com", "roles": ["customer"],
                                          "status": "active", "created_at": "2026-11-01T08:00:00+00:00"}],
                headers={"X-Pagination": '{"total": 1, "total_pages": 1, "page": 1}'})

    page = operator_browser.get("/console/users?q=ada&status=active").get_data(as_text=True)

    assert "ada@example.com" in page and "/console/users/u-1/disable" in page
    assert stub.calls_to("/api/v1/users")[0].args == {"q": "ada", "status": "active", "page": "1", "page_size": "20"}


def test_disabling_an_account_sends_the_reason(operator_browser, stub):
    stub.answer("POST", "/api/v1/users/u-1/disable", {"id": "u-1", "email": "ada@example.com", "roles": [],
                                                       "status": "disabled", "created_at": None})

    answer = operator_browser.post("/console/users/u-1/disable", data={"reason": "fraud",
                                                                       "csrf_token": csrf_of(operator_browser)},
                                   headers={"HX-Request": "true"})

    assert stub.calls_to("/api/v1/users/u-1/disable")[0].body == {"reason": "fraud"}
    assert "Account disabled." in answer.get_data(as_text=True) and "/console/users/u-1/enable" in answer.get_data(
        as_text=True)


def test_a_reason_beyond_latin1_reaches_the_service_whole_on_one_line(operator_browser, stub):
    stub.answer("GET", PATH, SETTINGS, headers={"ETag": '"v1"'})
    stub.answer("PATCH", PATH, {**SETTINGS, "max_images": 12})

    answer = operator_browser.post("/console/settings/catalog", data={
        "trusted_vendor_ids": '["ven-a"]', "currency": "EUR", "max_images": "12", "etag": '"v1"',
        "reason": "soldes d’été\r\n5 € de moins", "csrf_token": csrf_of(operator_browser)})

    assert answer.status_code == 302
    assert audit_reason(stub.calls_to(PATH, "PATCH")[0].headers) == "soldes d’été 5 € de moins"
