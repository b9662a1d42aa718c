"""Idempotent event consumer: inbox, retries with backoff, dead letters.

Each delivery is parsed, validated against ``contracts`` and handed to the
service's handler inside one unit of work that also records the event id in
the inbox, so a redelivered event is acknowledged without being applied
again. Handler failures are retried with exponential backoff; what still
fails, or can never succeed (malformed, unknown, invalid, unhandled), goes to
``<service>.dead`` with the reason. Infrastructure failures (database down)
are not the message's fault: it is requeued, never dead-lettered.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import time
from dataclasses import dataclass
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

    def on_message(self, message: Message) -> None:
        """kombu ``on_message`` callback: ack once handled, skipped or dead-lettered."""
        try:
            event = self.parse(message)
        except PermanentFailure as failure:
            self._dead_letter(message, failure.reason, failure.detail, attempts=0)
            return
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
                metrics().events_consumed.labels(event.type, outcome).inc()
                log.info("event %s", outcome, extra={"event_id": event.id, "event_type": event.type})
                self._maybe_crash(event)
                message.ack()
                return
            metrics().events_failed.labels(event.type).inc()
            log.warning("event handler failed", exc_info=failure,
                        extra={"event_id": event.id, "event_type": event.type, "attempt": attempt})
            if attempt < self.max_attempts:
                self.sleep(self.retry_base_delay * 2 ** (attempt - 1))
        self._dead_letter(message, "handler-failed", repr(failure)[:1000], attempts=self.max_attempts, event=event)

    def apply(self, event: CloudEvent) -> str:
        """Run the handler once inside a unit of work; 'handled' or 'duplicate'."""
        with self.new_uow() as uow:
            if not inbox.record(uow.session, event):
                return "duplicate"
            self.handlers[event.type](uow, event)
            uow.commit()
        return "handled"

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
