"""Idempotent event consumer: inbox, retries with backoff, dead letters.

Each delivery is parsed, validated against ``contracts`` and handed to the
service's handler inside one unit of work that also records the event id in
the inbox, so a redelivered event is acknowledged without being applied
again. Handler failures are retried with exponential backoff; what still
fails, or can never succeed (malformed, unknown, invalid, unhandled), goes to
``<service>.dead`` with the reason. Infrastructure failures (database down)
are not the message's fault: it is requeued, never dead-lettered.

Event types with a *batch handler* are held as they arrive and handled together
(one transaction, one inbox statement) as soon as the queue has no more at once
or ``batch_size`` are held: under a backlog the handler's statements are shared
by the batch. Consecutive events with the same batch handler only (one type, or
the several types a service maps to one handler), in arrival order. If the batch
fails, its events are handled one by one, with the usual retries.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping

from kombu import Message
from sqlalchemy.exc import DBAPIError, OperationalError

from chassis import context
from chassis.events import inbox
from chassis.events.deadletter import DeadLetterPublisher, FailureReason
from chassis.events.envelope import CloudEvent, MalformedEvent
from chassis.metrics import metrics
from chassis.uow import UnitOfWork

log = logging.getLogger("chassis.consumer")

EventHandler = Callable[[UnitOfWork, CloudEvent], None]
# Handles several events (of the types mapped to it, in arrival order) in the caller's unit of work;
# publishes with each one's correlation id.
BatchHandler = Callable[[UnitOfWork, list[CloudEvent]], None]


class PermanentFailure(Exception):
    def __init__(self, reason: FailureReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class EventConsumer:
    """Turns deliveries into handler calls; transport-agnostic (see worker for the loop)."""

    service: str
    handlers: Mapping[str, EventHandler]
    new_uow: Callable[[], UnitOfWork]
    dead_letters: DeadLetterPublisher
    max_attempts: int = 5
    retry_base_delay: float = 0.2
    crash_before_ack: str = ""
    sleep: Callable[[float], None] = time.sleep
    batch_handlers: Mapping[str, BatchHandler] = field(default_factory=dict)
    batch_size: int = 10
    _held: list[tuple[Message, CloudEvent]] = field(default_factory=list, init=False, repr=False)

    def on_message(self, message: Message) -> None:
        """kombu ``on_message`` callback: ack once handled, skipped or dead-lettered (or hold it for a batch)."""
        try:
            event = self.parse(message)
        except PermanentFailure as failure:
            self.flush()
            self._dead_letter(message, failure.reason, failure.detail, attempts=0)
            return
        if event.type in self.batch_handlers:
            self._hold(message, event)
            return
        self.flush()
        self._handle_one(message, event)

    @property
    def holds_events(self) -> bool:
        return bool(self._held)

    def flush(self) -> None:
        """Handle the held events: together, or one by one if that fails."""
        held, self._held = self._held, []
        if len(held) > 1 and self._apply_held(held):
            return
        for message, event in held:
            self._handle_one(message, event)

    def forget_held(self) -> None:
        """Drop held events without acking them: their channel is gone and the broker delivers them again."""
        self._held = []

    def _hold(self, message: Message, event: CloudEvent) -> None:
        if self._held and self.batch_handlers[self._held[0][1].type] is not self.batch_handlers[event.type]:
            self.flush()
        self._held.append((message, event))
        if len(self._held) >= self.batch_size:
            self.flush()

    def _apply_held(self, held: list[tuple[Message, CloudEvent]]) -> bool:
        events = [event for _, event in held]
        try:
            with context.bound(request_id=context.new_id()):
                outcomes = self.apply_batch(events)
        except Exception as error:  # any failure: the events go one by one, with retries and dead letters
            log.warning("batch of %d %s failed; handling them one by one", len(events), events[0].type,
                        extra={"error": repr(error)[:300]})
            return False
        for (message, event), outcome in zip(held, outcomes):
            self._acknowledge(message, event, outcome)
        return True

    def apply_batch(self, events: list[CloudEvent]) -> list[str]:
        """Run the batch handler once for the events not handled before; 'handled' or 'duplicate' for each."""
        with _as_event_handler(events[0]), self.new_uow() as uow:
            new, outcomes = inbox.record_new(uow.session, events), []
            fresh = []
            for event in events:
                outcomes.append("handled" if event.id in new else "duplicate")
                if event.id in new:
                    fresh.append(event)
                    new.discard(event.id)  # the same event twice in one batch is applied once
            if fresh:
                self.batch_handlers[events[0].type](uow, fresh)
            uow.commit()
        return outcomes

    def _handle_one(self, message: Message, event: CloudEvent) -> None:
        with context.bound(request_id=context.new_id(), correlation_id=event.correlationid or event.id):
            self._handle(message, event)

    def parse(self, message: Message) -> CloudEvent:
        from contracts.registry import InvalidEvent, UnknownEventType, validate
        try:
            body = message.body if isinstance(message.body, (dict, list)) else json.loads(message.body)
            event = CloudEvent.from_dict(body)
            validate(event.type, event.data)
        except (ValueError, TypeError, MalformedEvent, UnknownEventType) as error:  # UnknownEventType is a KeyError
            if isinstance(error, UnknownEventType):
                raise PermanentFailure("unknown-type", str(error)) from None
            if isinstance(error, InvalidEvent):
                raise PermanentFailure("invalid", str(error)) from None
            raise PermanentFailure("malformed", str(error)[:500]) from None
        if event.type not in self.handlers:
            raise PermanentFailure("unhandled", f"{self.service} has no handler for {event.type}")
        return event

    def _handle(self, message: Message, event: CloudEvent) -> None:
        for attempt in range(1, self.max_attempts + 1):
            try:
                outcome = self.apply(event)
            except (OperationalError, DBAPIError) as error:
                if getattr(error, "connection_invalidated", False) or isinstance(error, OperationalError):
                    self._requeue_later(message, event, error)
                    return
                failure = error
            except Exception as error:  # the handler's own failure: retry, then dead-letter
                failure = error
            else:
                self._acknowledge(message, event, outcome)
                return
            metrics().events_failed.labels(event.type).inc()
            log.warning("event handler failed", exc_info=failure,
                        extra={"event_id": event.id, "event_type": event.type, "attempt": attempt})
            if attempt < self.max_attempts:
                self.sleep(self.retry_base_delay * 2 ** (attempt - 1))
        self._dead_letter(message, "handler-failed", repr(failure)[:1000], attempts=self.max_attempts, event=event)

    def apply(self, event: CloudEvent) -> str:
        """Run the handler once inside a unit of work; 'handled' or 'duplicate'."""
        with _as_event_handler(event), self.new_uow() as uow:
            if not inbox.record(uow.session, event):
                return "duplicate"
            self.handlers[event.type](uow, event)
            uow.commit()
        return "handled"

    def _acknowledge(self, message: Message, event: CloudEvent, outcome: str) -> None:
        metrics().events_consumed.labels(event.type, outcome).inc()
        log.info("event %s", outcome, extra={"event_id": event.id, "event_type": event.type})
        self._maybe_crash(event)
        message.ack()

    def _requeue_later(self, message: Message, event: CloudEvent, error: Exception) -> None:
        log.error("infrastructure failure; requeueing", extra={"event_id": event.id, "error": repr(error)[:300]})
        self.sleep(self.retry_base_delay * 5)
        message.requeue()

    def _dead_letter(self, message: Message, reason: FailureReason, detail: str, *, attempts: int,
                     event: CloudEvent | None = None) -> None:
        event_type = event.type if event else (message.delivery_info or {}).get("routing_key", "?")
        self.dead_letters.publish(message, reason=reason, detail=detail, attempts=attempts)
        metrics().events_dead_lettered.labels(event_type).inc()
        log.error("event dead-lettered", extra={"reason": reason, "detail": detail, "event_type": event_type,
                                                "event_id": event.id if event else None})
        message.ack()

    def _maybe_crash(self, event: CloudEvent) -> None:
        # Fault injection for reliability tests: die like a SIGKILLed worker
        # after the handler committed but before the broker saw the ack.
        if self.crash_before_ack and self.crash_before_ack == event.type:
            os.kill(os.getpid(), signal.SIGKILL)


def _as_event_handler(event: CloudEvent):
    """No caller's principal while an event is applied (its actor is the system), whoever called ``apply``;
    the ids already bound stay."""
    return context.bound(request_id=context.request_id() or context.new_id(),
                         correlation_id=context.correlation_id() or event.correlationid or event.id)
