"""Event consumer: applies each event once, retries what fails, dead-letters what never can succeed."""
from __future__ import annotations

import json
import logging
import threading
import time

import pytest
from kombu import Connection, Message, Producer
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from chassis.events.broker import connect
from chassis.events.consumer import EventConsumer
from chassis.events.deadletter import DeadLetterPublisher
from chassis.events.envelope import CloudEvent
from chassis.events.topology import Topology, topology_for
from chassis.tables import inbox
from contracts.examples import example

pytestmark = pytest.mark.timeout(30)


def order_placed_data(order_id: str) -> dict:
    """The contract's example for another order: its vendor order ids are the order's own too."""
    data = example("order.placed", order_id=order_id, total_minor=2500)
    for vendor_order in data["vendor_orders"]:
        vendor_order["vendor_order_id"] = f"{order_id}-{vendor_order['vendor_order_id']}"
    return data


def order_placed(order_id: str = "o-1") -> CloudEvent:
    return CloudEvent.new("orders", "order.placed", order_placed_data(order_id), subject=order_id)


@pytest.fixture
def topology(backend) -> Topology:
    """What the payments runtime uses on this backend (the backend removes the namespace afterwards)."""
    return topology_for(backend.broker_url(), backend.namespace)


@pytest.fixture
def runtime(service_app, topology):
    from payments.app import definition
    runtime = service_app(definition()).extensions["chassis.runtime"]
    assert runtime.topology == topology
    return runtime


@pytest.fixture
def broker(backend, topology):
    """The test backend's broker (embedded file or RabbitMQ), topology declared under the test's namespace."""
    with connect(backend.broker_url()) as connection:
        topology.declare(connection)
        yield connection


def send(broker: Connection, topology: Topology, body, *, raw: bool = False) -> None:
    """Publish as the relay does (a JSON envelope), or ``raw`` bytes as they are, with key order.placed."""
    producer = Producer(broker.default_channel)
    if raw:
        producer.publish(body, exchange=topology.events_exchange, routing_key="order.placed",
                         content_type="application/json", content_encoding="utf-8")
    else:
        producer.publish(body, exchange=topology.events_exchange, routing_key="order.placed", serializer="json")


def receive(broker: Connection, queue, timeout: float = 5.0) -> Message:
    """The next message of ``queue`` (unacked), waiting for the broker to route it."""
    bound = queue(broker.default_channel)
    deadline = time.monotonic() + timeout
    while (message := bound.get(no_ack=False)) is None:
        assert time.monotonic() < deadline, f"nothing arrived in {queue.name}"
        time.sleep(0.02)
    return message


def is_empty(broker: Connection, queue) -> bool:
    message = queue(broker.default_channel).get(no_ack=False)
    if message is not None:
        message.requeue()
    return message is None


def outcome(message: Message) -> str:
    """'ACK', 'REQUEUED', 'REJECTED' or 'RECEIVED' (still pending); kombu only exposes it privately."""
    return message._state


def consumer(runtime, broker, topology, handlers=None, **options) -> EventConsumer:
    options.setdefault("sleep", lambda seconds: None)
    return EventConsumer(service="payments", handlers=handlers or runtime.definition.event_handlers(),
                         new_uow=runtime.uow, dead_letters=DeadLetterPublisher(broker, topology, "payments"),
                         **options)


def counting(handler, calls: list):
    def counted(uow, event):
        calls.append(event.id)
        handler(uow, event)
    return counted


def inbox_ids(runtime) -> list[str]:
    with runtime.database.sessions() as session:
        return list(session.execute(select(inbox.c.event_id)).scalars())


def payable_orders(runtime) -> list[tuple]:
    from payments.models import PayableOrder
    with runtime.database.sessions() as session:
        return [(o.order_id, o.total_minor, o.status) for o in session.scalars(select(PayableOrder))]


def test_handled_event_is_applied_recorded_in_the_inbox_and_acked(runtime, broker, topology):
    event = order_placed("o-1")
    send(broker, topology, event.to_dict())
    message = receive(broker, topology.queue("payments"))

    consumer(runtime, broker, topology).on_message(message)

    assert outcome(message) == "ACK"
    assert payable_orders(runtime) == [("o-1", 2500, "placed")]
    assert inbox_ids(runtime) == [event.id]
    assert is_empty(broker, topology.queue("payments")) and is_empty(broker, topology.dead_letter_queue("payments"))


