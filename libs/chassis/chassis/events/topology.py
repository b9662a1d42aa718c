"""The whole broker topology, built from ``contracts`` and declared by every process.

One durable topic exchange carries every event (routing key = event type);
each consuming service owns a durable queue bound to the types it consumes and
a dead-letter queue behind a direct exchange. Virtual transports (the embedded
broker, memory) only route what the *publishing* process has declared, so
publishers declare it all too; RabbitMQ does not mind the repetition as long
as the arguments are identical everywhere, hence this single definition.
"""
from __future__ import annotations

from dataclasses import dataclass

from kombu import Connection, Exchange, Queue

DELIVERY_LIMIT = 10


@dataclass(frozen=True)
class Topology:
    namespace: str = ""
    rabbitmq: bool = False

    def name(self, base: str) -> str:
        return f"{self.namespace}.{base}" if self.namespace else base

    @property
    def events_exchange(self) -> Exchange:
        return Exchange(self.name("marketplace"), type="topic", durable=True)

    @property
    def dead_letter_exchange(self) -> Exchange:
        return Exchange(self.name("marketplace.dead"), type="direct", durable=True)

    def queue_name(self, service: str) -> str:
        return self.name(service)

    def dead_letter_queue_name(self, service: str) -> str:
        return self.name(f"{service}.dead")

    def queue(self, service: str) -> Queue:
        """The service's work queue, bound to every event type it subscribes to."""
        from contracts.subscriptions import subscriptions
        exchange = self.events_exchange
        bindings = [_binding(exchange, event_type) for event_type in subscriptions(service)]
        return Queue(self.queue_name(service), exchange=exchange, bindings=bindings, durable=True,
                     queue_arguments=self._work_queue_arguments(service))

    def dead_letter_queue(self, service: str) -> Queue:
        return Queue(self.dead_letter_queue_name(service), exchange=self.dead_letter_exchange,
                     routing_key=service, durable=True,
                     queue_arguments={"x-queue-type": "classic"} if self.rabbitmq else None)

    def _work_queue_arguments(self, service: str) -> dict | None:
        if not self.rabbitmq:
            return None
        # Quorum queues count deliveries: a message that keeps killing its
        # consumer is dead-lettered by the broker after DELIVERY_LIMIT tries.
        return {"x-queue-type": "quorum", "x-delivery-limit": DELIVERY_LIMIT,
                "x-dead-letter-exchange": self.dead_letter_exchange.name, "x-dead-letter-routing-key": service}

    def all_queues(self) -> list[Queue]:
        from contracts.subscriptions import SERVICES, subscriptions
        queues = []
        for service in SERVICES:
            if subscriptions(service):
                queues += [self.queue(service), self.dead_letter_queue(service)]
        return queues

    def declare(self, connection: Connection) -> None:
        """Declare exchanges, queues and bindings (idempotent)."""
        channel = connection.default_channel
        self.events_exchange(channel).declare()
        self.dead_letter_exchange(channel).declare()
        for queue in self.all_queues():
            queue(channel).declare()


def _binding(exchange: Exchange, routing_key: str):
    from kombu import binding
    return binding(exchange, routing_key=routing_key)


def topology_for(broker_url: str, namespace: str = "") -> Topology:
    return Topology(namespace=namespace, rabbitmq=broker_url.startswith(("amqp", "pyamqp")))
