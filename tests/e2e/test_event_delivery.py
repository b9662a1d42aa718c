"""Events cross real processes: orders' outbox → broker → payments' worker, on this run's backend."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kombu import Producer
from sqlalchemy import func, select

from chassis.events.broker import connect
from chassis.events.envelope import CloudEvent
from chassis.tables import inbox
from orders.app import definition as orders_definition
from payments.app import definition as payments_definition
from payments.models import PayableOrder

pytestmark = pytest.mark.slow


@pytest.fixture
def orders_app(service_app):
    return service_app(orders_definition())


@pytest.fixture
def payments_app(service_app):
    return service_app(payments_definition())


def place_order(orders_app, data: dict) -> CloudEvent:
    runtime = orders_app.extensions["chassis.runtime"]
    with runtime.uow() as uow:
        event = uow.publish("order.placed", data, subject=data["order_id"])
        uow.commit()
    return event


def payable_order(payments_app, order_id: str, timeout: float = 20.0) -> PayableOrder:
    sessions = payments_app.extensions["chassis.runtime"].database.sessions
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as session:
            found = session.get(PayableOrder, order_id)
            if found is not None:
                return found
        time.sleep(0.1)
    raise AssertionError(f"order {order_id} never reached payments")


def count(app, table) -> int:
    with app.extensions["chassis.runtime"].database.sessions() as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


def settings_of(app):
    return app.extensions["chassis.runtime"].settings


def test_an_event_in_the_orders_outbox_reaches_the_payments_worker(orders_app, payments_app, processes, tmp_path,
                                                                  order_placed):
    processes("orders", "worker", settings=settings_of(orders_app), tmp_path=tmp_path)
    processes("payments", "worker", settings=settings_of(payments_app), tmp_path=tmp_path)
    data = order_placed(total_minor=4250)

    place_order(orders_app, data)

    found = payable_order(payments_app, data["order_id"])
    assert (found.customer_id, found.currency, found.total_minor, found.status) == ("customer-1", "EUR", 4250, "placed")


def test_a_worker_killed_before_its_ack_gets_the_event_again_and_applies_it_once(
        orders_app, payments_app, processes, tmp_path, order_placed):
    payments_settings = settings_of(payments_app)
    processes("orders", "worker", settings=settings_of(orders_app), tmp_path=tmp_path)
    doomed = processes("payments", "worker", settings=payments_settings, tmp_path=tmp_path,
                       env={"PAYMENTS_FAULT_CRASH_BEFORE_ACK": "order.placed"})
    event = place_order(orders_app, order_placed())

    assert doomed.wait_exit(timeout=30) == -9  # SIGKILLed right after its commit, before the ack
    assert count(payments_app, PayableOrder.__table__) == 1

    survivor = processes("payments", "worker", settings=payments_settings, tmp_path=tmp_path)
    survivor.wait_for_log(rf'"message": "event duplicate".*"event_id": "{event.id}"', timeout=30)
    assert count(payments_app, PayableOrder.__table__) == 1
    assert count(payments_app, inbox) == 1


def publish_raw(settings, body, *, routing_key: str, to_queue: str | None = None) -> None:
    """Publish bytes or an envelope as a misbehaving producer would."""
    from chassis.events.topology import topology_for
    topology = topology_for(settings.broker_url, settings.broker_namespace)
    with connect(settings.broker_url) as connection:
        topology.declare(connection)
        producer = Producer(connection.default_channel)
        exchange = "" if to_queue else topology.events_exchange
        encoding = {"serializer": "json"} if isinstance(body, dict) else {
            "content_type": "application/json", "content_encoding": "utf-8"}
        producer.publish(body, exchange=exchange, routing_key=to_queue or routing_key, **encoding)


def test_malformed_unknown_and_invalid_events_end_in_the_dead_letter_queue(payments_app, processes, tmp_path,
                                                                          order_placed):
    settings = settings_of(payments_app)
    queue = f"{settings.broker_namespace}.payments" if settings.broker_namespace else "payments"
    unknown = CloudEvent.new("orders", "order.teleported", {"order_id": "o-1"}).to_dict()
    invalid = CloudEvent.new("orders", "order.placed", {"order_id": "o-2"}).to_dict()
    publish_raw(settings, b"{this is not json", routing_key="order.placed", to_queue=queue)
    publish_raw(settings, unknown, routing_key="order.teleported", to_queue=queue)
    publish_raw(settings, invalid, routing_key="order.placed")
    worker = processes("payments", "worker", settings=settings, tmp_path=tmp_path)

    worker.wait_for_log(r'"message": "event dead-lettered"', count=3, timeout=30)
    valid = order_placed()
    publish_raw(settings, CloudEvent.new("orders", "order.placed", valid).to_dict(), routing_key="order.placed")
    payable_order(payments_app, valid["order_id"])  # the worker went on consuming

    listed = dead_letters_cli(settings, tmp_path, "list")
    reasons = sorted(json.loads(line)["reason"] for line in listed.splitlines())
    assert reasons == ["invalid", "malformed", "unknown-type"]
    assert dead_letters_cli(settings, tmp_path, "list") == listed  # listing removes nothing
    assert "order.placed" in dead_letters_cli(settings, tmp_path, "show", invalid["id"])

    assert dead_letters_cli(settings, tmp_path, "replay", invalid["id"]).strip() == "replayed 1 event(s)"
    worker.wait_for_log(r'"message": "event dead-lettered"', count=4, timeout=30)  # still invalid: parked again
    assert len(dead_letters_cli(settings, tmp_path, "list").splitlines()) == 3


def dead_letters_cli(settings, tmp_path: Path, *args: str) -> str:
    from chassis.testing.processes import service_env
    import os
    env = {**os.environ, **service_env(settings, {"MARKETPLACE_VAR_DIR": str(tmp_path / "var"),
                                                  "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")})}
    (tmp_path / "metrics").mkdir(exist_ok=True)
    result = subprocess.run([str(Path(sys.executable).parent / "payments"), "dead-letters", *args], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout
