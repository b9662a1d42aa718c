"""Dead letters: browsing leaves them parked; replay sends one back to its own service only, applied once."""
from __future__ import annotations

import json
import time

import pytest
from kombu import Connection, Message, Producer
from sqlalchemy import select

from chassis.events.broker import connect
from chassis.events.consumer import EventConsumer
from chassis.events.deadletter import DeadLetterPublisher, DeadLetterQueue
from chassis.events.envelope import CloudEvent
from chassis.tables import inbox

pytestmark = pytest.mark.timeout(30)


def order_placed(order_id: str) -> CloudEvent:
    vendor_id = f"vendor-{order_id}"
    return CloudEvent.new("orders", "order.placed", {
        "order_id": order_id, "customer_id": "customer-1", "currency": "EUR", "total_minor": 2500,
        "placed_at": "2024-05-01T12:00:00+00:00",
        "vendor_orders": [{"vendor_order_id": f"vo-{order_id}", "vendor_id": vendor_id, "items_total_minor": 2000,
                           "shipping_minor": 500, "total_minor": 2500,
                           "lines": [{"line_id": f"line-{order_id}", "offer_id": "offer-1", "product_id": "product-1",
                                      "category_id": None, "vendor_id": vendor_id, "quantity": 2,
                                      "unit_price_minor": 1000, "title": "Teapot"}]}]}, subject=order_id)


@pytest.fixture
def runtime(service_app):
    from payments.app import definition
    return service_app(definition()).extensions["chassis.runtime"]


@pytest.fixture
def broker(backend, runtime):
    with connect(backend.broker_url()) as connection:
        runtime.topology.declare(connection)
        yield connection


@pytest.fixture
def dead_letters(backend, runtime):
    # Its own connection, like the `flask replay` command: browsing closes it to hand letters back.
    with connect(backend.broker_url()) as connection:
        yield DeadLetterQueue(connection, runtime.topology, "payments")


def receive(broker: Connection, queue, timeout: float = 5.0) -> Message:
    bound = queue(broker.default_channel)
    deadline = time.monotonic() + timeout
    while (message := bound.get(no_ack=False)) is None:
        assert time.monotonic() < deadline, f"nothing arrived in {queue.name}"
        time.sleep(0.02)
    return message


def take_all(broker: Connection, queue) -> list[dict]:
    """Every message of ``queue`` (decoded) after letting in-flight publishes land; acked."""
    time.sleep(0.1)
    bound = queue(broker.default_channel)
    bodies = []
    while (message := bound.get(no_ack=False)) is not None:
        bodies.append(json.loads(message.body))
        message.ack()
    return bodies


def consumer(runtime, broker, handlers) -> EventConsumer:
    return EventConsumer(service="payments", handlers=handlers, new_uow=runtime.uow,
                         dead_letters=DeadLetterPublisher(broker, runtime.topology, "payments"),
                         max_attempts=2, sleep=lambda seconds: None)


def broken_handler(uow, event):
    raise RuntimeError("bug in handler")


def dead_letter(runtime, broker, *events: CloudEvent) -> None:
    """Publish ``events`` and let a broken payments handler dead-letter them."""
    producer = Producer(broker.default_channel)
    for event in events:
        producer.publish(event.to_dict(), exchange=runtime.topology.events_exchange, routing_key=event.type,
                         serializer="json")
    broken = consumer(runtime, broker, {"order.placed": broken_handler})
    for _ in events:
        broken.on_message(receive(broker, runtime.topology.queue("payments")))
    for service in ("catalog", "analytics"):  # they handled it fine; forget their copies
        for _ in events:
            receive(broker, runtime.topology.queue(service)).ack()


def test_list_shows_dead_letters_without_removing_them(runtime, broker, dead_letters):
    first, second = order_placed("o-1"), order_placed("o-2")
    dead_letter(runtime, broker, first, second)

    listed = dead_letters.list()

    assert [letter.summary() | {"dead_lettered_at": None} for letter in listed] == [
        {"event_id": event.id, "event_type": "order.placed", "reason": "handler-failed", "attempts": 2,
         "dead_lettered_at": None} for event in (first, second)]
    assert all(letter.dead_lettered_at and "bug in handler" in letter.detail for letter in listed)
    assert json.loads(listed[0].body) == first.to_dict()
    assert [letter.event_id for letter in dead_letters.list()] == [first.id, second.id]


