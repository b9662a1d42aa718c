"""Events analytics consumes (each handler translates an event into facts and rollup deltas, see
``analytics.facts``). The chassis inbox drops a redelivered event id; the facts' natural keys drop the same
fact published again under a new id. Facts are counted at the event's own time, never at arrival."""
from __future__ import annotations

from datetime import datetime
from typing import Mapping

from chassis.events.consumer import BatchHandler, EventHandler
from chassis.events.envelope import CloudEvent
from chassis.uow import UnitOfWork
from analytics import event_log, facts, product_vendors
from analytics.domain.buckets import as_utc
from analytics.rollups import Deltas


def record_facts(session, deltas: Deltas, event: CloudEvent) -> None:
    """The facts of one sales event and their rollup deltas."""
    record_batch_facts(session, deltas, [event])


def record_batch_facts(session, deltas: Deltas, events: list[CloudEvent]) -> None:
    """The facts of sales events (any types, any order) and their rollup deltas, a few statements in all
    (also what ``analytics.event_log.replay`` runs)."""
    facts.record(session, deltas, [(event.type, event.data, _event_time(event)) for event in events])


def on_sales_event(uow: UnitOfWork, event: CloudEvent) -> None:
    on_sales_events(uow, [event])


def on_sales_events(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    """A backlog of sales events (any of their types: they share this handler) recorded in one transaction, a
    fixed number of statements whatever its size (see ``analytics.facts.record``)."""
    with uow:
        event_log.record(uow.session, events)  # first: waits for a replay under way (see event_log)
        deltas = Deltas()
        record_batch_facts(uow.session, deltas, events)
        deltas.flush(uow.session)
        uow.commit()


def _event_time(event: CloudEvent) -> datetime:
    return as_utc(event.occurred_at)


SALES_EVENTS = ("order.placed", "order.cancelled", "vendor_order.refused", "vendor_order.cancelled",
                "payment.captured", "payment.refunded", "return.requested", "return.received")


def handlers_by_type() -> Mapping[str, EventHandler]:
    """Event type -> handler: exactly ``contracts.subscriptions('analytics')``."""
    return {**{event_type: on_sales_event for event_type in SALES_EVENTS}, **product_vendors.handlers_by_type()}


def batch_handlers_by_type() -> Mapping[str, BatchHandler]:
    """The same events, handled in batches under a backlog (see ``chassis.events.consumer``): one handler for
    every type, so a batch takes consecutive sales events whatever their types."""
    return {event_type: on_sales_events for event_type in SALES_EVENTS}


# The largest batch (``ServiceDefinition.event_batch_size``): a batch costs about the same statements at 10
# events as at 50: under a backlog, 50 at a time took ~40% less CPU per event than 10 (in-process, PostgreSQL).
BATCH_SIZE = 50
