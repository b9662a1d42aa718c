"""Inbox: the ids of events a service has handled, written in the handler's transaction."""
from __future__ import annotations

import functools
from typing import Sequence

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from chassis.events.envelope import CloudEvent, utcnow
from chassis.tables import inbox


def record(session: Session, event: CloudEvent) -> bool:
    """Record ``event`` as handled; False if it already was (a duplicate delivery)."""
    return bool(record_new(session, [event]))


def record_new(session: Session, events: Sequence[CloudEvent]) -> set[str]:
    """Record events as handled; returns the ids that were not handled before.

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING``, one statement for all: two
    workers racing on the same event serialize on the primary key (the second
    waits for the first to commit) and the loser gets nothing back.
    """
    if not events:
        return set()
    connection = session.connection()
    rows = connection.execute(_insert(connection.dialect.name), [
        {"event_id": event.id, "event_type": event.type, "source": event.source, "handled_at": utcnow()}
        for event in {event.id: event for event in events}.values()])
    return {row.event_id for row in rows}


@functools.cache
def _insert(dialect: str):
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return dialect_insert(inbox).on_conflict_do_nothing(index_elements=["event_id"]).returning(inbox.c.event_id)
