"""A vendor's team and API clients: always the signed-in vendor's own, whatever the URL says."""
from __future__ import annotations

from console.testing import VENDOR, csrf_of

STAFF = "/api/v1/vendors/ven-a/staff"
CLIENTS = "/api/v1/vendors/ven-a/clients"
MEMBER = {"user_id": "u-2", "email": "packer@vendor-a.example", "role": "staff", "status": "active",
          "added_at": "2026-11-01T08:00:00+00:00"}
OWNER = {"user_id": VENDOR.sub, "email": VENDOR.email, "role": "owner", "status": "active",
         "added_at": "2026-10-01T08:00:00+00:00"}
CLIENT = {"client_id": "cl-1", "name": "Warehouse sync", "first_party": False, "grant_types": ["client_credentials"],
          "redirect_uris": [], "scopes": [], "roles": ["vendor"], "vendor_id": "ven-a",
          "created_at": "2026-11-01T08:00:00+00:00", "revoked_at": None}
SECRET = "vendor-secret-shown-once-9876"


def test_the_team_page_lists_the_vendors_own_staff_whatever_the_query_says(vendor_browser, stub):
    stub.answer("GET", STAFF, [OWNER, MEMBER])

    page = vendor_browser.get("/console/team?vendor_id=ven-b").get_data(as_text=True)

    assert "packer@vendor-a.example" in page and "/console/team/u-2/remove" in page
    assert [call.path for call in stub.calls] == [STAFF]
    assert stub.access_tokens[stub.calls[0].token] == VENDOR


def test_inviting_sends_the_email_and_role_to_the_vendors_own_staff(vendor_browser, stub):
    stub.answer("POST", STAFF, {**MEMBER, "role": "manager"}, status=201)

    answer = vendor_browser.post("/console/team?vendor_id=ven-b", data={
        "email": "packer@vendor-a.example", "role": "manager", "vendor_id": "ven-b",
        "csrf_token": csrf_of(vendor_browser)})

    assert answer.headers["Location"] == "/console/team?notice=invited"
    assert stub.calls_to(STAFF, "POST")[0].body == {"email": "packer@vendor-a.example", "role": "manager"}


def test_an_invitation_identity_refuses_shows_why_and_keeps_the_email(vendor_browser, stub):
    stub.answer("POST", STAFF, "this user already works for a vendor", status=409)
    stub.answer("GET", STAFF, [OWNER])

    answer = vendor_browser.post("/console/team", data={
        "email": "taken@example.com", "role": "staff", "csrf_token": csrf_of(vendor_browser)})

    page = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "this user already works for a vendor" in page
    assert 'value="taken@example.com"' in page


def test_removing_a_member_says_why_in_the_audit_header(vendor_browser, stub):
    stub.answer("DELETE", f"{STAFF}/u-2", None, status=204)

    answer = vendor_browser.post("/console/team/u-2/remove", data={
        "reason": "left the company", "csrf_token": csrf_of(vendor_browser)})

    assert answer.headers["Location"] == "/console/team?notice=removed"
    assert stub.calls_to(f"{STAFF}/u-2", "DELETE")[0].headers["X-Audit-Reason"] == "left the company"


