"""Operators' identity and security pages: roles, OAuth clients, the audit log, system health."""
from __future__ import annotations

import re

from console.testing import OPERATOR, csrf_of

USER = {"id": "u-1", "email": "ada@example.com", "roles": ["customer"], "status": "active",
        "created_at": "2026-11-01T08:00:00+00:00"}
CLIENT = {"client_id": "cl-1", "name": "Warehouse sync", "first_party": False, "grant_types": ["client_credentials"],
          "redirect_uris": [], "scopes": [], "roles": ["vendor"], "vendor_id": "ven-a",
          "created_at": "2026-11-01T08:00:00+00:00", "revoked_at": None}
ONE_PAGE = {"X-Pagination": '{"total": 1, "total_pages": 1, "page": 1}'}
SECRET = "s3cr3t-shown-once-0123456789"


def test_changing_roles_sends_the_ticked_roles_and_the_reason_with_the_operators_token(operator_browser, stub):
    stub.answer("PUT", "/api/v1/users/u-1/roles", {**USER, "roles": ["admin", "operator"]})

    answer = operator_browser.post("/console/users/u-1/roles", data={
        "roles": ["operator", "admin"], "reason": "joins the ops team", "csrf_token": csrf_of(operator_browser)})

    call = stub.calls_to("/api/v1/users/u-1/roles", "PUT")[0]
    assert answer.headers["Location"] == "/console/users?q=ada@example.com&notice=user-roles"
    assert call.body == {"roles": ["operator", "admin"], "reason": "joins the ops team"}
    assert stub.access_tokens[call.token] == OPERATOR


def test_a_refused_role_change_shows_identitys_explanation(operator_browser, stub):
    stub.answer("PUT", "/api/v1/users/u-1/roles", "admin and support are operator roles", status=422)

    answer = operator_browser.post("/console/users/u-1/roles", data={
        "roles": ["admin"], "reason": "x", "csrf_token": csrf_of(operator_browser)})

    assert answer.status_code == 422 and "admin and support are operator roles" in answer.get_data(as_text=True)


def test_the_users_list_offers_each_role_with_the_current_ones_ticked(operator_browser, stub):
    stub.answer("GET", "/api/v1/users", [USER], headers=ONE_PAGE)

    page = operator_browser.get("/console/users").get_data(as_text=True)

    assert 'name="roles" value="customer" checked' in page and 'name="roles" value="admin">' in page


def test_a_new_clients_secret_is_shown_once_and_not_on_the_list(operator_browser, stub):
    stub.answer("POST", "/api/v1/clients", {"client_id": "cl-9", "client_secret": SECRET}, status=201)
    stub.answer("GET", "/api/v1/clients", [CLIENT], headers=ONE_PAGE)

    created = operator_browser.post("/console/clients", data={
        "name": "Reports", "grant_type": "client_credentials", "roles": "service, operator",
        "csrf_token": csrf_of(operator_browser)})
    listed = operator_browser.get("/console/clients")

    assert SECRET in created.get_data(as_text=True) and created.headers["Cache-Control"] == "no-store"
    assert SECRET not in listed.get_data(as_text=True) and "Warehouse sync" in listed.get_data(as_text=True)
    assert stub.calls_to("/api/v1/clients", "POST")[0].body == {
        "name": "Reports", "grant_type": "client_credentials", "redirect_uris": [], "roles": ["service", "operator"],
        "scopes": [], "public": False, "first_party": False}


def test_a_client_without_a_name_is_refused_before_the_api_keeping_what_was_typed(operator_browser, stub):
    stub.answer("GET", "/api/v1/clients", [], headers=ONE_PAGE)

    answer = operator_browser.post("/console/clients", data={
        "name": " ", "grant_type": "authorization_code", "redirect_uris": "https://x.example/cb",
        "csrf_token": csrf_of(operator_browser)})

    assert answer.status_code == 422 and "https://x.example/cb</textarea>" in answer.get_data(as_text=True)
    assert stub.calls_to("/api/v1/clients", "POST") == []


def test_rotating_a_client_shows_the_new_secret_once(operator_browser, stub):
    stub.answer("POST", "/api/v1/clients/cl-1/rotate", {"client_id": "cl-1", "client_secret": SECRET})

    answer = operator_browser.post("/console/clients/cl-1/rotate", data={
        "name": "Warehouse sync", "reason": "leaked in a log", "csrf_token": csrf_of(operator_browser)})

    call = stub.calls_to("/api/v1/clients/cl-1/rotate", "POST")[0]
    assert SECRET in answer.get_data(as_text=True) and answer.headers["Cache-Control"] == "no-store"
    assert call.headers["X-Audit-Reason"] == "leaked in a log" and stub.access_tokens[call.token] == OPERATOR


def test_every_active_client_is_offered_rotation_not_only_vendors_ones(operator_browser, stub):
    service = {**CLIENT, "client_id": "cl-svc", "name": "orders", "roles": ["service"], "vendor_id": None}
    revoked = {**CLIENT, "client_id": "cl-old", "revoked_at": "2026-11-02T08:00:00+00:00"}
    stub.answer("GET", "/api/v1/clients", [CLIENT, service, revoked], headers=ONE_PAGE)

    page = operator_browser.get("/console/clients").get_data(as_text=True)

    assert "/console/clients/cl-1/rotate" in page and "/console/clients/cl-svc/rotate" in page
    assert "/console/clients/cl-old/rotate" not in page


