"""UnitOfWork: one transaction for the change, its outbox events and its audit entries."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, delete, insert, select

from chassis import context
from chassis.db import Database
from chassis.tables import audit_log, metadata as chassis_metadata, outbox
from chassis.testing.backends import Backend, backend_name
from chassis.uow import UnitOfWork
from contracts.registry import InvalidEvent, UnknownEventType
from payments.app import definition as payments_definition

demo_metadata = MetaData()
widgets = Table("widgets", demo_metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                Column("name", String(50), nullable=False))

VOIDED = {"payment_id": "pay-1", "order_id": "ord-1", "vendor_order_id": "vo-1", "vendor_id": "ven-1",
          "amount_minor": 1250, "currency": "EUR"}


class Boom(Exception):
    pass


@dataclass(frozen=True)
class Caller:
    subject: str
    roles: frozenset[str]


@pytest.fixture(scope="module")
def shared_database(tmp_path_factory):
    # One database per module: creating a PostgreSQL database per test costs about a second.
    chosen = Backend(backend_name(), tmp_path_factory.mktemp("uow"))
    database = Database.connect(chosen.database_url("demo"))
    chassis_metadata.create_all(database.engine)
    demo_metadata.create_all(database.engine)
    yield database
    database.dispose()
    chosen.cleanup()


@pytest.fixture
def database(shared_database):
    """The module's database, emptied."""
    with shared_database.engine.begin() as connection:
        for table in (widgets, outbox, audit_log):
            connection.execute(delete(table))
    return shared_database


@pytest.fixture
def uow(database):
    return UnitOfWork(database.sessions, "demo")


def add_widget(uow: UnitOfWork, widget_id: int, name: str = "widget") -> None:
    uow.session.execute(insert(widgets).values(id=widget_id, name=name))


def stored(database: Database, table: Table) -> list[dict]:
    with database.engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(table).order_by(table.c.id)).mappings()]


def widget_ids(database: Database) -> list[int]:
    return [row["id"] for row in stored(database, widgets)]


def test_commit_persists_the_change(uow, database):
    with uow:
        add_widget(uow, 1)
        uow.commit()

    assert widget_ids(database) == [1]


def test_leaving_the_block_without_commit_discards_the_change(uow, database):
    with uow:
        add_widget(uow, 1)

    assert widget_ids(database) == []


def test_exception_in_the_block_discards_the_change_and_propagates(uow, database):
    with pytest.raises(Boom):
        with uow:
            add_widget(uow, 1)
            raise Boom()

    assert widget_ids(database) == []


def test_rollback_discards_what_was_written_before_it(uow, database):
    with uow:
        add_widget(uow, 1)
        uow.rollback()
        add_widget(uow, 2)
        uow.commit()

    assert widget_ids(database) == [2]


def test_unit_of_work_can_be_reused_for_a_new_transaction(uow, database):
    with uow:
        add_widget(uow, 1)
        uow.commit()
    with uow:
        add_widget(uow, 2)
        uow.commit()

    assert widget_ids(database) == [1, 2]


def test_commit_outside_the_block_raises(uow):
    with pytest.raises(RuntimeError, match="outside its 'with' block"):
        uow.commit()


def test_inner_commit_does_not_end_the_outer_transaction(uow, database):
    with uow:
        add_widget(uow, 1)
        with uow:
            add_widget(uow, 2)
            uow.commit()

    assert widget_ids(database) == []


def test_inner_commit_makes_its_change_visible_to_the_outer_block(uow):
    with uow:
        with uow:
            add_widget(uow, 1, "inner")
            uow.commit()
        assert uow.session.execute(select(widgets.c.name)).scalars().all() == ["inner"]


def test_outer_commit_commits_the_changes_of_both_blocks(uow, database):
    with uow:
        add_widget(uow, 1)
        with uow:
            add_widget(uow, 2)
            uow.commit()
        uow.commit()

    assert widget_ids(database) == [1, 2]


def test_exception_in_the_inner_block_discards_the_changes_of_both_blocks(uow, database):
    with pytest.raises(Boom):
        with uow:
            add_widget(uow, 1)
            with uow:
                add_widget(uow, 2)
                uow.commit()
                raise Boom()

    assert widget_ids(database) == []


def test_published_event_is_stored_in_the_outbox_as_a_cloudevents_envelope(uow, database):
    with context.bound(request_id="req-42"):
        with uow:
            event = uow.publish("payment.voided", VOIDED, subject="pay-1")
            uow.commit()

    assert [row["envelope"] for row in stored(database, outbox)] == [{
        "specversion": "1.0", "id": event.id, "source": "/marketplace/demo", "type": "payment.voided",
        "time": event.time, "subject": "pay-1", "datacontenttype": "application/json", "data": VOIDED,
        "correlationid": "req-42"}]


