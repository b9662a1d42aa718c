"""Inbox: the ids of events a service has handled, written in the handler's transaction."""
from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chassis.events.envelope import CloudEvent, utcnow
from chassis.tables import inbox


def record(session: Session, event: CloudEvent) -> bool:
    """Record ``event`` as handled; False if it already was (a duplicate delivery).

    Inserting first (rather than checking) makes two workers racing on the same
    event serialize on the primary key: the loser's insert fails and it skips.
    """
    try:
        with session.begin_nested():
            session.execute(insert(inbox).values(event_id=event.id, event_type=event.type, source=event.source,
                                                 handled_at=utcnow()))
    except IntegrityError:
        return False
    return True