def test_an_event_delivered_twice_is_applied_once(runtime, broker, topology, caplog):
    caplog.set_level(logging.INFO, logger="chassis.consumer")
    calls: list[str] = []
    handlers = dict(runtime.definition.event_handlers())
    handlers["order.placed"] = counting(handlers["order.placed"], calls)
    event = order_placed("o-1")
    send(broker, topology, event.to_dict())
    send(broker, topology, event.to_dict())
    first, second = receive(broker, topology.queue("payments")), receive(broker, topology.queue("payments"))
    events = consumer(runtime, broker, topology, handlers)

    events.on_message(first)
    events.on_message(second)

    assert calls == [event.id]
    assert [record.getMessage() for record in caplog.records if record.name == "chassis.consumer"] == [
        "event handled", "event duplicate"]
    assert (outcome(first), outcome(second)) == ("ACK", "ACK")
    assert payable_orders(runtime) == [("o-1", 2500, "placed")]
    assert inbox_ids(runtime) == [event.id]


def test_a_handler_that_fails_then_succeeds_is_retried_with_backoff(runtime, broker, topology):
    attempts: list[int] = []
    sleeps: list[float] = []

    def flaky(uow, event):
        attempts.append(len(attempts) + 1)
        if len(attempts) < 3:
            raise RuntimeError("catalog is slow today")

    event = order_placed("o-1")
    send(broker, topology, event.to_dict())
    message = receive(broker, topology.queue("payments"))

    consumer(runtime, broker, topology, {"order.placed": flaky}, max_attempts=3, retry_base_delay=0.5,
             sleep=sleeps.append).on_message(message)

    assert attempts == [1, 2, 3]
    assert sleeps == [0.5, 1.0]
    assert outcome(message) == "ACK"
    assert inbox_ids(runtime) == [event.id]
    assert is_empty(broker, topology.dead_letter_queue("payments"))


def test_a_handler_that_always_fails_is_dead_lettered_with_the_original_body(runtime, broker, topology):
    calls: list[str] = []

    def broken(uow, event):
        calls.append(event.id)
        uow.session.execute(inbox.insert().values(event_id=f"side-effect-{len(calls)}", event_type="x", source="y",
                                                  handled_at=event.occurred_at))
        raise RuntimeError("bug in handler")

    event = order_placed("o-1")
    send(broker, topology, event.to_dict())
    message = receive(broker, topology.queue("payments"))

    consumer(runtime, broker, topology, {"order.placed": broken}, max_attempts=4).on_message(message)

    assert calls == [event.id] * 4
    assert outcome(message) == "ACK"
    assert inbox_ids(runtime) == []  # every attempt rolled back, so a replay can still apply it
    letter = receive(broker, topology.dead_letter_queue("payments"))
    assert letter.body == message.body
    assert json.loads(letter.body) == event.to_dict()
    assert {key: letter.headers[key] for key in ("x-dead-letter-reason", "x-attempts", "x-original-routing-key",
                                                 "x-service")} == {
        "x-dead-letter-reason": "handler-failed", "x-attempts": 4, "x-original-routing-key": "order.placed",
        "x-service": "payments"}
    assert "bug in handler" in letter.headers["x-dead-letter-detail"]
    assert is_empty(broker, topology.queue("payments"))


def envelope_of_unknown_type() -> dict:
    return {**order_placed().to_dict(), "type": "order.teleported"}


def envelope_with_invalid_data() -> dict:
    return {**order_placed().to_dict(), "data": {**order_placed_data("o-1"), "total_minor": -5}}


def envelope_without_handler() -> dict:
    # a valid event payments subscribes to, but this test's handler mapping lacks it
    return CloudEvent.new("orders", "order.awaiting_payment", {"order_id": "o-1", "customer_id": "customer-1",
                                                               "currency": "EUR", "total_minor": 2500}).to_dict()


@pytest.mark.parametrize(("body", "raw", "reason"), [
    (b"{not json", True, "malformed"),
    (b'["a", "list"]', True, "malformed"),
    ({"specversion": "1.0", "id": "e-1"}, False, "malformed"),
    (envelope_of_unknown_type(), False, "unknown-type"),
    (envelope_with_invalid_data(), False, "invalid"),
    (envelope_without_handler(), False, "unhandled"),
], ids=["not-json", "not-an-object", "missing-attributes", "unknown-type", "invalid", "unhandled"])
def test_what_can_never_succeed_is_dead_lettered_at_once(broker, topology, body, raw, reason):
    def no_unit_of_work():
        raise AssertionError("a message that can never succeed must not reach a handler")

    send(broker, topology, body, raw=raw)
    message = receive(broker, topology.queue("payments"))
    events = EventConsumer(service="payments", handlers={"order.placed": lambda uow, event: None},
                           new_uow=no_unit_of_work, dead_letters=DeadLetterPublisher(broker, topology, "payments"),
                           sleep=lambda seconds: None)

    events.on_message(message)

    assert outcome(message) == "ACK"
    letter = receive(broker, topology.dead_letter_queue("payments"))
    assert (letter.headers["x-dead-letter-reason"], letter.headers["x-attempts"]) == (reason, 0)
    assert letter.body == message.body