def test_published_event_waits_in_the_outbox_unpublished(uow, database):
    with uow:
        event = uow.publish("payment.voided", VOIDED)
        uow.commit()

    [row] = stored(database, outbox)
    assert {key: row[key] for key in ("event_id", "event_type", "published_at", "claimed_by", "attempts")} == {
        "event_id": event.id, "event_type": "payment.voided", "published_at": None, "claimed_by": None, "attempts": 0}


def test_published_event_is_discarded_with_its_transaction(uow, database):
    with uow:
        add_widget(uow, 1)
        uow.publish("payment.voided", VOIDED)

    assert stored(database, outbox) == []


def test_unit_of_work_lists_the_events_it_published(uow):
    with uow:
        first = uow.publish("payment.voided", VOIDED)
        second = uow.publish("payment.voided", {**VOIDED, "vendor_order_id": "vo-2"})
        uow.commit()

    assert uow.published == [first, second]


def test_publishing_an_unknown_event_type_raises_and_stores_nothing(uow, database):
    with uow:
        with pytest.raises(UnknownEventType):
            uow.publish("payment.teleported", VOIDED)
        uow.commit()

    assert (stored(database, outbox), uow.published) == ([], [])


def test_publishing_invalid_data_raises_and_stores_nothing(uow, database):
    with uow:
        with pytest.raises(InvalidEvent):
            uow.publish("payment.voided", {**VOIDED, "amount_minor": -5})
        uow.commit()

    assert (stored(database, outbox), uow.published) == ([], [])


def audit_entries(database: Database) -> list[dict]:
    return [{key: value for key, value in row.items() if key not in {"id", "occurred_at"}}
            for row in stored(database, audit_log)]


def test_audit_records_the_caller_the_change_and_the_request(uow, database):
    caller = Caller(subject="operator-7", roles=frozenset({"operator", "admin"}))
    with context.bound(request_id="req-7", principal=caller):
        with uow:
            uow.audit("vendor.suspended", "vendor", "ven-1", before={"status": "active"},
                      after={"status": "suspended"}, reason="chargebacks")
            uow.commit()

    assert audit_entries(database) == [{
        "actor": "operator-7", "actor_roles": "admin operator", "action": "vendor.suspended",
        "target_type": "vendor", "target_id": "ven-1", "before": {"status": "active"},
        "after": {"status": "suspended"}, "reason": "chargebacks", "request_id": "req-7"}]


def test_audit_without_a_caller_is_recorded_as_the_system(uow, database):
    with context.bound(principal=None), uow:
        uow.audit("order.expired", "order", 42)
        uow.commit()

    assert audit_entries(database) == [{
        "actor": "system", "actor_roles": "", "action": "order.expired", "target_type": "order",
        "target_id": "42", "before": None, "after": None, "reason": None, "request_id": None}]


def test_audit_names_an_explicit_actor_instead_of_the_caller(uow, database):
    with context.bound(principal=Caller(subject="user-1", roles=frozenset({"customer"}))):
        with uow:
            uow.audit("payout.sent", "payout", "po-1", actor="scheduler")
            uow.commit()

    assert [(row["actor"], row["actor_roles"]) for row in audit_entries(database)] == [("scheduler", "customer")]


def test_audit_entry_is_discarded_with_its_transaction(uow, database):
    with uow:
        uow.audit("vendor.suspended", "vendor", "ven-1")

    assert audit_entries(database) == []


def test_audit_occurrence_time_is_recorded(uow, database):
    with uow:
        uow.audit("vendor.suspended", "vendor", "ven-1")
        uow.commit()

    [row] = stored(database, audit_log)
    assert row["occurred_at"] is not None


def test_audit_entries_are_listed_to_operators_by_the_service(service_app, bearer):
    app = service_app(payments_definition())
    uow = app.extensions["chassis.runtime"].uow()
    with context.bound(request_id="req-9", principal=Caller(subject="admin-1", roles=frozenset({"operator"}))), uow:
        uow.audit("settings.changed", "settings", "payments", before={"fee": 1}, after={"fee": 2}, reason="q3")
        uow.commit()

    listed = app.test_client().get("/api/v1/payments/audit", headers=bearer(roles=["operator"])).get_json()

    assert [{key: value for key, value in entry.items() if key not in {"id", "occurred_at"}} for entry in listed] == [{
        "actor": "admin-1", "actor_roles": "operator", "action": "settings.changed", "target_type": "settings",
        "target_id": "payments", "before": {"fee": 1}, "after": {"fee": 2}, "reason": "q3", "request_id": "req-9"}]


def test_an_event_published_during_a_request_carries_its_correlation_id(uow, database):
    settings_changed = {"service": "payments", "changed": {"payout_minimum_minor": {"before": 1000, "after": 2000}},
                        "actor": {"kind": "system", "id": None}}
    with context.bound(request_id="req-7", correlation_id="checkout-flow-42"):
        with uow:
            uow.publish("settings.changed", settings_changed)
            uow.commit()

    [row] = stored(database, outbox)
    assert row["envelope"]["correlationid"] == "checkout-flow-42"
