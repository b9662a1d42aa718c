"""Dead letters: park what cannot be handled, list it, inspect it, replay it.

A dead letter keeps the original body untouched plus headers saying why it
failed, so replaying after a fix delivers exactly what was first published
(and the inbox still guarantees it is applied once).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator, Literal

from kombu import Connection, Message, Producer

from chassis.events.topology import Topology

FailureReason = Literal["malformed", "unknown-type", "invalid", "unhandled", "handler-failed"]


class DeadLetterPublisher:
    """Publishes a failed delivery to the service's dead-letter queue."""

    def __init__(self, connection: Connection, topology: Topology, service: str) -> None:
        self.connection = connection
        self.topology = topology
        self.service = service

    def publish(self, message: Message, *, reason: FailureReason, detail: str, attempts: int) -> None:
        headers = dict(message.headers or {})
        headers.update({
            "x-dead-letter-reason": reason, "x-dead-letter-detail": detail[:1000], "x-attempts": attempts,
            "x-original-routing-key": (message.delivery_info or {}).get("routing_key", ""),
            "x-dead-lettered-at": datetime.now(timezone.utc).isoformat(), "x-service": self.service,
        })
        producer = Producer(self.connection.default_channel)
        publish = self.connection.ensure(producer, producer.publish, max_retries=3)
        publish(_raw_body(message), exchange=self.topology.dead_letter_exchange, routing_key=self.service,
                headers=headers, content_type=message.content_type or "application/json",
                content_encoding=message.content_encoding or "utf-8", delivery_mode=2,
                declare=[self.topology.dead_letter_queue(self.service)])


def _raw_body(message: Message) -> bytes | str:
    return message.body


@dataclass(frozen=True)
class DeadLetter:
    event_id: str | None
    event_type: str
    reason: str
    detail: str
    attempts: int
    dead_lettered_at: str
    body: str

    def summary(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "event_type": self.event_type, "reason": self.reason,
                "attempts": self.attempts, "dead_lettered_at": self.dead_lettered_at}


def _as_dead_letter(message: Message) -> DeadLetter:
    headers = message.headers or {}
    body = message.body.decode("utf-8", "replace") if isinstance(message.body, bytes) else str(message.body)
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    event_id = parsed.get("id") if isinstance(parsed, dict) else None
    return DeadLetter(event_id=event_id, event_type=headers.get("x-original-routing-key", "?"),
                      reason=headers.get("x-dead-letter-reason", headers.get("x-first-death-reason", "?")),
                      detail=headers.get("x-dead-letter-detail", ""), attempts=int(headers.get("x-attempts", 0)),
                      dead_lettered_at=headers.get("x-dead-lettered-at", ""), body=body)


class DeadLetterQueue:
    """Browse and replay one service's dead letters."""

    def __init__(self, connection: Connection, topology: Topology, service: str) -> None:
        self.connection = connection
        self.topology = topology
        self.service = service

    def _fetch(self, limit: int) -> Iterator[Message]:
        queue = self.topology.dead_letter_queue(self.service)(self.connection.default_channel)
        queue.declare()
        for _ in range(limit):
            message = queue.get(no_ack=False)
            if message is None:
                return
            yield message

    def list(self, limit: int = 100) -> list[DeadLetter]:
        """Dead letters without removing them (they are released when the channel closes)."""
        letters = [_as_dead_letter(message) for message in self._fetch(limit)]
        self._release()
        return letters

    def replay(self, event_id: str | None = None, limit: int = 1000) -> list[DeadLetter]:
        """Send matching dead letters (all if ``event_id`` is None) back to the service's queue.

        An event is sent back once: a second letter of the same event (delivery is at least once, so
        a redelivered message can be dead-lettered twice) is dropped, not replayed again.
        """
        replayed, sent_ids = [], set()
        producer = Producer(self.connection.default_channel)
        for message in self._fetch(limit):
            letter = _as_dead_letter(message)
            if event_id is not None and letter.event_id != event_id:
                continue
            if letter.event_id is not None and letter.event_id in sent_ids:
                message.ack()
                continue
            sent_ids.add(letter.event_id)
            # Straight to the service's own queue, not the topic exchange: other
            # consumers already handled this event.
            producer.publish(message.body, exchange="", routing_key=self.topology.queue_name(self.service),
                             content_type=message.content_type, content_encoding=message.content_encoding,
                             headers={k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")},
                             delivery_mode=2)
            message.ack()
            replayed.append(letter)
        self._release()
        return replayed

    def _release(self) -> None:
        # Closing the channel hands unacknowledged messages back to the queue.
        self.connection.release()
