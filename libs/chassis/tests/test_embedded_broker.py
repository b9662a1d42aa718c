"""Embedded SQLite broker: routing, topology shared through the file, at-least-once across real processes."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import kombu.transport
import pytest
from kombu import Connection, Consumer, Exchange, Producer, Queue

from chassis.events import embedded

PEER = Path(__file__).with_name("embedded_broker_peer.py")

pytestmark = pytest.mark.timeout(20)


def connect(path: Path, **options) -> Connection:
    return Connection(transport=embedded.Transport, transport_options={"path": str(path), **options})


def peer(*arguments) -> subprocess.Popen:
    """Start embedded_broker_peer.py in a fresh interpreter."""
    return subprocess.Popen([sys.executable, str(PEER), *map(str, arguments)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_peer(*arguments):
    """Run a peer to completion and return its last stdout line, decoded."""
    proc = peer(*arguments)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    return json.loads(out.splitlines()[-1])


def query(path: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


def row_count(path: Path) -> int:
    return query(path, "SELECT COUNT(*) FROM messages")[0][0]


def take_all(conn: Connection, queue_name: str) -> list:
    """Ack and return every ready message body of a queue (basic_get, no waiting)."""
    queue = Queue(queue_name, no_declare=True)(conn.default_channel)
    bodies = []
    while (message := queue.get()) is not None:
        bodies.append(message.payload)
        message.ack()
    return bodies


def test_topic_routing_in_one_process(tmp_path):
    exchange = Exchange("marketplace", "topic", durable=True)
    topology = [Queue("analytics", exchange, routing_key="order.*"),
                Queue("payments", exchange, routing_key="order.placed"),
                Queue("audit", exchange, routing_key="#")]
    keys = ["order.placed", "order.shipped", "user.created", "order.placed.late"]
    with connect(tmp_path / "broker.db") as conn:
        producer = Producer(conn)
        for key in keys:
            producer.publish({"key": key}, exchange=exchange, routing_key=key, declare=topology)

        assert [b["key"] for b in take_all(conn, "analytics")] == ["order.placed", "order.shipped"]
        assert [b["key"] for b in take_all(conn, "payments")] == ["order.placed"]
        assert [b["key"] for b in take_all(conn, "audit")] == keys


def test_default_direct_and_fanout_exchanges(tmp_path):
    dead = Exchange("marketplace.dead", "direct", durable=True)
    broadcast = Exchange("broadcast", "fanout")
    with connect(tmp_path / "broker.db") as conn:
        producer = Producer(conn)
        producer.publish("to-queue", routing_key="jobs", declare=[Queue("jobs")])
        producer.publish("to-catalog", exchange=dead, routing_key="catalog",
                         declare=[Queue("catalog.dead", dead, routing_key="catalog")])
        producer.publish("unroutable", exchange=dead, routing_key="nobody")
        producer.publish("to-all", exchange=broadcast, routing_key="ignored",
                         declare=[Queue("fan-1", broadcast), Queue("fan-2", broadcast)])

        assert take_all(conn, "jobs") == ["to-queue"]
        assert take_all(conn, "catalog.dead") == ["to-catalog"]
        assert take_all(conn, "fan-1") == take_all(conn, "fan-2") == ["to-all"]
    assert row_count(tmp_path / "broker.db") == 0  # "unroutable" was dropped, as on RabbitMQ


def test_topology_is_shared_across_processes(tmp_path):
    db = tmp_path / "broker.db"
    assert run_peer("declare", db) == "declared"
    topology = query(db, "SELECT * FROM exchanges"), query(db, "SELECT * FROM bindings ORDER BY queue")

    # A fresh interpreter publishes by exchange name without declaring anything.
    assert run_peer("publish", db, 10) == "published"
    assert (query(db, "SELECT * FROM exchanges"), query(db, "SELECT * FROM bindings ORDER BY queue")) == topology

    received = run_peer("consume", db, 15, "analytics.orders", "payments.order-placed")
    by_queue = {name: sorted(body["n"] for q, body, _ in received if q == name)
                for name in ("analytics.orders", "payments.order-placed")}
    assert by_queue == {"analytics.orders": list(range(10)), "payments.order-placed": list(range(0, 10, 2))}
    assert all(key == ("order.placed" if body["n"] % 2 == 0 else "order.shipped") for _, body, key in received)
    assert row_count(db) == 0

    # The exchange type recorded by the other process is enforced here too.
    with connect(db) as conn, pytest.raises(embedded.NotEquivalentError):
        Exchange("marketplace", "direct", durable=True)(conn.default_channel).declare()


def test_ack_deletes_and_reject_requeue_redelivers(tmp_path):
    db = tmp_path / "broker.db"
    received = []
    with connect(db) as conn:
        producer = Producer(conn)
        for n in (1, 2):
            producer.publish({"n": n}, routing_key="jobs", declare=[Queue("jobs")])
        with Consumer(conn, [Queue("jobs")], callbacks=[lambda body, message: received.append(message)]):
            conn.drain_events(timeout=2)
            first = received[-1]
            assert (first.payload, first.delivery_info["redelivered"]) == ({"n": 1}, False)
            first.reject(requeue=True)

            conn.drain_events(timeout=2)
            again = received[-1]
            assert (again.payload, again.delivery_info["redelivered"]) == ({"n": 1}, True)
            again.ack()
            assert row_count(db) == 1

            conn.drain_events(timeout=2)
            assert received[-1].payload == {"n": 2}
            received[-1].ack()
        assert row_count(db) == 0

        # reject without requeue discards the message for good.
        producer.publish({"n": 3}, routing_key="jobs")
        message = Queue("jobs")(conn.default_channel).get()
        message.reject()
        assert row_count(db) == 0


def test_sigkill_before_ack_redelivers_after_visibility_timeout(tmp_path):
    db = tmp_path / "broker.db"
    with connect(db) as conn:
        Producer(conn).publish({"n": 1}, routing_key="jobs", declare=[Queue("jobs")])

    holder = peer("hold", db, "jobs", 1.0)
    try:
        assert json.loads(holder.stdout.readline()) == {"held": {"n": 1}, "redelivered": False}
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    [(visible_at, deliveries)] = query(db, "SELECT visible_at, delivery_count FROM messages")
    assert deliveries == 1

    received = []
    with connect(db, visibility_timeout=1.0) as conn:
        def on_message(body, message):
            received.append((time.time(), message))
            message.ack()

        with Consumer(conn, [Queue("jobs")], callbacks=[on_message]):
            # Long enough for the redelivery plus another full visibility timeout.
            deadline = time.monotonic() + 3.5
            while time.monotonic() < deadline:
                try:
                    conn.drain_events(timeout=0.2)
                except TimeoutError:
                    pass

    assert len(received) == 1
    received_at, message = received[0]
    assert message.payload == {"n": 1}
    assert message.delivery_info["redelivered"] is True
    assert message.delivery_info["embedded_delivery_count"] == 2
    assert received_at >= visible_at  # not before the killed consumer's lease ran out
    assert row_count(db) == 0


def test_competing_consumer_processes_get_each_message_once(tmp_path):
    db = tmp_path / "broker.db"
    with connect(db) as conn:
        Queue("work")(conn.default_channel).declare()

    consumers = [peer("compete", db, "work") for _ in range(2)]
    try:
        for proc in consumers:
            assert json.loads(proc.stdout.readline()) == "ready"
        # Publish while both consume: writers and readers contend on the file.
        with connect(db) as conn:
            producer = Producer(conn)
            for n in range(200):
                producer.publish(n, routing_key="work")
            for _ in consumers:
                producer.publish("stop", routing_key="work")
        results = [proc.communicate(timeout=15) for proc in consumers]
    finally:
        for proc in consumers:
            if proc.poll() is None:
                proc.kill()

    for proc, (out, err) in zip(consumers, results):
        assert proc.returncode == 0, err
        assert "Traceback" not in err and "Error" not in err, err
    got = [json.loads(out.splitlines()[-1]) for out, _ in results]
    assert all(got), "both consumers should have received messages"
    assert sorted(got[0] + got[1]) == list(range(200))
    assert row_count(db) == 0


def test_clean_channel_close_releases_unacked_messages_at_once(tmp_path):
    db = tmp_path / "broker.db"
    with connect(db, visibility_timeout=30) as conn:
        producer = Producer(conn)
        for n in (1, 2):
            producer.publish({"n": n}, routing_key="jobs", declare=[Queue("jobs")])

        channel = conn.channel()
        held = [Queue("jobs")(channel).get() for _ in range(2)]
        assert [m.payload for m in held] == [{"n": 1}, {"n": 2}]
        assert Queue("jobs")(conn.default_channel).get() is None  # hidden for 30 s...
        channel.close()

    # ...but visible again at once for anyone, here another connection's SimpleQueue.
    with connect(db) as other:
        queue = other.SimpleQueue("jobs")
        again = [queue.get_nowait() for _ in range(2)]
        assert [m.payload for m in again] == [{"n": 1}, {"n": 2}]
        assert all(m.delivery_info["redelivered"] for m in again)
        for message in again:
            message.ack()
        queue.close()
    assert row_count(db) == 0


def test_connection_forms(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # register() writes into kombu's global table: undo it after the test.
    monkeypatch.delitem(kombu.transport.TRANSPORT_ALIASES, embedded.ALIAS, raising=False)
    embedded.register()
    embedded.register()
    assert kombu.transport.TRANSPORT_ALIASES["embedded"] == "chassis.events.embedded:Transport"

    forms = {
        tmp_path / "var" / "relative.db": Connection("embedded://var/relative.db"),
        tmp_path / "alias.db": Connection(f"embedded://{tmp_path}/alias.db"),
        tmp_path / "sqla-style.db": Connection(f"embedded:///{tmp_path}/sqla-style.db"),
        tmp_path / "dotted.db": Connection(f"sqlite://{tmp_path}/dotted.db",
                                           transport="chassis.events.embedded:Transport"),
        tmp_path / "option.db": Connection(transport=embedded.Transport, transport_options={"path": "option.db"}),
    }
    for expected, conn in forms.items():
        with conn:
            assert conn.transport.path == str(expected)
            Producer(conn).publish("hello", routing_key="q", declare=[Queue("q")])
            assert take_all(conn, "q") == ["hello"]
        assert expected.exists()

    with pytest.raises(ValueError, match="database path"):
        Connection(transport=embedded.Transport).connect()
