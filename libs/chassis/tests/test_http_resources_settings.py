"""The settings resource every service owns (``/api/v1/<service>/settings``), on the real payments service.

Operators read the effective settings; admins change them. Every real change is
validated, stored, audited and announced as ``settings.changed`` in the outbox.
"""
from __future__ import annotations

import threading
import pytest
from sqlalchemy import select

from chassis.events.envelope import CloudEvent, utcnow
from chassis.tables import audit_log, outbox, service_settings
from chassis.testing.apps import empty_chassis_tables, migrated_app
from contracts.registry import validate
from payments.app import definition

SETTINGS = "/api/v1/payments/settings"
AUDIT = "/api/v1/payments/audit"
DEFAULTS = {"default_commission_rate_bps": 1500, "payout_minimum_minor": 1000, "payout_every_hours": 0,
            "default_currency": "EUR", "sandbox_failing_payout_vendors": []}


@pytest.fixture(scope="module")
def app(tmp_path_factory, jwks_url):
    """One migrated payments app per module: a fresh database per test would cost more than the tests."""
    with migrated_app(definition(), tmp_path_factory.mktemp("payments"), jwks_url) as app:
        yield app


@pytest.fixture(autouse=True)
def fresh_chassis_tables(app):
    """Each test starts from the defaults: no stored settings, audit entries or events."""
    yield
    empty_chassis_tables(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin(bearer):
    return bearer(subject="op-alice", roles=["operator", "admin"])


@pytest.fixture
def support(bearer):
    return bearer(subject="op-bob", roles=["operator", "support"])


def rows(app, table):
    """Every row of a chassis table, read straight from the service's database."""
    with app.extensions["chassis.runtime"].database.engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(table)).mappings()]


def problem_of(response) -> dict:
    """The problem body without the per-request id."""
    return {key: value for key, value in response.json.items() if key != "request_id"}


# --- reading -------------------------------------------------------------------------------------

def test_reading_settings_without_a_token_is_401(client):
    response = client.get(SETTINGS)

    assert (response.status_code, response.json["type"]) == (401, "urn:marketplace:problem:missing-token")


@pytest.mark.parametrize("claims", [
    {"subject": "cust-1", "roles": ["customer"]},
    {"subject": "vendor-staff-1", "roles": ["vendor"], "vendor_id": "v-1"},
    {"subject": "svc-orders", "roles": ["service"]},
], ids=["customer", "vendor", "service"])
def test_reading_settings_is_refused_to_anyone_but_operators(client, bearer, claims):
    response = client.get(SETTINGS, headers=bearer(**claims))

    assert (response.status_code, response.json["type"]) == (403, "urn:marketplace:problem:insufficient-role")


def test_support_operator_reads_the_defaults_with_an_etag(client, support):
    response = client.get(SETTINGS, headers=support)

    assert (response.status_code, response.json) == (200, DEFAULTS)
    assert response.headers["ETag"].startswith('"') and response.headers["ETag"].endswith('"')


def test_etag_is_stable_while_settings_do_not_change(client, support):
    first = client.get(SETTINGS, headers=support)
    second = client.get(SETTINGS, headers=support)

    assert first.headers["ETag"] == second.headers["ETag"]


# --- changing ------------------------------------------------------------------------------------

def test_support_operator_may_not_change_settings(app, client, support):
    response = client.patch(SETTINGS, json={"payout_minimum_minor": 5000}, headers=support)

    assert (response.status_code, response.json["type"]) == (403, "urn:marketplace:problem:insufficient-role")
    assert rows(app, service_settings) == []


def test_admin_changes_a_setting_and_gets_the_new_values(client, admin):
    response = client.patch(SETTINGS, json={"payout_minimum_minor": 5000}, headers=admin)

    assert (response.status_code, response.json) == (200, {**DEFAULTS, "payout_minimum_minor": 5000})


def test_a_change_is_persisted(client, admin, support):
    changed = client.patch(SETTINGS, json={"default_currency": "CHF"}, headers=admin)

    read = client.get(SETTINGS, headers=support)
    assert read.json == {**DEFAULTS, "default_currency": "CHF"}
    assert read.headers["ETag"] == changed.headers["ETag"]


def test_a_change_gives_a_new_etag(client, admin):
    before = client.get(SETTINGS, headers=admin).headers["ETag"]

    after = client.patch(SETTINGS, json={"default_currency": "CHF"}, headers=admin).headers["ETag"]

    assert after != before


