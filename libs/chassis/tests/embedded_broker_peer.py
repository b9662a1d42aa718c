"""A separate process for test_embedded_broker: ``python embedded_broker_peer.py ROLE DB_PATH ARGS...``.

Each role is one broker client in a fresh interpreter; results go to stdout as
one JSON document per line so the test can read them.
"""
from __future__ import annotations

import json
import sys
import time

from kombu import Connection, Consumer, Exchange, Producer, Queue

from chassis.events.embedded import Transport

EXCHANGE = Exchange("marketplace", "topic", durable=True)
TOPOLOGY = [Queue("analytics.orders", EXCHANGE, routing_key="order.*"),
            Queue("payments.order-placed", EXCHANGE, routing_key="order.placed")]


def connect(path: str, visibility_timeout: float = 30.0) -> Connection:
    return Connection(f"embedded://{path}", transport=Transport,
                      transport_options={"visibility_timeout": visibility_timeout})


def emit(document) -> None:
    print(json.dumps(document), flush=True)


def declare(path: str) -> None:
    """Declare the exchange, queues and bindings, then exit."""
    with connect(path) as conn:
        for queue in TOPOLOGY:
            queue(conn.default_channel).declare()
    emit("declared")


def publish(path: str, count: str) -> None:
    """Publish to the topic exchange by name only: nothing is declared in this process."""
    with connect(path) as conn:
        producer = Producer(conn)
        for n in range(int(count)):
            key = "order.placed" if n % 2 == 0 else "order.shipped"
            producer.publish({"n": n}, exchange=EXCHANGE.name, routing_key=key)
    emit("published")


def consume(path: str, expected: str, *queue_names: str) -> None:
    """Ack ``expected`` messages from the queues (not declared here) and print them as [queue, body, key]."""
    received: list = []

    def on_message(queue_name):
        def callback(body, message):
            received.append([queue_name, body, message.delivery_info["routing_key"]])
            message.ack()
        return callback

    deadline = time.monotonic() + 10
    with connect(path) as conn:
        consumers = [Consumer(conn, [Queue(name, no_declare=True)], callbacks=[on_message(name)])
                     for name in queue_names]
        for consumer in consumers:
            consumer.consume()
        while len(received) < int(expected) and time.monotonic() < deadline:
            try:
                conn.drain_events(timeout=0.5)
            except TimeoutError:
                pass
    emit(received)


def hold(path: str, queue_name: str, visibility_timeout: str) -> None:
    """Take one message, report it, and never ack: the test SIGKILLs this process."""
    held: list = []
    with connect(path, float(visibility_timeout)) as conn:
        with Consumer(conn, [Queue(queue_name, no_declare=True)], callbacks=[lambda body, m: held.append(m)]):
            while not held:
                try:
                    conn.drain_events(timeout=0.5)
                except TimeoutError:
                    pass
        message = held[0]
        emit({"held": message.payload, "redelivered": message.delivery_info["redelivered"]})
        time.sleep(60)


def compete(path: str, queue_name: str) -> None:
    """Ack everything from the queue until a "stop" body arrives; print the bodies received."""
    received: list = []
    stopped: list = []

    def callback(body, message):
        (stopped if body == "stop" else received).append(body)
        # A little work per message, as real handlers do: otherwise one
        # consumer can drain all 200 before the other's next 50 ms poll.
        time.sleep(0.005)
        message.ack()

    deadline = time.monotonic() + 15
    with connect(path) as conn:
        with Consumer(conn, [Queue(queue_name, no_declare=True)], callbacks=[callback]):
            emit("ready")
            while not stopped:
                if time.monotonic() > deadline:
                    sys.exit("no stop message before the deadline")
                try:
                    conn.drain_events(timeout=0.5)
                except TimeoutError:
                    pass
    emit(received)


if __name__ == "__main__":
    role, *arguments = sys.argv[1:]
    {"declare": declare, "publish": publish, "consume": consume, "hold": hold, "compete": compete}[role](*arguments)
