"""Test helpers: valid contract events handed to analytics' real consumer at a chosen event time, and the
rollups read back as plain rows."""
from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select

from chassis.events.consumer import EventConsumer
from chassis.events.envelope import CloudEvent
from chassis.tables import outbox
from analytics.domain.metrics import COUNTERS
from analytics.events import handlers_by_type
from analytics.rollups import KEY, ROLLUP_MODELS


class _Message:
    def __init__(self, body: dict) -> None:
        self.body = body


class SalesEvents:
    """Sends sales events to analytics (through the inbox, contract-checked) and remembers them for replay."""

    def __init__(self, app) -> None:
        self.runtime = app.extensions["chassis.runtime"]
        self.sent: list[CloudEvent] = []

    def send(self, event_type: str, data: dict, at: datetime, event_id: str | None = None) -> str:
        """Deliver ``event_type`` that happened at ``at``; 'handled' or 'duplicate'."""
        event = replace(CloudEvent.new(event_type.split(".")[0], event_type, data),
                        time=at.isoformat(timespec="microseconds"), id=event_id or str(uuid.uuid4()))
        self.sent.append(event)
        return self.apply(event)

    def apply(self, event: CloudEvent) -> str:
        consumer = EventConsumer(service=self.runtime.name, handlers=handlers_by_type(), new_uow=self.runtime.uow,
                                 dead_letters=None)
        consumer.parse(_Message(event.to_dict()))
        return consumer.apply(event)

    def relay(self, producer_runtime, event_types: tuple[str, ...]) -> list[str]:
        """Apply the ``event_types`` events another service published (its outbox, oldest first) with their
        own ids and times, as the broker would."""
        with producer_runtime.uow() as uow:
            rows = uow.session.execute(select(outbox.c.envelope).where(outbox.c.event_type.in_(event_types))
                                       .order_by(outbox.c.id)).all()
        envelopes = [envelope if isinstance(envelope, dict) else json.loads(envelope) for (envelope,) in rows]
        outcomes = []
        for envelope in envelopes:
            event = CloudEvent.from_dict(envelope)
            self.sent.append(event)
            outcomes.append(self.apply(event))
        return outcomes

    def redeliver_all(self, new_ids: bool = False) -> list[str]:
        """Every event sent so far again (same ids: the inbox drops them; new ids: the facts' keys do)."""
        return [self.apply(replace(event, id=str(uuid.uuid4())) if new_ids else event) for event in list(self.sent)]

    def rollups(self) -> list[tuple]:
        """Every rollup row with a non-zero counter, as (key..., counters...) tuples in key order."""
        found = []
        with self.runtime.uow() as uow:
            for model in ROLLUP_MODELS:
                rows = uow.session.execute(select(model).order_by(*[getattr(model, k) for k in KEY])).scalars()
                found += [tuple(_plain(getattr(row, k)) for k in KEY) + tuple(getattr(row, c) for c in COUNTERS)
                          for row in rows]
        return [row for row in found if any(row[len(KEY):])]


def _plain(value):
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value


def placed(order_id: str, customer_id: str, at: datetime, parts: list[tuple], currency: str = "EUR") -> dict:
    """order.placed data; ``parts`` = [(vendor_order_id, vendor_id, shipping, [(line_id, product, category,
    quantity, unit_price)])]."""
    vendor_orders = []
    for vendor_order_id, vendor_id, shipping, lines in parts:
        items = sum(quantity * price for _, _, _, quantity, price in lines)
        vendor_orders.append({
            "vendor_order_id": vendor_order_id, "vendor_id": vendor_id, "items_total_minor": items,
            "shipping_minor": shipping, "total_minor": items + shipping, "lines": [
                {"line_id": line_id, "offer_id": f"off-{line_id}", "product_id": product, "category_id": category,
                 "vendor_id": vendor_id, "quantity": quantity, "unit_price_minor": price, "title": "Thing"}
                for line_id, product, category, quantity, price in lines]})
    return {"order_id": order_id, "customer_id": customer_id, "currency": currency,
            "total_minor": sum(part["total_minor"] for part in vendor_orders), "placed_at": at.isoformat(),
            "vendor_orders": vendor_orders}


def captured(order_id: str, vendor_order_id: str, vendor_id: str, amount: int, commission: int,
             currency: str = "EUR") -> dict:
    return {"payment_id": f"pay-{order_id}", "order_id": order_id, "vendor_order_id": vendor_order_id,
            "vendor_id": vendor_id, "amount_minor": amount, "commission_minor": commission, "currency": currency}


def refunded(refund_id: str, order_id: str, vendor_order_id: str, vendor_id: str, amount: int, commission: int,
             currency: str = "EUR") -> dict:
    return {"refund_id": refund_id, "refund_request_id": None, "payment_id": f"pay-{order_id}",
            "order_id": order_id, "vendor_order_id": vendor_order_id, "vendor_id": vendor_id,
            "amount_minor": amount, "currency": currency, "commission_reversed_minor": commission}


def vendor_order_outcome(order_id: str, vendor_order_id: str, vendor_id: str, total: int, customer_id: str = "cus-1",
                         currency: str = "EUR") -> dict:
    """vendor_order.refused / vendor_order.cancelled data."""
    return {"order_id": order_id, "vendor_order_id": vendor_order_id, "vendor_id": vendor_id,
            "customer_id": customer_id, "currency": currency, "total_minor": total, "reason": "out_of_stock"}


def order_cancelled(order_id: str, total: int, customer_id: str = "cus-1", currency: str = "EUR") -> dict:
    return {"order_id": order_id, "customer_id": customer_id, "currency": currency, "total_minor": total,
            "reason": "customer_cancelled"}


def return_event(return_id: str, order_id: str, vendor_order_id: str, vendor_id: str, line_id: str,
                 customer_id: str = "cus-1") -> dict:
    """return.requested / return.received data (one line, restocked)."""
    return {"return_id": return_id, "order_id": order_id, "vendor_order_id": vendor_order_id, "vendor_id": vendor_id,
            "customer_id": customer_id, "lines": [{"line_id": line_id, "offer_id": f"off-{line_id}", "quantity": 1,
                                                   "restock": True}], "reason": "arrived broken"}
