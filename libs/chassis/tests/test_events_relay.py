"""Outbox relay: committed events reach the exchange in order, exactly what was committed, despite failures."""
from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from kombu import Connection, Queue
from sqlalchemy import insert, select, update

from chassis.events.broker import connect
from chassis.events.envelope import CloudEvent, utcnow
from chassis.events.relay import OutboxRelay
from chassis.events.topology import Topology
from chassis.tables import outbox
from contracts.examples import example

pytestmark = pytest.mark.timeout(30)


def order_placed_data(order_id: str) -> dict:
    return example("order.placed", order_id=order_id)


@pytest.fixture
def orders_runtime(service_app):
    from orders.app import definition
    return service_app(definition()).extensions["chassis.runtime"]


@pytest.fixture
def topology() -> Topology:
    # memory:// keeps its queues for the whole process: a namespace of our own.
    return Topology(namespace=f"relay{uuid.uuid4().hex[:10]}")


@pytest.fixture
def connection():
    with Connection("memory://") as memory:
        yield memory


@pytest.fixture
def relay(orders_runtime, connection, topology) -> OutboxRelay:
    return OutboxRelay(orders_runtime.database.sessions, connection, topology, batch_size=100,
                       claim_timeout=60, retention_hours=72)


def place_orders(runtime, *order_ids: str) -> list[CloudEvent]:
    """Commit one ``order.placed`` per order id through the orders service's unit of work."""
    with runtime.uow() as uow:
        events = [uow.publish("order.placed", order_placed_data(order_id), subject=order_id) for order_id in order_ids]
        uow.commit()
    return events


def drain(connection: Connection, queue_name: str) -> list[dict]:
    """Every message waiting in ``queue_name`` (decoded), acked."""
    queue = Queue(queue_name, no_declare=True)(connection.default_channel)
    bodies = []
    while (message := queue.get(no_ack=False)) is not None:
        bodies.append(message.payload)
        message.ack()
    return bodies


def outbox_rows(runtime) -> list[dict]:
    with runtime.database.sessions() as session:
        return [dict(row._mapping) for row in session.execute(select(outbox).order_by(outbox.c.id))]


def test_committed_events_are_published_in_outbox_order_to_every_subscribing_queue(orders_runtime, relay,
                                                                                    connection, topology):
    events = place_orders(orders_runtime, "o-1", "o-2", "o-3")

    assert relay.relay_once() == 3

    published = [event.to_dict() for event in events]
    assert drain(connection, topology.queue_name("payments")) == published
    assert drain(connection, topology.queue_name("catalog")) == published
    assert drain(connection, topology.queue_name("analytics")) == published
    assert drain(connection, topology.queue_name("orders")) == []  # orders does not subscribe to its own event


def test_published_rows_are_marked_and_not_published_again(orders_runtime, relay, connection, topology):
    place_orders(orders_runtime, "o-1", "o-2")

    relay.relay_once()

    rows = outbox_rows(orders_runtime)
    assert [(row["published_at"] is not None, row["claimed_by"], row["attempts"]) for row in rows] == [
        (True, None, 1), (True, None, 1)]
    assert relay.relay_once() == 0
    assert len(drain(connection, topology.queue_name("payments"))) == 2


def test_messages_carry_routing_key_and_cloudevents_headers(orders_runtime, relay, connection, topology):
    [event] = place_orders(orders_runtime, "o-1")

    relay.relay_once()

    message = Queue(topology.queue_name("payments"), no_declare=True)(connection.default_channel).get(no_ack=True)
    assert message.delivery_info["routing_key"] == "order.placed"
    assert message.headers == {"ce-type": "order.placed", "ce-id": event.id}
    assert message.content_type == "application/json"


def test_relay_publishes_at_most_one_batch_per_call(orders_runtime, connection, topology):
    relay = OutboxRelay(orders_runtime.database.sessions, connection, topology, batch_size=2)
    events = place_orders(orders_runtime, "o-1", "o-2", "o-3")

    assert [relay.relay_once(), relay.relay_once(), relay.relay_once()] == [2, 1, 0]
    assert [body["id"] for body in drain(connection, topology.queue_name("payments"))] == [e.id for e in events]


def test_a_rolled_back_unit_of_work_publishes_nothing(orders_runtime, relay, connection, topology):
    with orders_runtime.uow() as uow:
        uow.publish("order.placed", order_placed_data("o-1"))
        uow.rollback()
    with orders_runtime.uow() as uow:
        uow.publish("order.placed", order_placed_data("o-2"))
        # leaving the block without commit rolls back too

    assert relay.relay_once() == 0
    assert outbox_rows(orders_runtime) == []
    assert drain(connection, topology.queue_name("payments")) == []


def test_failed_publish_keeps_what_went_out_and_releases_the_rest_for_later(orders_runtime, relay, connection,
                                                                             topology, monkeypatch):
    events = place_orders(orders_runtime, "o-1", "o-2", "o-3")
    real_publish = relay._publish
    calls = []

    def broker_fails_on_second_event(event_type, envelope):
        calls.append(envelope["id"])
        if len(calls) == 2:
            raise ConnectionError("broker went away")
        real_publish(event_type, envelope)

    monkeypatch.setattr(relay, "_publish", broker_fails_on_second_event)
    with pytest.raises(ConnectionError):
        relay.relay_once()

    rows = outbox_rows(orders_runtime)
    assert [(row["published_at"] is not None, row["claimed_by"], row["claimed_at"]) for row in rows][1:] == [
        (False, None, None), (False, None, None)]
    assert rows[0]["published_at"] is not None
    assert [row["last_error"] for row in rows] == [None, "ConnectionError('broker went away')",
                                                  "ConnectionError('broker went away')"]
    assert relay.backlog() == 2

    monkeypatch.setattr(relay, "_publish", real_publish)
    assert relay.relay_once() == 2

    assert [body["id"] for body in drain(connection, topology.queue_name("payments"))] == [e.id for e in events]
    assert [(row["published_at"] is not None, row["last_error"]) for row in outbox_rows(orders_runtime)] == [
        (True, None)] * 3


