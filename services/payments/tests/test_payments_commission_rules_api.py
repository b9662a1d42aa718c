"""Commission rules over HTTP: admin operators write them (audited), operators read them, vendor staff read
the rules that apply to their vendor only; the preview shows the precedence a capture applies."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from chassis.tables import audit_log
from chassis.testing.backends import backend_name
from payments import commission_rules

RULES = "/api/v1/commission-rules"


def create(client, admin, expected_status: int = 201, **body) -> dict:
    response = client.post(RULES, json=body, headers=admin)
    assert response.status_code == expected_status, response.get_json()
    return response.get_json()


def audit_rows(uow, target_id: str) -> list[tuple]:
    with uow:
        return [(row.action, row.actor, row.before, row.after) for row in uow.session.execute(
            select(audit_log).where(audit_log.c.target_id == target_id).order_by(audit_log.c.id))]


def test_an_admin_creates_a_rule_with_its_scope_and_the_creation_is_audited(client, admin, uow):
    rule = create(client, admin, vendor_id="ven-a", category_id="books", rate_bps=800, fixed_fee_minor=50,
                  min_minor=100, max_minor=900)
    assert {key: rule[key] for key in ("scope", "vendor_id", "category_id", "rate_bps", "fixed_fee_minor",
                                       "min_minor", "max_minor")} == {
        "scope": "vendor_category", "vendor_id": "ven-a", "category_id": "books", "rate_bps": 800,
        "fixed_fee_minor": 50, "min_minor": 100, "max_minor": 900}
    assert audit_rows(uow, rule["id"]) == [("commission_rule.created", "op-admin", None, {
        "vendor_id": "ven-a", "category_id": "books", "rate_bps": 800, "fixed_fee_minor": 50, "min_minor": 100,
        "max_minor": 900})]


def test_a_rule_without_fee_or_bounds_charges_the_rate_only(client, admin):
    rule = create(client, admin, rate_bps=1200)
    assert (rule["scope"], rule["fixed_fee_minor"], rule["min_minor"], rule["max_minor"]) == ("default", 0, None, None)


@pytest.mark.parametrize("body, field", [
    ({"rate_bps": 10_001}, "rate_bps"),
    ({"rate_bps": -1}, "rate_bps"),
    ({"rate_bps": "15"}, "rate_bps"),
    ({"rate_bps": 12.5}, "rate_bps"),
    ({}, "rate_bps"),
    ({"rate_bps": 100, "fixed_fee_minor": -1}, "fixed_fee_minor"),
    ({"rate_bps": 100, "min_minor": -5}, "min_minor"),
    ({"rate_bps": 100, "min_minor": 500, "max_minor": 499}, "max_minor"),
    ({"rate_bps": 100, "vendor_id": ""}, "vendor_id"),
    ({"rate_bps": 100, "commission": 3}, "commission"),
])
def test_invalid_rules_are_refused_with_a_problem_naming_the_field(client, admin, body, field):
    response = client.post(RULES, json=body, headers=admin)
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize("scope", [{}, {"vendor_id": "ven-a"}, {"category_id": "books"},
                                   {"vendor_id": "ven-a", "category_id": "books"}])
def test_a_second_rule_for_the_same_scope_is_a_conflict_naming_the_existing_rule(client, admin, scope):
    first = create(client, admin, rate_bps=1000, **scope)
    create(client, admin, rate_bps=900, vendor_id="ven-z", category_id="other")  # another scope is fine
    response = client.post(RULES, json={"rate_bps": 500, **scope}, headers=admin)
    assert (response.status_code, response.mimetype) == (409, "application/problem+json")
    problem = response.get_json()
    assert (problem["type"], problem["existing_rule_id"]) == ("urn:marketplace:problem:commission-rule-exists",
                                                              first["id"])
    assert first["id"] in problem["detail"]


@pytest.mark.skipif(backend_name() != "postgres",
                    reason="SQLite serializes writing transactions (BEGIN IMMEDIATE): no race to lose")
def test_a_rule_created_for_the_same_scope_while_checking_is_still_a_conflict(app, client, admin, monkeypatch):
    check, competitor = commission_rules._refuse_duplicate, {}

    def racing(session, vendor_id, category_id):
        check(session, vendor_id, category_id)
        if not competitor:  # another request creates the rule between this check and the insert
            competitor["id"] = None
            with app.extensions["chassis.runtime"].uow() as other:
                competitor["id"] = commission_rules.create_rule(other, vendor_id, category_id, {"rate_bps": 1}).id
                other.commit()
    monkeypatch.setattr(commission_rules, "_refuse_duplicate", racing)
    response = client.post(RULES, json={"rate_bps": 500, "vendor_id": "ven-a"}, headers=admin)
    assert (response.status_code, response.get_json()["existing_rule_id"]) == (409, competitor["id"])


def test_updating_changes_the_terms_and_audits_before_and_after(client, admin, uow):
    rule = create(client, admin, vendor_id="ven-a", rate_bps=1000, min_minor=100)
    response = client.patch(f"{RULES}/{rule['id']}", json={"rate_bps": 700, "max_minor": 400}, headers=admin)
    assert response.status_code == 200
    assert (response.get_json()["rate_bps"], response.get_json()["max_minor"]) == (700, 400)
    action, _, before, after = audit_rows(uow, rule["id"])[-1]
    assert (action, before["rate_bps"], after["rate_bps"], before["max_minor"], after["max_minor"]) == (
        "commission_rule.updated", 1000, 700, None, 400)


def test_an_update_is_checked_against_the_terms_it_keeps(client, admin):
    rule = create(client, admin, rate_bps=1000, min_minor=500)
    response = client.patch(f"{RULES}/{rule['id']}", json={"max_minor": 100}, headers=admin)
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    assert "max_minor" in response.get_json()["errors"]


def test_a_rules_scope_cannot_be_changed_by_an_update(client, admin):
    rule = create(client, admin, vendor_id="ven-a", rate_bps=1000)
    response = client.patch(f"{RULES}/{rule['id']}", json={"vendor_id": "ven-b"}, headers=admin)
    assert response.status_code == 422
    assert client.get(f"{RULES}/{rule['id']}", headers=admin).get_json()["vendor_id"] == "ven-a"


def test_deleting_a_rule_removes_it_and_is_audited(client, admin, uow):
    rule = create(client, admin, category_id="books", rate_bps=1000)
    assert client.delete(f"{RULES}/{rule['id']}", headers=admin).status_code == 204
    assert client.get(f"{RULES}/{rule['id']}", headers=admin).status_code == 404
    assert client.delete(f"{RULES}/{rule['id']}", headers=admin).status_code == 404
    assert [row[0] for row in audit_rows(uow, rule["id"])] == ["commission_rule.created", "commission_rule.deleted"]


def test_support_operators_read_every_rule_but_change_none(client, admin, operator):
    rule = create(client, admin, vendor_id="ven-b", rate_bps=1000)
    assert [r["id"] for r in client.get(RULES, headers=operator).get_json()] == [rule["id"]]
    assert client.get(f"{RULES}/{rule['id']}", headers=operator).status_code == 200
    assert client.post(RULES, json={"rate_bps": 1}, headers=operator).status_code == 403
    assert client.patch(f"{RULES}/{rule['id']}", json={"rate_bps": 1}, headers=operator).status_code == 403
    assert client.delete(f"{RULES}/{rule['id']}", headers=operator).status_code == 403


def test_vendor_staff_read_the_rules_applying_to_their_vendor_and_never_another_vendors(client, admin, vendor_a):
    default = create(client, admin, rate_bps=1000)
    books = create(client, admin, category_id="books", rate_bps=1200)
    own = create(client, admin, vendor_id="ven-a", rate_bps=800)
    own_books = create(client, admin, vendor_id="ven-a", category_id="books", rate_bps=500)
    other = create(client, admin, vendor_id="ven-b", rate_bps=700)
    other_books = create(client, admin, vendor_id="ven-b", category_id="books", rate_bps=600)
    listed = client.get(RULES, headers=vendor_a).get_json()
    # Most specific first, as the precedence applies them.
    assert [rule["id"] for rule in listed] == [own_books["id"], own["id"], books["id"], default["id"]]
    for hidden in (other, other_books):
        response = client.get(f"{RULES}/{hidden['id']}", headers=vendor_a)
        assert (response.status_code, response.mimetype) == (404, "application/problem+json")
    assert client.get(f"{RULES}/{books['id']}", headers=vendor_a).status_code == 200
    # Asking for another vendor's rules by filter changes nothing.
    assert [r["id"] for r in client.get(f"{RULES}?vendor_id=ven-b", headers=vendor_a).get_json()] == [
        rule["id"] for rule in listed]


def test_vendor_staff_and_customers_cannot_write_rules(client, admin, vendor_a, bearer):
    rule = create(client, admin, vendor_id="ven-a", rate_bps=1000)
    customer = bearer(subject="cus-1", roles=["customer"])
    for caller in (vendor_a, customer):
        assert client.post(RULES, json={"rate_bps": 1, "vendor_id": "ven-a"}, headers=caller).status_code == 403
        assert client.patch(f"{RULES}/{rule['id']}", json={"rate_bps": 1}, headers=caller).status_code == 403
        assert client.delete(f"{RULES}/{rule['id']}", headers=caller).status_code == 403
    assert client.get(RULES, headers=customer).status_code == 403


def test_operators_list_the_rules_applying_to_one_vendor(client, admin):
    default = create(client, admin, rate_bps=1000)
    own = create(client, admin, vendor_id="ven-a", rate_bps=800)
    create(client, admin, vendor_id="ven-b", rate_bps=700)
    assert [r["id"] for r in client.get(f"{RULES}?vendor_id=ven-a", headers=admin).get_json()] == [
        own["id"], default["id"]]


# --- the precedence, through the preview

def preview(client, caller, **query) -> dict:
    response = client.get(f"{RULES}/preview", query_string=query, headers=caller)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def every_scope(client, admin):
    """A rule at each scope: default 10 %, books 12 %, ven-a 8 %, ven-a books 5 %."""
    return {scope: create(client, admin, rate_bps=rate, **where)["id"] for scope, rate, where in (
        ("default", 1000, {}), ("category", 1200, {"category_id": "books"}), ("vendor", 800, {"vendor_id": "ven-a"}),
        ("vendor_category", 500, {"vendor_id": "ven-a", "category_id": "books"}))}


@pytest.mark.parametrize("vendor_id, category_id, scope, commission", [
    ("ven-a", "books", "vendor_category", 500),  # vendor + category beats everything
    ("ven-a", "toys", "vendor", 800),  # the vendor's rule beats the default
    ("ven-a", None, "vendor", 800),
    ("ven-b", "books", "category", 1200),  # the category's rule beats the default
    ("ven-b", "toys", "default", 1000),
    ("ven-b", None, "default", 1000),
])
def test_the_preview_applies_the_most_specific_rule(client, admin, every_scope, vendor_id, category_id, scope,
                                                    commission):
    query = {"vendor_id": vendor_id, "amount_minor": 10_000, **({"category_id": category_id} if category_id else {})}
    answer = preview(client, admin, **query)
    assert (answer["rule"]["scope"], answer["rule"]["id"], answer["commission_minor"], answer["net_minor"]) == (
        scope, every_scope[scope], commission, 10_000 - commission)
    assert answer["precedence"] == ["vendor_category", "vendor", "category", "default"]


def test_without_a_default_rule_the_preview_uses_the_default_rate_setting(client, admin):
    create(client, admin, vendor_id="ven-b", rate_bps=100)
    answer = preview(client, admin, vendor_id="ven-a", category_id="books", amount_minor=2000)
    # default_commission_rate_bps is 1500: 15 % of 20.00.
    assert (answer["rule"]["id"], answer["rule"]["scope"], answer["rule"]["rate_bps"], answer["commission_minor"]) \
        == (None, "default", 1500, 300)


def test_the_preview_bounds_the_percentage_and_adds_the_fixed_fee(client, admin):
    create(client, admin, vendor_id="ven-a", rate_bps=1000, fixed_fee_minor=50, min_minor=100, max_minor=300)
    assert preview(client, admin, vendor_id="ven-a", amount_minor=10_000)["commission_minor"] == 300 + 50
    assert preview(client, admin, vendor_id="ven-a", amount_minor=500)["commission_minor"] == 100 + 50
    # Never more than the line itself.
    assert preview(client, admin, vendor_id="ven-a", amount_minor=120)["commission_minor"] == 120


def test_vendor_staff_preview_their_own_vendor_only(client, admin, vendor_a, every_scope):
    assert preview(client, vendor_a, category_id="books", amount_minor=10_000)["rule"]["scope"] == "vendor_category"
    response = client.get(f"{RULES}/preview", query_string={"vendor_id": "ven-b", "amount_minor": 100},
                          headers=vendor_a)
    assert (response.status_code, response.mimetype) == (404, "application/problem+json")


def test_operators_name_the_vendor_of_a_preview(client, admin):
    response = client.get(f"{RULES}/preview", query_string={"amount_minor": 100}, headers=admin)
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    assert "vendor_id" in response.get_json()["errors"]
