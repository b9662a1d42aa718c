"""Support operators read every operator page and change nothing, as the services rule (chassis' operator_write):
the console offers them no change and refuses one before any API call. Vendors keep their actions on shared pages."""
from __future__ import annotations

import re

import pytest

from console.sessions import SignedInUser
from console.testing import csrf_of

EN = {"Accept-Language": "en"}
ONE_PAGE = {"X-Pagination": '{"total": 1, "total_pages": 1, "page": 1}'}
NOTICE = "Your support role reads this page; changes need an admin operator."
HEADER_FORMS = {"/console/locale", "/console/logout"}  # every signed-in page's own: language and sign-out

VENDOR_APPLICATION = {"id": "ven-9", "company_name": "Atelier Lumière SARL", "registration_number": "FR1",
                      "country": "FR", "contact_email": "owner@atelier.example", "status": "pending",
                      "created_at": "2026-11-28T10:00:00+00:00"}
SUBMITTED = {"id": "p-2", "title": "Chair", "vendor_id": "ven-a", "status": "submitted", "updated_at": None,
             "pending_changes": None}
ORDER = {"id": "ord-1", "customer_id": "cus-7", "status": "processing", "status_reason": None, "currency": "EUR",
         "total_minor": 4599, "created_at": "2026-11-20T09:00:00+00:00", "vendor_orders": [], "timeline": []}
RULE = {"id": "rule-1", "scope": "vendor", "vendor_id": "ven-a", "category_id": None, "rate_bps": 1250,
        "fixed_fee_minor": 30, "min_minor": None, "max_minor": 5000, "created_at": "2026-11-01T00:00:00+00:00",
        "updated_at": None}
RUN = {"id": "run-1", "trigger": "schedule", "actor_id": None, "minimum_minor": 1000, "payout_count": 0,
       "created_at": "2026-11-29T10:00:00+00:00"}
ACCOUNT = {"id": "u-1", "email": "ada@example.com", "roles": ["customer"], "status": "active",
           "created_at": "2026-11-01T08:00:00+00:00"}
CLIENT = {"client_id": "cl-1", "name": "Warehouse sync", "first_party": False, "grant_types": ["client_credentials"],
          "redirect_uris": [], "scopes": [], "roles": ["vendor"], "vendor_id": "ven-a",
          "created_at": "2026-11-01T08:00:00+00:00", "revoked_at": None}
CMS_PAGE = {"id": "pg-1", "slug": "delivery", "locale": "fr", "title": "Livraison", "body": "# Livraison",
            "published": False, "updated_at": "2026-11-28T10:00:00+00:00"}
HOME = {"id": "cat-1", "parent_id": None, "name": "Home", "slug": "home", "path": "/cat-1/", "position": 0}
LAMPS = {"id": "cat-2", "parent_id": "cat-1", "name": "Lamps", "slug": "lamps", "path": "/cat-1/cat-2/", "position": 0,
         "attributes": [{"id": "att-1", "category_id": "cat-2", "code": "watts", "label": "Power", "kind": "number",
                         "unit": "W", "options": [], "required": True, "position": 0}]}
REFUSED_RETURN = {"id": "rma-1", "order_id": "ord-1", "vendor_order_id": "vo-1", "vendor_id": "ven-a",
                  "status": "refused", "reason_code": "damaged", "refusal_reason": "used item", "refund_minor": None,
                  "created_at": "2026-11-25T10:00:00+00:00",
                  "lines": [{"line_id": "line-1", "title": "Lamp", "unit_price_minor": 1000, "quantity": 1}]}
PRODUCT = {"id": "p-1", "vendor_id": "ven-a", "title": "Desk lamp", "description": "Bright.", "brand": "Lumo",
           "gtin": None, "category_id": "cat-2", "attributes": {}, "status": "approved", "rejection_reason": None,
           "pending_changes": None, "version": 1, "updated_at": "2026-11-28T10:00:00+00:00"}
LISTED = {"id": "p-1", "title": "Desk lamp", "brand": "Lumo", "category_id": "cat-2", "status": "approved",
          "vendor_id": "ven-a", "best_price_minor": 2599, "currency": "EUR", "in_stock": True, "offer_count": 2}
IMAGE = {"id": "m-1", "kind": "image", "urls": {"original": "/api/v1/media/a.jpg", "thumbnails": {}}}


