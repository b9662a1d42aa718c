"""The audit log API (``/api/v1/<service>/audit``) on the real payments service.

Operators (admin or support) query who did what: newest first, narrowed by
action, actor, target and time, paged with ``page``/``page_size`` and the
``X-Pagination`` header.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from chassis.tables import audit_log
from chassis.testing.apps import empty_chassis_tables, migrated_app
from payments.app import definition

AUDIT = "/api/v1/payments/audit"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 1, hour, minute, tzinfo=timezone.utc)


# Oldest first, as they happened; each target_id names its entry in the assertions.
HISTORY = [
    dict(occurred_at=at(9), actor="op-alice", actor_roles="admin operator", action="settings.changed",
         target_type="settings", target_id="payments", before={"payout_minimum_minor": 1000},
         after={"payout_minimum_minor": 5000}, reason="fewer tiny payouts", request_id="req-1"),
    dict(occurred_at=at(10), actor="op-bob", actor_roles="admin operator", action="payout.approved",
         target_type="payout", target_id="po-1", before={"status": "requested"}, after={"status": "approved"},
         reason=None, request_id="req-2"),
    dict(occurred_at=at(11), actor="op-alice", actor_roles="admin operator", action="payout.approved",
         target_type="payout", target_id="po-2", before={"status": "requested"}, after={"status": "approved"},
         reason=None, request_id="req-3"),
    dict(occurred_at=at(12), actor="op-alice", actor_roles="admin operator", action="refund.issued",
         target_type="payment", target_id="pay-9", before={"refunded_minor": 0}, after={"refunded_minor": 2500},
         reason="goodwill", request_id="req-4"),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory, jwks_url):
    """One migrated payments app per module: a fresh database per test would cost more than the tests."""
    with migrated_app(definition(), tmp_path_factory.mktemp("payments"), jwks_url) as app:
        yield app


@pytest.fixture(autouse=True)
def history(app):
    """The audit log holds HISTORY, written in order (ids grow with time), and nothing else."""
    engine = app.extensions["chassis.runtime"].database.engine
    with engine.begin() as connection:
        for entry in HISTORY:
            connection.execute(audit_log.insert().values(**entry))
    yield
    empty_chassis_tables(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def support(bearer):
    return bearer(subject="op-carol", roles=["operator", "support"])


def targets(response) -> list[str]:
    """The entries of a listing, named by their target id."""
    return [entry["target_id"] for entry in response.json]


# --- who may read --------------------------------------------------------------------------------

def test_audit_log_without_a_token_is_401(client):
    response = client.get(AUDIT)

    assert (response.status_code, response.json["type"]) == (401, "urn:marketplace:problem:missing-token")


@pytest.mark.parametrize("claims", [
    {"subject": "cust-1", "roles": ["customer"]},
    {"subject": "vendor-staff-1", "roles": ["vendor"], "vendor_id": "v-1"},
    {"subject": "svc-orders", "roles": ["service"]},
], ids=["customer", "vendor", "service"])
def test_audit_log_is_refused_to_anyone_but_operators(client, bearer, claims):
    response = client.get(AUDIT, headers=bearer(**claims))

    assert (response.status_code, response.json["type"]) == (403, "urn:marketplace:problem:insufficient-role")


def test_admin_operator_reads_the_audit_log_too(client, bearer):
    response = client.get(AUDIT, headers=bearer(subject="op-alice", roles=["operator", "admin"]))

    assert (response.status_code, targets(response)) == (200, ["pay-9", "po-2", "po-1", "payments"])


# --- what it shows -------------------------------------------------------------------------------

def test_support_operator_reads_every_entry_newest_first(client, support):
    response = client.get(AUDIT, headers=support)

    assert (response.status_code, targets(response)) == (200, ["pay-9", "po-2", "po-1", "payments"])


def test_an_entry_shows_who_did_what_to_which_object_when_and_why(client, support):
    newest = client.get(AUDIT, headers=support).json[0]

    assert {key: value for key, value in newest.items() if key != "id"} == {
        "occurred_at": "2026-03-01T12:00:00+00:00", "actor": "op-alice", "actor_roles": "admin operator",
        "action": "refund.issued", "target_type": "payment", "target_id": "pay-9",
        "before": {"refunded_minor": 0}, "after": {"refunded_minor": 2500}, "reason": "goodwill",
        "request_id": "req-4",
    }


# --- filters -------------------------------------------------------------------------------------

def test_filter_by_action(client, support):
    response = client.get(AUDIT, query_string={"action": "payout.approved"}, headers=support)

    assert targets(response) == ["po-2", "po-1"]


def test_filter_by_actor(client, support):
    response = client.get(AUDIT, query_string={"actor": "op-alice"}, headers=support)

    assert targets(response) == ["pay-9", "po-2", "payments"]


def test_filter_by_target(client, support):
    response = client.get(AUDIT, query_string={"target_type": "payout", "target_id": "po-1"}, headers=support)

    assert targets(response) == ["po-1"]


def test_filters_combine(client, support):
    response = client.get(AUDIT, query_string={"action": "payout.approved", "actor": "op-alice"}, headers=support)

    assert targets(response) == ["po-2"]


def test_a_filter_matching_nothing_gives_an_empty_list(client, support):
    response = client.get(AUDIT, query_string={"actor": "op-nobody"}, headers=support)

    assert (response.status_code, response.json) == (200, [])


def test_since_is_inclusive_and_until_exclusive(client, support):
    response = client.get(AUDIT, query_string={"since": "2026-03-01T10:00:00Z", "until": "2026-03-01T12:00:00Z"},
                          headers=support)

    assert targets(response) == ["po-2", "po-1"]


def test_since_and_until_honour_their_utc_offset(client, support):
    # 12:30+02:00 is 10:30 UTC and 14:00+02:00 is 12:00 UTC.
    response = client.get(AUDIT, query_string={"since": "2026-03-01T12:30:00+02:00",
                                               "until": "2026-03-01T14:00:00+02:00"}, headers=support)

    assert targets(response) == ["po-2"]


def test_a_time_without_offset_is_422(client, support):
    response = client.get(AUDIT, query_string={"since": "2026-03-01T10:00:00"}, headers=support)

    assert (response.status_code, response.json["type"], list(response.json["errors"])) == (
        422, "urn:marketplace:problem:validation-failed", ["since"])


# --- pagination ----------------------------------------------------------------------------------

def test_first_page_holds_the_newest_entries_and_the_header_counts_them_all(client, support):
    response = client.get(AUDIT, query_string={"page_size": 3}, headers=support)

    assert targets(response) == ["pay-9", "po-2", "po-1"]
    assert json.loads(response.headers["X-Pagination"]) == {
        "total": 4, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 1, "next_page": 2}


def test_last_page_holds_the_oldest_entries(client, support):
    response = client.get(AUDIT, query_string={"page": 2, "page_size": 3}, headers=support)

    assert targets(response) == ["payments"]
    assert json.loads(response.headers["X-Pagination"]) == {
        "total": 4, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 2, "previous_page": 1}


def test_pagination_counts_only_the_filtered_entries(client, support):
    response = client.get(AUDIT, query_string={"action": "payout.approved", "page_size": 1}, headers=support)

    assert targets(response) == ["po-2"]
    assert json.loads(response.headers["X-Pagination"]) == {
        "total": 2, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 1, "next_page": 2}


def test_a_page_size_above_the_maximum_is_422(client, support):
    response = client.get(AUDIT, query_string={"page_size": 101}, headers=support)

    assert (response.status_code, response.json["type"]) == (422, "urn:marketplace:problem:validation-failed")