def test_a_database_outage_requeues_the_message_instead_of_dead_lettering_it(runtime, broker, topology):
    sleeps: list[float] = []

    def database_down(uow, event):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    event = order_placed("o-1")
    send(broker, topology, event.to_dict())
    message = receive(broker, topology.queue("payments"))

    consumer(runtime, broker, topology, {"order.placed": database_down}, retry_base_delay=0.1,
             sleep=sleeps.append).on_message(message)

    assert outcome(message) == "REQUEUED"
    assert sleeps == [pytest.approx(0.5)]  # one pause, no retry loop: the database is not the event's fault
    assert is_empty(broker, topology.dead_letter_queue("payments"))
    assert json.loads(receive(broker, topology.queue("payments")).body)["id"] == event.id


def test_a_requeued_event_is_applied_once_the_database_is_back(runtime, broker, topology):
    outage = {"on": True}
    real = runtime.definition.event_handlers()["order.placed"]

    def sometimes_down(uow, event):
        if outage["on"]:
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
        real(uow, event)

    events = consumer(runtime, broker, topology, {"order.placed": sometimes_down})
    send(broker, topology, order_placed("o-1").to_dict())
    events.on_message(receive(broker, topology.queue("payments")))
    outage["on"] = False

    events.on_message(receive(broker, topology.queue("payments")))

    assert payable_orders(runtime) == [("o-1", 2500, "placed")]
    assert is_empty(broker, topology.queue("payments"))


def test_events_published_while_handling_carry_the_consumed_events_correlation_id(runtime, broker, topology):
    from chassis.tables import outbox

    def announce_payment_failure(uow, event):
        uow.publish("payment.failed", {"payment_id": "pay-1", "order_id": event.data["order_id"],
                                       "reason_code": "card_declined"})

    event = CloudEvent.new("orders", "order.placed", order_placed_data("o-9"), correlation_id="checkout-flow-42")
    send(broker, topology, event.to_dict())

    consumer(runtime, broker, topology, {"order.placed": announce_payment_failure}).on_message(
        receive(broker, topology.queue("payments")))

    with runtime.database.sessions() as session:
        [envelope] = session.execute(select(outbox.c.envelope)).scalars()
    assert (envelope["type"], envelope["correlationid"]) == ("payment.failed", "checkout-flow-42")


# --- batches

def recording_batch(single_handler, calls: list):
    """A batch handler applying each event with ``single_handler``; records each call's event ids."""
    def batch(uow, events):
        calls.append([event.id for event in events])
        for event in events:
            single_handler(uow, event)
    return batch


def held_messages(broker, topology, events: list[CloudEvent]) -> list[Message]:
    for event in events:
        send(broker, topology, event.to_dict())
    return [receive(broker, topology.queue("payments")) for _ in events]


def test_events_of_a_batch_type_are_held_then_applied_together_once_each(runtime, broker, topology):
    single, calls = runtime.definition.event_handlers()["order.placed"], []
    events = [order_placed(f"o-{n}") for n in range(3)]
    messages = held_messages(broker, topology, [*events, events[0]])  # the first one delivered twice
    batching = consumer(runtime, broker, topology, batch_handlers={"order.placed": recording_batch(single, calls)})

    for message in messages:
        batching.on_message(message)
    assert batching.holds_events and {outcome(m) for m in messages} == {"RECEIVED"} and calls == []
    batching.flush()

    assert calls == [[event.id for event in events]]
    assert [outcome(m) for m in messages] == ["ACK"] * 4 and not batching.holds_events
    assert sorted(payable_orders(runtime)) == [(f"o-{n}", 2500, "placed") for n in range(3)]
    assert sorted(inbox_ids(runtime)) == sorted(event.id for event in events)


def test_a_failing_batch_is_handled_one_by_one(runtime, broker, topology, caplog):
    def broken_batch(uow, events):
        raise RuntimeError("batch bug")

    events = [order_placed(f"o-{n}") for n in range(3)]
    messages = held_messages(broker, topology, events)
    batching = consumer(runtime, broker, topology, batch_handlers={"order.placed": broken_batch})

    for message in messages:
        batching.on_message(message)
    batching.flush()

    assert [outcome(m) for m in messages] == ["ACK"] * 3
    assert sorted(payable_orders(runtime)) == [(f"o-{n}", 2500, "placed") for n in range(3)]
    assert "handling them one by one" in caplog.text
    assert is_empty(broker, topology.dead_letter_queue("payments"))