def _answer_everything(stub) -> None:
    """What the operator pages below read."""
    for path, body in {
            "/api/v1/vendors": [VENDOR_APPLICATION], "/api/v1/products/moderation": [SUBMITTED],
            "/api/v1/orders/ord-1": ORDER, "/api/v1/commission-rules/rule-1": RULE,
            "/api/v1/payments/settings": {"payout_minimum_minor": 1000},
            "/api/v1/catalog/settings": {"moderation_enabled": True, "max_images": 10},
            "/api/v1/pages/pg-1": CMS_PAGE, "/api/v1/categories": [HOME, LAMPS], "/api/v1/categories/cat-2": LAMPS,
            "/api/v1/returns/rma-1": REFUSED_RETURN, "/api/v1/products/p-1": PRODUCT,
            "/api/v1/products/p-1/media": [IMAGE]}.items():
        stub.answer("GET", path, body)
    for path, items in {
            "/api/v1/payments": [], "/api/v1/commission-rules": [RULE], "/api/v1/payouts/runs": [RUN],
            "/api/v1/payouts/preview": [], "/api/v1/users": [ACCOUNT], "/api/v1/clients": [CLIENT],
            "/api/v1/pages": [CMS_PAGE], "/api/v1/products": [LISTED], "/api/v1/imports": []}.items():
        stub.answer("GET", path, items, headers=ONE_PAGE)


# page -> what an admin operator finds there to change it (none of it for a support operator)
OPERATOR_PAGES = {
    "/console/vendors": "/console/vendors/ven-9/approve",
    "/console/moderation": "/console/moderation/p-2/approve",
    "/console/customer-orders/ord-1": "/console/customer-orders/ord-1/force-cancel",
    "/console/commission-rules": 'action="/console/commission-rules"',
    "/console/commission-rules/rule-1": 'action="/console/commission-rules/rule-1"',
    "/console/payouts/runs": 'action="/console/payouts/runs"',
    "/console/payouts/preview": 'action="/console/payouts/runs"',
    "/console/users": "/console/users/u-1/roles",
    "/console/clients": "/console/clients/cl-1/rotate",
    "/console/settings/catalog": 'name="etag"',
    "/console/pages": "/console/pages/pg-1/publish",
    "/console/pages/pg-1": 'action="/console/pages/pg-1"',
    "/console/categories": 'action="/console/categories"',
    "/console/categories/cat-2": "/console/categories/cat-2/attributes/att-1/delete",
    "/console/returns/rma-1": "/console/returns/rma-1/approve",
    "/console/products": "/console/products/p-1/archive",
    "/console/products/p-1": "/console/products/p-1/media",
    "/console/imports": 'action="/console/imports"',
}

# every change an operator makes, with a form an admin would send
OPERATOR_CHANGES = [
    ("/console/vendors/ven-9/approve", {"reason": "papers checked"}),
    ("/console/moderation/p-2/approve", {}),
    ("/console/moderation/p-2/reject", {"reason": "blurry"}),
    ("/console/customer-orders/ord-1/force-cancel", {"reason": "fraud"}),
    ("/console/returns/rma-1/approve", {"rma_number": "RMA-7", "name": "Atelier"}),
    ("/console/commission-rules", {"rate": "12"}),
    ("/console/commission-rules/rule-1", {"rate": "10"}),
    ("/console/commission-rules/rule-1/delete", {}),
    ("/console/payouts/runs", {"idempotency_key": "k-1"}),
    ("/console/users/u-1/roles", {"roles": "operator", "reason": "x"}),
    ("/console/users/u-1/disable", {"reason": "x"}),
    ("/console/users/u-1/enable", {"reason": "x"}),
    ("/console/users/u-1/revoke-sessions", {"reason": "x"}),
    ("/console/clients", {"name": "Reports", "grant_type": "client_credentials"}),
    ("/console/clients/cl-1/rotate", {"reason": "leaked"}),
    ("/console/clients/cl-1/revoke", {}),
    ("/console/settings/catalog", {"max_images": "12", "reason": "x"}),
    ("/console/pages/new", {"slug": "faq", "locale": "fr", "title": "FAQ", "body": ""}),
    ("/console/pages/pg-1", {"slug": "delivery", "locale": "fr", "title": "Livraison", "body": ""}),
    ("/console/pages/pg-1/publish", {}),
    ("/console/categories", {"name": "Lamps", "slug": "lamps"}),
    ("/console/categories/cat-2", {"name": "Lighting", "slug": "lighting"}),
    ("/console/categories/cat-2/delete", {}),
    ("/console/categories/cat-2/attributes", {"code": "finish", "label": "Finish", "kind": "text"}),
    ("/console/categories/cat-2/attributes/att-1/delete", {}),
    ("/console/products/p-1/archive", {}),
    ("/console/products/p-1/media/m-1/remove", {}),
    ("/console/imports", {"kind": "offers", "vendor_id": "ven-a"}),
]