def test_a_change_is_audited_with_the_changed_keys_actor_and_reason(client, admin, support):
    client.patch(SETTINGS, json={"payout_minimum_minor": 5000, "default_currency": "EUR"},
                 headers={**admin, "X-Audit-Reason": "fewer tiny payouts"})

    entries = client.get(AUDIT, query_string={"action": "settings.changed"}, headers=support).json
    assert [{key: entry[key] for key in ("actor", "actor_roles", "action", "target_type", "target_id",
                                         "before", "after", "reason")} for entry in entries] == [{
        "actor": "op-alice", "actor_roles": "admin operator", "action": "settings.changed",
        "target_type": "settings", "target_id": "payments",
        "before": {"payout_minimum_minor": 1000}, "after": {"payout_minimum_minor": 5000},
        "reason": "fewer tiny payouts",
    }]


def test_a_change_is_announced_in_the_outbox_as_a_valid_settings_changed_event(app, client, admin):
    client.patch(SETTINGS, json={"default_commission_rate_bps": 1200}, headers=admin)

    [row] = rows(app, outbox)
    event = CloudEvent.from_dict(row["envelope"])
    validate(event.type, event.data)
    assert (row["event_type"], event.source, event.data) == ("settings.changed", "/marketplace/payments", {
        "service": "payments",
        "changed": {"default_commission_rate_bps": {"before": 1500, "after": 1200}},
        "actor": {"kind": "user", "id": "op-alice", "roles": ["operator"]},
    })


def test_a_change_by_a_service_client_names_the_client_as_actor(app, client, bearer):
    robot = bearer(subject="svc-console", client_id="console", roles=["operator", "admin", "service"])

    client.patch(SETTINGS, json={"default_commission_rate_bps": 1200}, headers=robot)

    [row] = rows(app, outbox)
    assert row["envelope"]["data"]["actor"] == {"kind": "client", "id": "console", "roles": ["operator", "service"]}


def test_a_patch_that_changes_nothing_answers_200_without_audit_or_event(app, client, admin):
    response = client.patch(SETTINGS, json={"default_currency": "EUR"}, headers=admin)

    assert (response.status_code, response.json) == (200, DEFAULTS)
    assert (rows(app, audit_log), rows(app, outbox), rows(app, service_settings)) == ([], [], [])


# --- refusing bad changes ------------------------------------------------------------------------

def test_an_unknown_setting_is_422_naming_it(app, client, admin):
    response = client.patch(SETTINGS, json={"payout_minimum_minor": 5000, "moderation": True}, headers=admin)

    assert (response.status_code, problem_of(response)) == (422, {
        "type": "urn:marketplace:problem:validation-failed", "title": "Unprocessable Entity", "status": 422,
        "detail": "The request did not validate; see 'errors'.", "instance": SETTINGS, "errors": {"moderation": ["unknown setting"]},
    })
    assert rows(app, service_settings) == []


@pytest.mark.parametrize("changes, field", [
    ({"payout_minimum_minor": -1}, "payout_minimum_minor"),
    ({"default_commission_rate_bps": 10_001}, "default_commission_rate_bps"),
    ({"default_commission_rate_bps": "a lot"}, "default_commission_rate_bps"),
    ({"default_commission_rate_bps": "1200"}, "default_commission_rate_bps"),
    ({"payout_minimum_minor": True}, "payout_minimum_minor"),
    ({"payout_minimum_minor": 10.5}, "payout_minimum_minor"),
    ({"default_currency": "eur"}, "default_currency"),
    ({"default_currency": "EURO"}, "default_currency"),
    ({"default_currency": 978}, "default_currency"),
], ids=["negative", "above-maximum", "string-for-int", "numeric-string-for-int", "boolean-for-int",
        "fraction-for-int", "lowercase-currency",
        "long-currency", "number-for-currency"])
def test_an_invalid_value_is_422_with_errors_by_field_and_changes_nothing(app, client, admin, changes, field):
    response = client.patch(SETTINGS, json=changes, headers=admin)

    assert (response.status_code, response.json["type"], list(response.json["errors"])) == (
        422, "urn:marketplace:problem:validation-failed", [field])
    assert (rows(app, service_settings), rows(app, audit_log), rows(app, outbox)) == ([], [], [])


def test_one_invalid_value_refuses_the_valid_ones_sent_with_it(app, client, admin, support):
    response = client.patch(SETTINGS, json={"payout_minimum_minor": 5000, "default_currency": "eur"}, headers=admin)

    assert (response.status_code, response.json["errors"]) == (
        422, {"default_currency": ["String should match pattern '^[A-Z]{3}$'"]})
    assert client.get(SETTINGS, headers=support).json == DEFAULTS


@pytest.mark.parametrize("body", ['[{"payout_minimum_minor": 5000}]', '"payout_minimum_minor"', "5000", "{}",
                                  "not json"], ids=["array", "string", "number", "empty-object", "malformed"])