def test_replay_sends_only_that_event_back_to_the_services_own_queue(runtime, broker, dead_letters):
    first, second = order_placed("o-1"), order_placed("o-2")
    dead_letter(runtime, broker, first, second)

    replayed = dead_letters.replay(second.id)

    assert [letter.event_id for letter in replayed] == [second.id]
    assert take_all(broker, runtime.topology.queue("payments")) == [second.to_dict()]
    assert take_all(broker, runtime.topology.queue("catalog")) == []
    assert take_all(broker, runtime.topology.queue("analytics")) == []
    assert [letter.event_id for letter in dead_letters.list()] == [first.id]


def test_replay_without_an_event_id_sends_back_every_letter(runtime, broker, dead_letters):
    first, second = order_placed("o-1"), order_placed("o-2")
    dead_letter(runtime, broker, first, second)

    assert [letter.event_id for letter in dead_letters.replay()] == [first.id, second.id]

    assert [body["id"] for body in take_all(broker, runtime.topology.queue("payments"))] == [first.id, second.id]
    assert dead_letters.list() == []


def test_replay_of_an_unknown_event_id_changes_nothing(runtime, broker, dead_letters):
    first = order_placed("o-1")
    dead_letter(runtime, broker, first)

    assert dead_letters.replay("no-such-event") == []

    assert take_all(broker, runtime.topology.queue("payments")) == []
    assert [letter.event_id for letter in dead_letters.list()] == [first.id]


def test_a_replayed_event_is_applied_once_by_the_fixed_handler(runtime, broker, dead_letters):
    from payments.models import PayableOrder
    event = order_placed("o-1")
    dead_letter(runtime, broker, event)
    calls: list[str] = []
    real = runtime.definition.event_handlers()["order.placed"]

    def fixed(uow, delivered):
        calls.append(delivered.id)
        real(uow, delivered)

    dead_letters.replay(event.id)
    dead_letters.replay(event.id)  # a second replay finds nothing left to send
    fixed_consumer = consumer(runtime, broker, {"order.placed": fixed})
    replayed = receive(broker, runtime.topology.queue("payments"))
    fixed_consumer.on_message(replayed)
    fixed_consumer.on_message(_redeliver(broker, runtime, replayed))

    assert calls == [event.id]
    assert not any(key.startswith("x-dead-letter") for key in replayed.headers), replayed.headers
    with runtime.database.sessions() as session:
        assert [(o.order_id, o.status) for o in session.scalars(select(PayableOrder))] == [("o-1", "placed")]
        assert list(session.execute(select(inbox.c.event_id)).scalars()) == [event.id]
    assert take_all(broker, runtime.topology.queue("payments")) == []
    assert dead_letters.list() == []


def _redeliver(broker: Connection, runtime, message: Message) -> Message:
    """The same body once more, as an at-least-once broker may deliver it."""
    Producer(broker.default_channel).publish(
        message.body, exchange="", routing_key=runtime.topology.queue_name("payments"),
        content_type=message.content_type, content_encoding=message.content_encoding, headers=message.headers)
    return receive(broker, runtime.topology.queue("payments"))


def test_an_event_dead_lettered_twice_is_replayed_once(runtime, broker, dead_letters):
    # Delivery is at least once: a message redelivered after a lost ack is dead-lettered again.
    first = order_placed("o-1")
    dead_letter(runtime, broker, first, first)
    assert [letter.event_id for letter in dead_letters.list()] == [first.id, first.id]

    assert [letter.event_id for letter in dead_letters.replay(first.id)] == [first.id]

    assert [body["id"] for body in take_all(broker, runtime.topology.queue("payments"))] == [first.id]
    assert dead_letters.list() == []
