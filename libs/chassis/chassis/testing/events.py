"""Events in tests: hand one to a service's consumer as the worker would, read what a service published."""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace

from sqlalchemy import select

from chassis.events.consumer import EventConsumer, EventHandler
from chassis.events.envelope import CloudEvent
from chassis.tables import outbox


class _Message:
    def __init__(self, body: dict) -> None:
        self.body = body


def deliver(runtime, handlers: Mapping[str, EventHandler], event_type: str, data: dict, *,
            event_id: str | None = None) -> str:
    """Validate the event against its contract, then apply it through the real consumer (inbox included);
    'handled' or 'duplicate'. The source is the event type's producer prefix (``order.placed`` → orders)."""
    consumer = EventConsumer(service=runtime.name, handlers=handlers, new_uow=runtime.uow, dead_letters=None)
    event = CloudEvent.new(event_type.split(".")[0], event_type, data)
    if event_id is not None:
        event = replace(event, id=event_id)
    consumer.parse(_Message(event.to_dict()))
    return consumer.apply(event)


def published(runtime, event_type: str, where: Callable[[dict], bool] = lambda data: True) -> list[dict]:
    """The data of every ``event_type`` event in the service's outbox, oldest first, each checked
    against its contract."""
    from contracts.registry import validate
    with runtime.uow() as uow:
        rows = uow.session.execute(select(outbox.c.envelope).where(outbox.c.event_type == event_type)
                                   .order_by(outbox.c.id))
        envelopes = [envelope if isinstance(envelope, dict) else json.loads(envelope) for (envelope,) in rows]
    found = [envelope["data"] for envelope in envelopes if where(envelope["data"])]
    for data in found:
        validate(event_type, data)
    return found