def test_a_body_that_is_not_a_non_empty_json_object_is_400(client, admin, body):
    response = client.patch(SETTINGS, data=body, content_type="application/json", headers=admin)

    assert (response.status_code, response.json["type"]) == (400, "urn:marketplace:problem:bad-request")


# --- conditional updates -------------------------------------------------------------------------

def test_if_match_with_a_stale_etag_is_412_and_changes_nothing(client, admin, support):
    stale = client.get(SETTINGS, headers=support).headers["ETag"]
    client.patch(SETTINGS, json={"payout_minimum_minor": 2000}, headers=admin)

    response = client.patch(SETTINGS, json={"payout_minimum_minor": 3000}, headers={**admin, "If-Match": stale})

    assert (response.status_code, response.json["type"]) == (412, "urn:marketplace:problem:precondition-failed")
    assert client.get(SETTINGS, headers=support).json["payout_minimum_minor"] == 2000


def test_if_match_with_the_current_etag_applies_the_change(client, admin):
    current = client.get(SETTINGS, headers=admin).headers["ETag"]

    response = client.patch(SETTINGS, json={"payout_minimum_minor": 3000}, headers={**admin, "If-Match": current})

    assert (response.status_code, response.json) == (200, {**DEFAULTS, "payout_minimum_minor": 3000})


def test_if_match_listing_the_current_etag_among_others_applies_the_change(client, admin):
    current = client.get(SETTINGS, headers=admin).headers["ETag"]

    response = client.patch(SETTINGS, json={"payout_minimum_minor": 3000},
                            headers={**admin, "If-Match": f'"0123456789abcdef", {current}'})

    assert response.status_code == 200


def test_if_match_star_applies_the_change(client, admin):
    response = client.patch(SETTINGS, json={"payout_minimum_minor": 3000}, headers={**admin, "If-Match": "*"})

    assert response.status_code == 200


def test_if_match_with_a_weak_etag_is_412_because_if_match_compares_strongly(client, admin):
    current = client.get(SETTINGS, headers=admin).headers["ETag"]

    response = client.patch(SETTINGS, json={"payout_minimum_minor": 3000},
                            headers={**admin, "If-Match": f"W/{current}"})

    assert response.status_code == 412


def test_concurrent_changes_holding_the_same_etag_let_exactly_one_through(app, admin):
    etag = app.test_client().get(SETTINGS, headers=admin).headers["ETag"]
    contenders = 6
    start = threading.Barrier(contenders)
    statuses: list[int] = []

    def change(minimum: int) -> None:
        start.wait()
        response = app.test_client().patch(SETTINGS, json={"payout_minimum_minor": minimum},
                                           headers={**admin, "If-Match": etag})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=change, args=(2000 + n,)) for n in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [200] + [412] * (contenders - 1)


def test_a_hot_path_reuses_recent_settings_and_sees_this_processs_changes_at_once(app, client, admin):
    from chassis.runtime_settings import current
    from payments.settings import PaymentsRuntimeSettings
    runtime = app.extensions["chassis.runtime"]
    with runtime.uow() as uow:
        assert current(uow.session, PaymentsRuntimeSettings, max_age=60).payout_minimum_minor == 1000
    with runtime.database.engine.begin() as connection:  # another process's change, straight to the table
        connection.execute(service_settings.insert().values(key="payout_minimum_minor", value=5, updated_at=utcnow(),
                                                            updated_by="elsewhere"))
    with runtime.uow() as uow:
        assert current(uow.session, PaymentsRuntimeSettings, max_age=60).payout_minimum_minor == 1000
        assert current(uow.session, PaymentsRuntimeSettings).payout_minimum_minor == 5
    etag = client.get(SETTINGS, headers=admin).headers["ETag"]
    changed = client.patch(SETTINGS, json={"payout_minimum_minor": 7}, headers={**admin, "If-Match": etag})
    assert changed.status_code == 200
    with runtime.uow() as uow:
        assert current(uow.session, PaymentsRuntimeSettings, max_age=60).payout_minimum_minor == 7


def test_a_reason_sent_as_utf8_is_audited_whole(client, admin, support):
    reason = "soldes d’été, 5 € de moins"
    # On the wire a header is bytes: UTF-8 here, which the WSGI server hands over as Latin-1 characters.
    client.patch(SETTINGS, json={"payout_minimum_minor": 500},
                 headers={**admin, "X-Audit-Reason": reason.encode().decode("latin-1")})

    [entry] = client.get(AUDIT, query_string={"action": "settings.changed"}, headers=support).json
    assert entry["reason"] == reason