def test_unreachable_broker_releases_the_claim(orders_runtime, topology):
    place_orders(orders_runtime, "o-1")
    # Nothing listens on port 9: connecting fails at once, without retrying forever.
    unreachable = Connection("amqp://guest:guest@127.0.0.1:9//", connect_timeout=0.5,
                             transport_options={"max_retries": 1, "interval_start": 0, "interval_step": 0})
    relay = OutboxRelay(orders_runtime.database.sessions, unreachable, topology)

    with pytest.raises(Exception):
        relay.relay_once()

    [row] = outbox_rows(orders_runtime)
    assert (row["published_at"], row["claimed_by"], row["claimed_at"], row["attempts"]) == (None, None, None, 1)
    assert row["last_error"]


def test_sweep_frees_expired_claims_and_purges_old_published_rows(orders_runtime, relay):
    place_orders(orders_runtime, "stuck", "recently-claimed", "published-long-ago", "published-lately", "pending")
    now = utcnow()
    states = {
        "stuck": {"claimed_by": "dead-host:1", "claimed_at": now - timedelta(seconds=120)},
        "recently-claimed": {"claimed_by": "live-host:2", "claimed_at": now - timedelta(seconds=10)},
        "published-long-ago": {"published_at": now - timedelta(hours=100)},
        "published-lately": {"published_at": now - timedelta(hours=1)},
    }
    with orders_runtime.database.sessions() as session, session.begin():
        for subject, values in states.items():
            session.execute(update(outbox).where(outbox.c.envelope["subject"].as_string() == subject).values(**values))

    assert relay.sweep() == {"freed": 1, "purged": 1}

    rows = {row["envelope"]["subject"]: (row["claimed_by"], row["published_at"] is not None)
            for row in outbox_rows(orders_runtime)}
    assert rows == {"stuck": (None, False), "recently-claimed": ("live-host:2", False),
                    "published-lately": (None, True), "pending": (None, False)}


def test_a_claim_older_than_the_timeout_is_taken_over_by_the_next_relay(orders_runtime, relay, connection, topology):
    place_orders(orders_runtime, "o-1")
    with orders_runtime.database.sessions() as session, session.begin():
        session.execute(update(outbox).values(claimed_by="dead-host:1", claimed_at=utcnow() - timedelta(minutes=5)))

    assert relay.relay_once() == 1
    assert len(drain(connection, topology.queue_name("payments"))) == 1


def test_a_live_claim_is_left_alone(orders_runtime, relay):
    place_orders(orders_runtime, "o-1")
    with orders_runtime.database.sessions() as session, session.begin():
        session.execute(update(outbox).values(claimed_by="live-host:1", claimed_at=utcnow()))

    assert relay.relay_once() == 0


def test_backlog_counts_unpublished_rows_claimed_or_not(orders_runtime, relay):
    assert relay.backlog() == 0
    place_orders(orders_runtime, "o-1", "o-2", "o-3")
    with orders_runtime.database.sessions() as session, session.begin():
        first_id = session.execute(select(outbox.c.id).order_by(outbox.c.id)).scalars().first()
        session.execute(update(outbox).where(outbox.c.id == first_id).values(published_at=utcnow()))
        session.execute(update(outbox).where(outbox.c.id == first_id + 1)
                        .values(claimed_by="other:1", claimed_at=utcnow()))

    assert relay.backlog() == 2


def test_concurrent_relays_never_publish_the_same_row_twice(backend, orders_runtime):
    if not backend.is_postgres:
        pytest.skip("SKIP LOCKED claims need PostgreSQL (MARKETPLACE_TEST_BACKEND=postgres)")
    topology = orders_runtime.topology
    with orders_runtime.database.sessions() as session, session.begin():
        envelopes = [CloudEvent.new("orders", "order.placed", order_placed_data(f"o-{n}")).to_dict()
                     for n in range(200)]
        session.execute(insert(outbox), [{"event_id": e["id"], "event_type": "order.placed", "envelope": e,
                                          "created_at": utcnow(), "attempts": 0} for e in envelopes])
    errors: list[BaseException] = []
    published: dict[str, int] = {}
    start = threading.Barrier(2)

    def run_relay(name: str) -> None:
        try:
            with connect(backend.broker_url(), confirm_publish=True) as broker:
                relay = OutboxRelay(orders_runtime.database.sessions, broker, topology, batch_size=10)
                relay.owner = name
                start.wait()
                while count := relay.relay_once():
                    published[name] = published.get(name, 0) + count
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=run_relay, args=(f"relay-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=25)

    assert errors == []
    assert sum(published.values()) == 200 and len(published) == 2  # both relays took a share
    rows = outbox_rows(orders_runtime)
    assert [row["attempts"] for row in rows] == [1] * 200  # each row claimed exactly once
    assert all(row["published_at"] is not None for row in rows)
    with connect(backend.broker_url()) as broker:
        received = [body["id"] for body in drain(broker, topology.queue_name("payments"))]
    assert sorted(received) == sorted(e["id"] for e in envelopes)
