"""Outbox relay: moves committed events from the outbox table to the broker.

Rows are claimed in batches (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
several workers share the load), published with confirms, then marked. A
claim that is never completed (the worker died) expires after
``claim_timeout`` and the sweeper hands the rows to the next relay; the event
may then be published twice, which consumers absorb through their inbox.
"""
from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from kombu import Connection, Producer
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from chassis.events.envelope import utcnow
from chassis.events.topology import Topology
from chassis.metrics import metrics
from chassis.tables import outbox

log = logging.getLogger("chassis.relay")

PUBLISH_RETRY_POLICY = {"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 2.0}


class OutboxRelay:
    """Publishes pending outbox rows; one instance per worker process."""

    def __init__(self, sessions: sessionmaker[Session], connection: Connection, topology: Topology, *,
                 batch_size: int = 100, claim_timeout: float = 60.0, retention_hours: int = 72) -> None:
        self.sessions = sessions
        self.connection = connection
        self.topology = topology
        self.batch_size = batch_size
        self.claim_timeout = timedelta(seconds=claim_timeout)
        self.retention = timedelta(hours=retention_hours)
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._producer: Producer | None = None

    def relay_once(self) -> int:
        """Claim, publish and mark one batch; returns how many events went out."""
        claimed = self._claim()
        if not claimed:
            return 0
        published: list[int] = []
        try:
            for row_id, event_type, envelope in claimed:
                self._publish(event_type, envelope)
                published.append(row_id)
                metrics().events_published.labels(event_type).inc()
        except Exception as error:  # broker trouble: keep what went out, free the rest
            log.warning("outbox publish failed; will retry", extra={"error": repr(error)})
            self._release([row_id for row_id, _, _ in claimed if row_id not in set(published)], repr(error))
            self._reset_producer()
            raise
        finally:
            self._mark_published(published)
        return len(published)

    def _claim(self) -> list[tuple[int, str, dict]]:
        now = utcnow()
        with self.sessions() as session, session.begin():
            query = (select(outbox.c.id).where(outbox.c.published_at.is_(None))
                     .where(or_(outbox.c.claimed_at.is_(None), outbox.c.claimed_at < now - self.claim_timeout))
                     .order_by(outbox.c.id).limit(self.batch_size))
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids = list(session.execute(query).scalars())
            if not ids:
                return []
            session.execute(update(outbox).where(outbox.c.id.in_(ids))
                            .values(claimed_by=self.owner, claimed_at=now, attempts=outbox.c.attempts + 1))
            rows = session.execute(select(outbox.c.id, outbox.c.event_type, outbox.c.envelope)
                                   .where(outbox.c.id.in_(ids)).order_by(outbox.c.id))
            return [tuple(row) for row in rows]

    def _publish(self, event_type: str, envelope: dict) -> None:
        producer = self._producer or self._new_producer()
        publish = self.connection.ensure(producer, producer.publish, **PUBLISH_RETRY_POLICY)
        # serializer alone: kombu skips serializing a body when content_type is given
        publish(envelope, exchange=self.topology.events_exchange, routing_key=event_type,
                serializer="json", delivery_mode=2,
                headers={"ce-type": event_type, "ce-id": envelope["id"]})

    def _new_producer(self) -> Producer:
        self.topology.declare(self.connection)
        self._producer = Producer(self.connection.default_channel)
        return self._producer

    def _reset_producer(self) -> None:
        self._producer = None

    def _mark_published(self, ids: list[int]) -> None:
        if not ids:
            return
        with self.sessions() as session, session.begin():
            session.execute(update(outbox).where(outbox.c.id.in_(ids))
                            .values(published_at=utcnow(), claimed_by=None, last_error=None))

    def _release(self, ids: list[int], error: str) -> None:
        if not ids:
            return
        with self.sessions() as session, session.begin():
            session.execute(update(outbox).where(outbox.c.id.in_(ids))
                            .values(claimed_by=None, claimed_at=None, last_error=error[:2000]))

    def sweep(self) -> dict[str, int]:
        """Free claims left by dead relays and purge rows published long ago."""
        now = utcnow()
        with self.sessions() as session, session.begin():
            freed = session.execute(update(outbox).where(outbox.c.published_at.is_(None))
                                    .where(outbox.c.claimed_at < now - self.claim_timeout)
                                    .values(claimed_by=None, claimed_at=None)).rowcount
            purged = session.execute(delete(outbox).where(outbox.c.published_at < now - self.retention)).rowcount
        if freed:
            log.warning("freed stuck outbox rows", extra={"rows": freed})
        return {"freed": freed, "purged": purged}

    def backlog(self) -> int:
        with self.sessions() as session:
            count = session.execute(select(func.count()).select_from(outbox)
                                    .where(outbox.c.published_at.is_(None))).scalar_one()
        metrics().outbox_backlog.set(count)
        return count
