"""Sales events handled in batches (as the worker does under a backlog, several types in one batch): the same
facts and rollups as one by one, whatever the batches' cut, with disorder and duplicates inside a batch."""
from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from chassis.events.consumer import EventConsumer
from chassis.events.envelope import CloudEvent
from analytics import rollups
from analytics.events import batch_handlers_by_type, handlers_by_type
from analytics.testing import (SalesEvents, captured, order_cancelled, placed, refunded, return_event,
                               vendor_order_outcome)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=timezone.utc)


def steps() -> list[tuple[str, dict, datetime]]:
    """cus-1's orders o1 (later) and o0 (earlier); o1 split over two vendors captured in reverse time order;
    o2 (cus-2) refused, cancelled; o3 (cus-2) captured and refunded after a return."""
    return [
        ("order.placed", placed("o1", "cus-1", at(2, 10), [
            ("vo1a", "ven-a", 500, [("l1", "prd-1", "books", 2, 1000), ("l2", "prd-2", None, 1, 300)]),
            ("vo1b", "ven-b", 0, [("l3", "prd-3", "toys", 1, 3000)])]), at(2, 10)),
        ("payment.captured", captured("o1", "vo1b", "ven-b", 3000, 300), at(2, 11)),
        ("payment.captured", captured("o1", "vo1a", "ven-a", 2800, 280), at(2, 12)),
        ("order.placed", placed("o0", "cus-1", at(1, 9), [
            ("vo0a", "ven-a", 0, [("l0", "prd-1", "books", 1, 1000)])]), at(1, 9)),
        ("payment.captured", captured("o0", "vo0a", "ven-a", 1000, 100), at(1, 9, 5)),
        ("order.placed", placed("o2", "cus-2", at(2, 23, 30), [
            ("vo2a", "ven-a", 0, [("l4", "prd-1", "books", 1, 1000)])]), at(2, 23, 30)),
        ("vendor_order.refused", vendor_order_outcome("o2", "vo2a", "ven-a", 1000, "cus-2"), at(2, 23, 50)),
        ("order.cancelled", order_cancelled("o2", 1000, "cus-2"), at(2, 23, 55)),
        ("order.placed", placed("o3", "cus-2", at(3, 8), [
            ("vo3b", "ven-b", 250, [("l5", "prd-3", "toys", 2, 3000)])]), at(3, 8)),
        ("payment.captured", captured("o3", "vo3b", "ven-b", 6250, 625), at(3, 9)),
        ("return.requested", return_event("ret-1", "o3", "vo3b", "ven-b", "l5", "cus-2"), at(4, 8)),
        ("return.received", return_event("ret-1", "o3", "vo3b", "ven-b", "l5", "cus-2"), at(5, 8)),
        ("payment.refunded", refunded("rfd-1", "o3", "vo3b", "ven-b", 3000, 300), at(5, 9)),
        ("vendor_order.cancelled", vendor_order_outcome("o1", "vo1a", "ven-a", 2800), at(6, 9)),
    ]


def events_of(chosen) -> list[CloudEvent]:
    return [replace(CloudEvent.new(kind.split(".")[0], kind, data), time=moment.isoformat(timespec="microseconds"),
                    id=str(uuid.uuid4())) for kind, data, moment in chosen]


def apply_in_batches(app, events: list[CloudEvent], rng: random.Random) -> list[str]:
    runtime = app.extensions["chassis.runtime"]
    consumer = EventConsumer(service=runtime.name, handlers=handlers_by_type(), new_uow=runtime.uow,
                             dead_letters=None, batch_handlers=batch_handlers_by_type())
    outcomes, start = [], 0
    while start < len(events):
        size = rng.randint(1, 7)
        outcomes += consumer.apply_batch(events[start:start + size])
        start += size
    return outcomes


@pytest.fixture
def other_app(service_app):
    from analytics.app import definition
    return service_app(definition())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batches_of_mixed_events_give_the_rollups_of_one_by_one(app, other_app, seed):
    one_by_one = SalesEvents(app)
    for kind, data, moment in steps():
        assert one_by_one.send(kind, data, moment) == "handled"
    rng = random.Random(seed)
    chosen = steps() + rng.sample(steps(), 6)  # the same facts again under new ids
    rng.shuffle(chosen)
    assert set(apply_in_batches(other_app, events_of(chosen), rng)) == {"handled"}
    batched = SalesEvents(other_app)
    assert batched.rollups() == one_by_one.rollups()
    with other_app.extensions["chassis.runtime"].uow() as uow:
        rollups.rebuild(uow.session)
        uow.commit()
    assert batched.rollups() == one_by_one.rollups()


def test_one_batch_holding_everything_twice(app, other_app):
    one_by_one = SalesEvents(app)
    for kind, data, moment in reversed(steps()):
        one_by_one.send(kind, data, moment)
    runtime = other_app.extensions["chassis.runtime"]
    consumer = EventConsumer(service=runtime.name, handlers=handlers_by_type(), new_uow=runtime.uow,
                             dead_letters=None, batch_handlers=batch_handlers_by_type())
    events = events_of(steps() + list(reversed(steps())))
    assert set(consumer.apply_batch(events + events[:3])) == {"handled", "duplicate"}
    assert SalesEvents(other_app).rollups() == one_by_one.rollups()