def test_an_owner_gets_a_role_form_for_each_other_member_with_the_current_role_selected(vendor_browser, stub):
    stub.answer("GET", STAFF, [OWNER, MEMBER])

    page = vendor_browser.get("/console/team", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert 'action="/console/team/u-2/role"' in page and '<option value="staff" selected>' in page
    assert f'action="/console/team/{VENDOR.sub}/role"' not in page
    assert "invite them again" not in page


def test_a_manager_is_offered_no_role_or_removal_forms(vendor_browser, stub):
    stub.answer("GET", STAFF, [{**OWNER, "user_id": "u-owner"}, {**MEMBER, "user_id": VENDOR.sub, "role": "manager"}])

    page = vendor_browser.get("/console/team").get_data(as_text=True)

    assert "/role" not in page and "/remove" not in page and "packer@vendor-a.example" in page


def test_changing_a_role_sends_it_with_the_reason_to_the_vendors_own_staff(vendor_browser, stub):
    stub.answer("PATCH", f"{STAFF}/u-2", {**MEMBER, "role": "manager"})

    answer = vendor_browser.post("/console/team/u-2/role?vendor_id=ven-b", data={
        "role": "manager", "reason": "runs the warehouse", "csrf_token": csrf_of(vendor_browser)})

    call = stub.calls_to(f"{STAFF}/u-2", "PATCH")[0]
    assert answer.headers["Location"] == "/console/team?notice=role-changed"
    assert (call.body, call.headers["X-Audit-Reason"]) == ({"role": "manager"}, "runs the warehouse")
    assert stub.access_tokens[call.token] == VENDOR


def test_a_role_that_is_not_one_is_refused_before_the_api(vendor_browser, stub):
    stub.answer("GET", STAFF, [OWNER, MEMBER])

    answer = vendor_browser.post("/console/team/u-2/role", data={
        "role": "emperor", "csrf_token": csrf_of(vendor_browser)}, headers={"Accept-Language": "en"})

    assert answer.status_code == 422 and "Choose a role." in answer.get_data(as_text=True)
    assert stub.calls_to(f"{STAFF}/u-2", "PATCH") == []


def test_demoting_the_last_owner_shows_identitys_refusal_on_the_team_page(vendor_browser, stub):
    stub.answer("PATCH", f"{STAFF}/u-2", "the last owner of a vendor cannot be demoted", status=409)
    stub.answer("GET", STAFF, [OWNER, MEMBER])

    answer = vendor_browser.post("/console/team/u-2/role", data={
        "role": "staff", "csrf_token": csrf_of(vendor_browser)})

    page = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "the last owner of a vendor cannot be demoted" in page
    assert "packer@vendor-a.example" in page


def test_changing_the_role_of_someone_identity_hides_is_the_404_page(vendor_browser, stub):
    answer = vendor_browser.post("/console/team/u-other/role", data={
        "role": "owner", "csrf_token": csrf_of(vendor_browser)}, headers={"Accept-Language": "en"})

    assert answer.status_code == 404 and len(stub.calls_to(f"{STAFF}/u-other", "PATCH")) == 1


def test_a_role_change_identity_forbids_shows_its_explanation(vendor_browser, stub):
    stub.answer("PATCH", f"{STAFF}/u-2", "only the vendor's owners may do this", status=403)

    answer = vendor_browser.post("/console/team/u-2/role", data={
        "role": "owner", "csrf_token": csrf_of(vendor_browser)})

    assert answer.status_code == 403 and "only the vendor&#39;s owners may do this" in answer.get_data(as_text=True)


def test_a_new_api_clients_secret_is_shown_once_and_a_reload_of_the_list_does_not_show_it(vendor_browser, stub):
    stub.answer("POST", CLIENTS, {"client_id": "cl-9", "client_secret": SECRET}, status=201)
    stub.answer("GET", CLIENTS, [CLIENT])

    created = vendor_browser.post("/console/api-clients", data={"name": "ERP", "csrf_token": csrf_of(vendor_browser)})
    listed = vendor_browser.get("/console/api-clients")

    assert SECRET in created.get_data(as_text=True) and created.headers["Cache-Control"] == "no-store"
    assert SECRET not in listed.get_data(as_text=True) and "Warehouse sync" in listed.get_data(as_text=True)
    assert stub.calls_to(CLIENTS, "POST")[0].body == {"name": "ERP"}


def test_rotating_an_api_client_shows_its_new_secret_once(vendor_browser, stub):
    stub.answer("POST", f"{CLIENTS}/cl-1/rotate", {"client_id": "cl-1", "client_secret": SECRET})

    answer = vendor_browser.post("/console/api-clients/cl-1/rotate", data={"csrf_token": csrf_of(vendor_browser)})

    assert SECRET in answer.get_data(as_text=True) and answer.headers["Cache-Control"] == "no-store"


def test_revoking_an_api_client_deletes_the_vendors_own(vendor_browser, stub):
    stub.answer("DELETE", f"{CLIENTS}/cl-1", None, status=204)

    answer = vendor_browser.post("/console/api-clients/cl-1/revoke", data={"csrf_token": csrf_of(vendor_browser)})

    assert answer.headers["Location"] == "/console/api-clients?notice=revoked"
    assert len(stub.calls_to(f"{CLIENTS}/cl-1", "DELETE")) == 1


def test_a_manager_refused_by_identity_sees_the_explanation(vendor_browser, stub):
    stub.answer("POST", CLIENTS, "only the vendor's owners may do this", status=403)

    answer = vendor_browser.post("/console/api-clients", data={"name": "ERP", "csrf_token": csrf_of(vendor_browser)})

    assert answer.status_code == 403 and "only the vendor&#39;s owners may do this" in answer.get_data(as_text=True)


def test_an_operator_is_refused_the_vendor_team_pages(operator_browser, stub):
    assert [operator_browser.get(page).status_code for page in ("/console/team", "/console/api-clients")] == [403, 403]
    assert stub.calls == []


def test_a_team_identity_hides_is_the_404_page(vendor_browser, stub):
    answer = vendor_browser.get("/console/team", headers={"Accept-Language": "en"})

    assert answer.status_code == 404 and "Page not found" in answer.get_data(as_text=True)


def test_team_statuses_are_words_of_the_readers_language(vendor_browser, stub):
    stub.answer("GET", STAFF, [OWNER, {**MEMBER, "status": "invited"}])

    page = vendor_browser.get("/console/team", headers={"Accept-Language": "fr"}).get_data(as_text=True)

    assert "<td>Invité</td>" in page and "<td>invited</td>" not in page