def test_a_full_batch_or_another_event_type_handles_the_held_events_first(runtime, broker, topology):
    seen: list[str] = []

    def single(uow, event):
        seen.append(event.data["order_id"])

    def batch(uow, events):
        seen.append("+".join(event.data["order_id"] for event in events))

    cancelled = CloudEvent.new("orders", "order.cancelled", example("order.cancelled", order_id="o-c"))
    events = [order_placed(f"o-{n}") for n in range(3)]
    messages = held_messages(broker, topology, [*events[:2], cancelled, events[2]])
    batching = consumer(runtime, broker, topology, {"order.placed": single, "order.cancelled": single},
                        batch_handlers={"order.placed": batch}, batch_size=2)

    for message in messages:
        batching.on_message(message)

    assert seen == ["o-0+o-1", "o-c"]  # full at two; the cancellation waited for them
    assert batching.holds_events
    batching.flush()
    assert seen == ["o-0+o-1", "o-c", "o-2"]  # one held event alone goes to its single handler
    assert [outcome(m) for m in messages] == ["ACK"] * 4


def test_event_types_sharing_a_batch_handler_are_held_together_in_arrival_order(runtime, broker, topology):
    seen: list[str] = []

    def single(uow, event):
        seen.append(event.data["order_id"])

    def batch(uow, events):
        seen.append("+".join(event.data["order_id"] for event in events))

    cancelled = CloudEvent.new("orders", "order.cancelled", example("order.cancelled", order_id="o-c"))
    events = [order_placed(f"o-{n}") for n in range(3)]
    messages = held_messages(broker, topology, [*events[:2], cancelled, events[2]])
    batching = consumer(runtime, broker, topology, {"order.placed": single, "order.cancelled": single},
                        batch_handlers={"order.placed": batch, "order.cancelled": batch})

    for message in messages:
        batching.on_message(message)
    batching.flush()

    assert seen == ["o-0+o-1+o-c+o-2"]
    assert [outcome(m) for m in messages] == ["ACK"] * 4


def test_the_worker_loop_handles_held_events_once_the_queue_is_idle(runtime, broker, topology):
    from chassis.worker import _QueueConsumer

    single, calls = runtime.definition.event_handlers()["order.placed"], []
    events = [order_placed(f"o-{n}") for n in range(5)]
    for event in events:
        send(broker, topology, event.to_dict())
    stop = threading.Event()
    worker = _QueueConsumer(broker.clone(), runtime, stop)
    worker.event_consumer.batch_handlers = {"order.placed": recording_batch(single, calls)}
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while len(inbox_ids(runtime)) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        applied_while_running = sorted(inbox_ids(runtime))  # not held until the worker stops
    finally:
        stop.set()
        thread.join(timeout=5)

    assert applied_while_running == sorted(event.id for event in events)
    assert calls and sum(map(len, calls)) >= 2  # the queued events went through the batch handler
    assert not worker.event_consumer.holds_events and is_empty(broker, topology.queue("payments"))


def test_a_services_batch_size_sets_the_largest_batch_and_the_deliveries_in_hand(runtime, broker):
    from dataclasses import replace

    from chassis.worker import PREFETCH, _QueueConsumer

    larger = replace(runtime, definition=replace(runtime.definition, event_batch_size=PREFETCH * 5))
    worker = _QueueConsumer(broker.clone(), larger, threading.Event())
    [options] = worker.get_consumers(lambda **options: options, channel=None)
    assert worker.event_consumer.batch_size == options["prefetch_count"] == PREFETCH * 5
    default = _QueueConsumer(broker.clone(), runtime, threading.Event())
    assert default.event_consumer.batch_size == default.get_consumers(lambda **o: o, None)[0]["prefetch_count"] == 10


def test_an_event_is_applied_as_the_system_even_if_a_callers_principal_is_bound(runtime, broker, topology):
    from chassis import context
    from chassis.actors import event_actor
    from chassis.auth.principal import Principal

    seen = []
    caller = Principal(subject="user-1", client_id="web", scopes=frozenset(), roles=frozenset({"customer"}),
                       vendor_id=None, token_id="t-1", expires_at=0, claims={})
    token = context.set_principal(caller)  # as a request (or a test) may leave it in this thread
    try:
        consumer(runtime, broker, topology, {"order.placed": lambda uow, event: seen.append(event_actor())}).apply(
            order_placed("o-1"))
    finally:
        context._principal.reset(token)

    assert seen == [{"kind": "system", "id": None}]