def test_a_rotation_identity_refuses_shows_its_explanation(operator_browser, stub):
    stub.answer("POST", "/api/v1/clients/cl-1/rotate", "only an active confidential client has a secret to rotate",
                status=409)

    answer = operator_browser.post("/console/clients/cl-1/rotate", data={"csrf_token": csrf_of(operator_browser)})

    assert answer.status_code == 409 and "only an active confidential client" in answer.get_data(as_text=True)


def test_rotating_a_client_identity_does_not_know_is_the_404_page(operator_browser, stub):
    answer = operator_browser.post("/console/clients/nope/rotate", data={"csrf_token": csrf_of(operator_browser)},
                                   headers={"Accept-Language": "en"})

    assert answer.status_code == 404 and len(stub.calls_to("/api/v1/clients/nope/rotate", "POST")) == 1


def test_revoking_a_client_deletes_it_at_identity(operator_browser, stub):
    stub.answer("DELETE", "/api/v1/clients/cl-1", None, status=204)

    answer = operator_browser.post("/console/clients/cl-1/revoke", data={"csrf_token": csrf_of(operator_browser)})

    assert answer.headers["Location"] == "/console/clients?notice=revoked"
    assert len(stub.calls_to("/api/v1/clients/cl-1", "DELETE")) == 1


def test_the_audit_filters_reach_the_chosen_services_log(operator_browser, stub):
    stub.answer("GET", "/api/v1/orders/audit", [], headers=ONE_PAGE)

    operator_browser.get("/console/audit?service=orders&action=order.cancelled&actor=u-1&target_type=order"
                         "&target_id=o-1&since=2026-11-01T00:00&until=2026-11-02T12:30&page=2")

    assert stub.calls_to("/api/v1/orders/audit")[0].args == {
        "action": "order.cancelled", "actor": "u-1", "target_type": "order", "target_id": "o-1",
        "since": "2026-11-01T00:00:00+00:00", "until": "2026-11-02T12:30:00+00:00", "page": "2", "page_size": "20"}


def test_an_audit_entry_shows_its_changes_field_by_field(operator_browser, stub):
    stub.answer("GET", "/api/v1/identity/audit", [{
        "id": 7, "occurred_at": "2026-11-28T10:00:00+00:00", "actor": "user-op", "actor_roles": "operator admin",
        "action": "user.roles_changed", "target_type": "user", "target_id": "u-1", "reason": "joins the ops team",
        "before": {"roles": ["customer"]}, "after": {"roles": ["operator"]}, "request_id": "r-1"}], headers=ONE_PAGE)

    page = operator_browser.get("/console/audit").get_data(as_text=True)

    assert '<tr class="changed"><td>roles</td><td>[&#34;customer&#34;]</td><td>[&#34;operator&#34;]' in page
    assert "joins the ops team" in page


def test_a_time_that_is_not_one_is_refused_before_the_api(operator_browser, stub):
    answer = operator_browser.get("/console/audit?since=yesterday")

    assert answer.status_code == 422 and 'value="yesterday"' in answer.get_data(as_text=True)
    assert stub.calls == []


def test_the_health_page_names_a_failing_service_in_words(operator_browser, stub):
    stub.answer("GET", "/api/v1/health", {
        "type": "urn:marketplace:problem:upstreams-degraded", "title": "Degraded", "status": 503,
        "detail": "not ready: orders", "upstreams": {
            "identity": {"status": "ready", "latency_ms": 3.2, "http_status": 200},
            "orders": {"status": "unreachable", "latency_ms": 1.0, "http_status": None}}}, status=503)

    answer = operator_browser.get("/console/health", headers={"Accept-Language": "en"})

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Some services are not ready." in page
    orders_row = re.search(r'<th scope="row">orders</th>(.*?)</tr>', page, re.S).group(1)
    assert '<td class="health-unreachable"><span aria-hidden="true">✖</span> Unreachable</td>' in orders_row


def test_the_health_page_says_when_every_service_is_ready(operator_browser, stub):
    stub.answer("GET", "/api/v1/health", {"status": "ok", "upstreams": {
        "catalog": {"status": "ready", "latency_ms": 2.0, "http_status": 200}}})

    page = operator_browser.get("/console/health", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert "Every service is ready." in page and "Ready" in page


def test_a_vendor_is_refused_the_operators_security_pages(vendor_browser, stub):
    pages = ["/console/clients", "/console/audit", "/console/health"]

    assert [vendor_browser.get(page).status_code for page in pages] == [403, 403, 403]
    assert stub.calls == []


def test_a_vendors_client_shows_the_vendors_name(operator_browser, stub):
    stub.answer("GET", "/api/v1/clients", [CLIENT], headers=ONE_PAGE)
    stub.answer("GET", "/api/v1/vendors", [{"id": "ven-a", "company_name": "Atelier Lumière"}])

    page = operator_browser.get("/console/clients").get_data(as_text=True)

    assert "<td>Atelier Lumière</td>" in page
