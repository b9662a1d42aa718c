"""Unit of work: one transaction holding the business change, its events and its audit.

Events go to the outbox table in the same transaction as the state change
(so a crash never publishes a change that did not commit, nor loses one
that did); the worker relays them to the broker later.
"""
from __future__ import annotations

import functools
from typing import Any, NamedTuple, Sequence

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from chassis import context
from chassis.events.envelope import CloudEvent, utcnow
from chassis.tables import audit_log, outbox


class Outgoing(NamedTuple):
    """An event to publish: its type, data, and optionally subject and correlation id."""

    event_type: str
    data: dict[str, Any]
    subject: str | None = None
    correlation_id: str | None = None


class UnitOfWork:
    """``with uow: ... uow.commit()``; leaving the block without commit rolls back.

    Blocks nest: an event consumer opens the outer block (to record the event
    in its inbox) and the use-case handler it calls opens an inner one; only
    the outer commit ends the transaction, so the inbox row, the change and
    its events commit together.
    """

    def __init__(self, sessions: sessionmaker[Session], service: str) -> None:
        self._sessions = sessions
        self.service = service
        self.session: Session | None = None
        self.published: list[CloudEvent] = []
        self._depth = 0

    def __enter__(self) -> "UnitOfWork":
        self._depth += 1
        if self._depth == 1:
            self.session = self._sessions()
            self.published = []
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._depth -= 1
        if self._depth == 0 and self.session is not None:
            self.session.rollback()
            self.session.close()
            self.session = None

    def commit(self) -> None:
        if self._depth > 1:
            self._session.flush()
            return
        self._session.commit()

    def rollback(self) -> None:
        self._session.rollback()
        self.published = []

    @property
    def _session(self) -> Session:
        if self.session is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self.session

    def publish(self, event_type: str, data: dict[str, Any], *, subject: str | None = None,
                correlation_id: str | None = None) -> CloudEvent:
        """Record an event in the outbox; it is validated against ``contracts`` first.

        ``correlation_id`` defaults to the current request's or consumed event's; a
        handler of a batch of events names each one's.
        """
        return self.publish_all([Outgoing(event_type, data, subject, correlation_id)])[0]

    def publish_all(self, outgoing: Sequence["Outgoing"]) -> list[CloudEvent]:
        """Record several events in the outbox with one statement (in this order); each validated first."""
        from contracts.registry import validate
        events = []
        for event_type, data, subject, correlation_id in outgoing:
            validate(event_type, data)
            events.append(CloudEvent.new(self.service, event_type, data, subject=subject,
                                         correlation_id=correlation_id))
        if events:
            moment = utcnow()
            self._session.connection().execute(_outbox_insert(), [
                {"event_id": event.id, "event_type": event.type, "envelope": event.to_dict(), "created_at": moment,
                 "attempts": 0} for event in events])
            self.published += events
        return events

    def audit(self, action: str, target_type: str, target_id: str, *, before: Any = None, after: Any = None,
              reason: str | None = None, actor: str | None = None) -> None:
        """Record who did what to which object, with the values before and after."""
        caller = context.principal()
        self._session.connection().execute(_audit_insert(), {
            "occurred_at": utcnow(), "actor": actor or getattr(caller, "subject", None) or "system",
            "actor_roles": " ".join(sorted(getattr(caller, "roles", ()) or ())), "action": action,
            "target_type": target_type, "target_id": str(target_id), "before": before, "after": after,
            "reason": reason, "request_id": context.request_id()})


# Built once and reused: a statement's compiled form and cache key are memoized on the object.
@functools.cache
def _outbox_insert():
    return insert(outbox)


@functools.cache
def _audit_insert():
    return insert(audit_log)
