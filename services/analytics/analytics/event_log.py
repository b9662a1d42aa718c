"""The event log: every sales event analytics consumed, appended in the transaction that records its facts,
and the replay that rebuilds the sales facts (then the rollups) from it.

The log is append-only and never pruned: it grows by one row per event consumed (about 750 bytes on PostgreSQL
with its indexes, for the benchmark's mix). Pruning it would make every later replay lose the pruned events'
facts, which ``replay`` refuses. The inbox already drops a redelivered id; an event re-published under a new id
is logged again, and its replay, like its first delivery, changes nothing (facts are unique on natural keys).

Replay order is event time, then id. Where one natural key was published twice with different data or times,
the consumer kept the first to arrive and the replay keeps the earliest in event time.
"""
from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Iterable, Iterator

from sqlalchemy import and_, delete, func, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from chassis.events.envelope import CloudEvent
from chassis.modeling import now
from analytics.domain.buckets import as_utc
from analytics.models.event_log import LoggedEvent
from analytics.models.sales import SalesLine, SalesMovement, SalesOrder, SalesOutcome, SalesVendorOrder

FACTS = (SalesOrder, SalesVendorOrder, SalesLine, SalesMovement, SalesOutcome)
REPLAY_BATCH = 500


class IncompleteLog(RuntimeError):
    """Replaying the log would lose facts: they were recorded from events the log does not hold."""


def record(session: Session, events: Iterable[CloudEvent]) -> None:
    """Append ``events`` to the log (one statement; an id already logged is skipped)."""
    received_at = now()
    rows = [{"event_id": event.id, "event_type": event.type, "source": event.source,
             "occurred_at": as_utc(event.occurred_at), "received_at": received_at, "data": event.data}
            for event in events]
    if rows:
        session.connection().execute(_insert_skipping_known(session.get_bind().dialect.name), rows)


@cache
def _insert_skipping_known(dialect_name: str):
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(LoggedEvent.__table__).on_conflict_do_nothing(index_elements=["event_id"])


def logged(session: Session, batch: int = REPLAY_BATCH) -> Iterator[list[CloudEvent]]:
    """The logged events in event-time order (then id), ``batch`` at a time."""
    after: tuple[datetime, str] | None = None
    while True:
        query = select(LoggedEvent).order_by(LoggedEvent.occurred_at, LoggedEvent.event_id).limit(batch)
        if after is not None:
            query = query.where(or_(LoggedEvent.occurred_at > after[0],
                                    and_(LoggedEvent.occurred_at == after[0], LoggedEvent.event_id > after[1])))
        rows = session.scalars(query).all()
        if not rows:
            return
        after = (rows[-1].occurred_at, rows[-1].event_id)
        yield [CloudEvent(id=row.event_id, source=row.source, type=row.event_type,
                          time=as_utc(row.occurred_at).isoformat(timespec="microseconds"), data=row.data)
               for row in rows]
        session.expunge_all()  # the batch's facts are flushed: keep memory flat over a long log


def replay(session: Session, batch: int = REPLAY_BATCH) -> tuple[int, int]:
    """Empty the sales facts and rollups, record every logged event again through the consumer's own fact code
    (event-time order, then id, ``batch`` at a time as a consumer's backlog), then rebuild the rollups from
    those facts; (events replayed, rollup rows).

    Locks the log, facts and rollups against writes first on PostgreSQL (in the order a consumer writes them,
    so neither waits on the other for ever): an event consumed meanwhile waits, then counts once. Raises
    ``IncompleteLog`` (the caller rolls back) if a fact table would end up smaller: facts that predate the log
    cannot be replayed."""
    from analytics import events, rollups
    from analytics.rollups import Deltas
    if session.get_bind().dialect.name == "postgresql":
        tables = ", ".join(model.__tablename__ for model in (LoggedEvent, *FACTS, *rollups.ROLLUP_MODELS))
        session.execute(text(f"LOCK TABLE {tables} IN EXCLUSIVE MODE"))
    before = _counts(session)
    for model in (*FACTS, *rollups.ROLLUP_MODELS):
        session.execute(delete(model))
    replayed = 0
    for chunk in logged(session, batch):
        events.record_batch_facts(session, Deltas(), chunk)  # deltas dropped: the rollups are rebuilt below
        replayed += len(chunk)
    after = _counts(session)
    lost = {table: (before[table], after[table]) for table in before if after[table] < before[table]}
    if lost:
        raise IncompleteLog("replaying the event log would lose facts (table: before, after): "
                            + ", ".join(f"{table}: {was}, {kept}" for table, (was, kept) in lost.items()))
    return replayed, rollups.rebuild(session)


def _counts(session: Session) -> dict[str, int]:
    return {model.__tablename__: session.scalar(select(func.count()).select_from(model)) for model in FACTS}