def _post_forms(page: str) -> set[str]:
    """The action of every POST form on the page (a form without one posts to the page itself: '')."""
    actions = set()
    for form in re.findall(r'<form\b[^>]*method="post"[^>]*>', page):
        action = re.search(r'action="([^"?]*)', form)
        actions.add(action.group(1) if action else "")
    return actions


@pytest.mark.parametrize("path", OPERATOR_PAGES)
def test_a_support_operator_reads_an_operator_page_without_a_form_to_change_it(support_browser, stub, path):
    _answer_everything(stub)

    answer = support_browser.get(path, headers=EN)

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and page.count(NOTICE) == 1
    assert _post_forms(page) == HEADER_FORMS and OPERATOR_PAGES[path] not in page


@pytest.mark.parametrize("path", OPERATOR_PAGES)
def test_an_admin_operator_finds_the_changes_on_the_same_page(operator_browser, stub, path):
    _answer_everything(stub)

    page = operator_browser.get(path, headers=EN).get_data(as_text=True)

    assert OPERATOR_PAGES[path] in page and NOTICE not in page


@pytest.mark.parametrize(("path", "form"), OPERATOR_CHANGES)
def test_a_support_operators_change_is_refused_before_any_api_call(support_browser, stub, path, form):
    answer = support_browser.post(path, data={**form, "csrf_token": csrf_of(support_browser)}, headers=EN)

    assert answer.status_code == 403 and "changes need an admin operator" in answer.get_data(as_text=True)
    assert stub.calls == []


def test_a_support_operators_change_over_htmx_is_refused_too(support_browser, stub):
    answer = support_browser.post("/console/vendors/ven-9/approve", data={"reason": "x"},
                                  headers={**EN, "HX-Request": "true", "X-CSRF-Token": csrf_of(support_browser)})

    assert answer.status_code == 403 and stub.calls == []


@pytest.mark.parametrize("path", ["/console/pages/new", "/console/customer-orders/ord-1/force-cancel"])
def test_a_page_that_is_only_a_change_form_is_refused_to_a_support_operator(support_browser, stub, path):
    answer = support_browser.get(path, headers=EN)

    assert answer.status_code == 403 and stub.calls == []


def test_a_support_operator_reads_a_cms_pages_text_and_a_rules_terms(support_browser, stub):
    _answer_everything(stub)

    cms_page = support_browser.get("/console/pages/pg-1", headers=EN).get_data(as_text=True)
    rule = support_browser.get("/console/commission-rules/rule-1", headers=EN).get_data(as_text=True)
    settings = support_browser.get("/console/settings/catalog", headers=EN).get_data(as_text=True)

    assert '<pre class="markdown"># Livraison</pre>' in cms_page
    assert "<td>12.5</td>" in rule and "<td>50.00</td>" in rule
    assert "<th>max_images</th><td><code>10</code></td>" in settings


def test_the_read_only_notice_speaks_french_too(support_browser, stub):
    _answer_everything(stub)

    page = support_browser.get("/console/vendors", headers={"Accept-Language": "fr"}).get_data(as_text=True)

    assert "les modifications demandent un opérateur admin" in page


def test_a_vendor_keeps_its_actions_on_the_pages_it_shares_with_operators(vendor_browser, stub):
    _answer_everything(stub)

    product = vendor_browser.get("/console/products/p-1", headers=EN).get_data(as_text=True)
    products = vendor_browser.get("/console/products", headers=EN).get_data(as_text=True)
    imports = vendor_browser.get("/console/imports", headers=EN).get_data(as_text=True)

    assert {"/console/products/p-1/archive", "/console/products/p-1/media",
            "/console/products/p-1/media/m-1/remove"} <= _post_forms(product)
    assert "/console/products/p-1/archive" in _post_forms(products) and "/console/imports" in _post_forms(imports)
    assert NOTICE not in product + products + imports


def test_a_vendors_change_on_a_shared_view_still_reaches_the_api(vendor_browser, stub):
    stub.answer("POST", "/api/v1/products/p-1/archive", {**PRODUCT, "status": "archived"})

    answer = vendor_browser.post("/console/products/p-1/archive", data={"csrf_token": csrf_of(vendor_browser)})

    assert answer.headers["Location"] == "/console/products/p-1?notice=product-archived"
    assert len(stub.calls_to("/api/v1/products/p-1/archive", "POST")) == 1


@pytest.mark.parametrize(("roles", "may_change", "read_only"), [
    (("operator", "admin"), True, False), (("operator", "support"), False, True), (("operator",), False, True),
    (("vendor",), False, False)])
def test_only_an_admin_operator_may_change_the_platform(roles, may_change, read_only):
    user = SignedInUser("u-1", "someone@example.com", roles, "ven-a" if "vendor" in roles else None)

    assert (user.may_change_platform, user.is_read_only_operator) == (may_change, read_only)
