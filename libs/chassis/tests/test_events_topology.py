"""Broker topology: built from contracts, namespaced, with RabbitMQ-only arguments on RabbitMQ."""
from __future__ import annotations

import uuid

import pytest
from kombu import Connection

from chassis.events.topology import DELIVERY_LIMIT, Topology, topology_for
from contracts.subscriptions import SERVICES, subscriptions


@pytest.fixture
def namespace() -> str:
    # memory:// state is global to the process: every test gets its own names.
    return f"topo{uuid.uuid4().hex[:10]}"


def declared_bindings(connection: Connection, exchange_name: str) -> set[tuple[str, str]]:
    """(routing key, queue) pairs the memory transport holds for ``exchange_name``."""
    table = connection.default_channel.state.exchanges[exchange_name]["table"]
    return {(routing_key, queue) for routing_key, _pattern, queue in table}


def test_payments_queue_is_bound_to_exactly_its_subscriptions():
    queue = Topology().queue("payments")

    assert queue.name == "payments"
    assert {b.exchange.name for b in queue.bindings} == {"marketplace"}
    assert sorted(b.routing_key for b in queue.bindings) == sorted(subscriptions("payments"))


def test_declared_payments_queue_receives_exactly_its_subscriptions(namespace):
    topology = Topology(namespace=namespace)
    with Connection("memory://") as connection:
        topology.declare(connection)

        bindings = declared_bindings(connection, topology.events_exchange.name)

    assert {key for key, queue in bindings if queue == f"{namespace}.payments"} == set(subscriptions("payments"))


def test_every_consuming_service_gets_a_queue_and_a_dead_letter_queue():
    names = [queue.name for queue in Topology().all_queues()]

    consuming = [service for service in SERVICES if subscriptions(service)]
    assert names == [name for service in consuming for name in (service, f"{service}.dead")]
    assert "identity" not in names  # consumes nothing, so owns no queue


def test_namespace_prefixes_every_exchange_and_queue_name(namespace):
    topology = Topology(namespace=namespace)

    names = [topology.events_exchange.name, topology.dead_letter_exchange.name]
    names += [queue.name for queue in topology.all_queues()]
    names += [b.exchange.name for queue in topology.all_queues() for b in queue.bindings]
    names += [queue.exchange.name for queue in topology.all_queues() if queue.exchange is not None]

    assert all(name.startswith(f"{namespace}.") for name in names), names
    assert topology.queue_name("payments") == f"{namespace}.payments"
    assert topology.dead_letter_queue_name("payments") == f"{namespace}.payments.dead"


def test_dead_letter_queue_sits_behind_a_direct_exchange_keyed_by_service(namespace):
    topology = Topology(namespace=namespace)

    dead = topology.dead_letter_queue("payments")

    assert (dead.exchange.name, dead.exchange.type, dead.routing_key) == (f"{namespace}.marketplace.dead", "direct",
                                                                          "payments")
    assert topology.events_exchange.type == "topic"
    assert dead.durable and topology.events_exchange.durable and topology.queue("payments").durable


def test_rabbitmq_work_queue_is_a_quorum_queue_that_dead_letters_after_the_delivery_limit():
    topology = Topology(namespace="ns", rabbitmq=True)

    assert topology.queue("payments").queue_arguments == {
        "x-queue-type": "quorum", "x-delivery-limit": DELIVERY_LIMIT,
        "x-dead-letter-exchange": "ns.marketplace.dead", "x-dead-letter-routing-key": "payments"}
    assert topology.dead_letter_queue("payments").queue_arguments == {"x-queue-type": "classic"}


def test_virtual_transports_get_no_rabbitmq_queue_arguments():
    topology = Topology(namespace="ns")

    assert all(not queue.queue_arguments for queue in topology.all_queues())


@pytest.mark.parametrize(("url", "rabbitmq"), [
    ("amqp://guest:guest@127.0.0.1:5672//", True), ("pyamqp://localhost//", True),
    ("embedded:///var/broker.db", False), ("memory://", False)])
def test_topology_for_turns_on_rabbitmq_arguments_only_for_amqp_urls(url, rabbitmq):
    assert topology_for(url, "ns") == Topology(namespace="ns", rabbitmq=rabbitmq)


def test_declaring_twice_is_harmless(namespace):
    topology = Topology(namespace=namespace)
    with Connection("memory://") as connection:
        topology.declare(connection)
        before = declared_bindings(connection, topology.events_exchange.name)
        topology.declare(connection)

        assert declared_bindings(connection, topology.events_exchange.name) == before
