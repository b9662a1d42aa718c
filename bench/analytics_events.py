"""The sales events the analytics ingestion benchmark publishes, and how it publishes them.

- ``sales_stream``: a realistic mix built from the contract examples (``contracts.examples``) with unique ids
  and consistent amounts: ``order.placed`` (1-3 lines over 1-2 vendors, products of the vendor, categories,
  returning customers), then for each vendor order most often ``payment.captured`` (its total, 15 %
  commission), sometimes ``payment.refunded`` days later (one line, its commission reversed), or
  ``vendor_order.refused`` / ``vendor_order.cancelled``; an order whose every vendor order was refused or
  cancelled is then ``order.cancelled``. Every event is checked against its contract and the stream is in
  event-time order, as producers would emit it (so types interleave, as on a live queue).
- ``publish_to_analytics``: the envelopes published with kombu straight to the topology the analytics
  worker consumes (``chassis.events.topology``: the namespace's topic exchange, analytics' quorum queue
  bound to its subscriptions, declared with the same arguments as the worker), as the outbox relay
  publishes them; returns once the queue holds them all.
"""
from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

SERVICE = "analytics"
CURRENCY = "EUR"
COMMISSION_PERCENT = 15
SOURCES = {"order": "orders", "vendor_order": "orders", "payment": "payments"}


@dataclass(frozen=True)
class Stream:
    envelopes: list[dict]
    by_type: dict[str, int]
    orders: int
    mean_run: float  # consecutive events of one type, on average (what the consumer's batches can share)


def sales_stream(count: int, *, vendors: int = 200, products_per_vendor: int = 40, categories: int = 100,
                 days: int = 365, seed: int = 11) -> Stream:
    """At least ``count`` events (whole orders), in event-time order, contract-checked."""
    from chassis.events.envelope import CloudEvent
    from contracts.examples import example
    from contracts.registry import validate

    chance = random.Random(seed)
    end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    start = end - timedelta(days=days)
    run = uuid.uuid4().hex[:8]
    events: list[tuple[datetime, str, dict]] = []
    customers = max(count // 6, 1)  # about one order in two from a returning customer
    orders = 0
    while len(events) < count:
        orders += 1
        order_id = f"bo-{run}-{orders}"
        placed_at = start + timedelta(seconds=chance.uniform(0, days * 86400))
        placed, parts = _placed(example, chance, order_id, f"bc-{chance.randrange(customers)}", placed_at,
                                vendors, products_per_vendor, categories)
        events.append((placed_at, "order.placed", placed))
        closed = 0
        for part in parts:
            fate = chance.random()
            facts = {"order_id": order_id, "vendor_order_id": part["vendor_order_id"], "vendor_id": part["vendor_id"],
                     "currency": CURRENCY}
            if fate < 0.05:
                kind = "vendor_order.refused" if fate < 0.03 else "vendor_order.cancelled"
                events.append((placed_at + timedelta(hours=chance.uniform(1, 48)), kind, example(
                    kind, **facts, customer_id=placed["customer_id"], total_minor=part["total_minor"])))
                closed += 1
                continue
            if fate > 0.98:
                continue  # not captured yet
            captured_at = placed_at + timedelta(minutes=chance.uniform(1, 30))
            payment = {**facts, "payment_id": f"pay-{order_id}", "amount_minor": part["total_minor"]}
            events.append((captured_at, "payment.captured", example(
                "payment.captured", **payment, commission_minor=part["total_minor"] * COMMISSION_PERCENT // 100)))
            if fate > 0.93:
                line = part["lines"][0]["quantity"] * part["lines"][0]["unit_price_minor"]
                refund = f"rfd-{part['vendor_order_id']}"
                events.append((captured_at + timedelta(days=chance.uniform(2, 20)), "payment.refunded", example(
                    "payment.refunded", **{**payment, "amount_minor": line}, refund_id=refund,
                    refund_request_id=f"rfq-{part['vendor_order_id']}",
                    commission_reversed_minor=line * COMMISSION_PERCENT // 100)))
        if closed == len(parts):
            events.append((placed_at + timedelta(hours=49), "order.cancelled", example(
                "order.cancelled", order_id=order_id, customer_id=placed["customer_id"], currency=CURRENCY,
                total_minor=placed["total_minor"], reason="vendor_orders_closed")))
    events.sort(key=lambda item: item[0])
    envelopes, by_type, runs, previous = [], {}, 0, None
    for at, event_type, data in events:
        validate(event_type, data)  # a dead-lettered event would not be measured
        event = CloudEvent(id=str(uuid.uuid4()), source=f"/marketplace/{SOURCES[event_type.split('.')[0]]}",
                           type=event_type, time=at.isoformat(timespec="microseconds"), data=data,
                           correlationid=data["order_id"])
        envelopes.append(event.to_dict())
        by_type[event_type] = by_type.get(event_type, 0) + 1
        runs += event_type != previous
        previous = event_type
    return Stream(envelopes, dict(sorted(by_type.items())), orders, len(envelopes) / max(runs, 1))


def _placed(example, chance: random.Random, order_id: str, customer_id: str, at: datetime, vendors: int,
            products_per_vendor: int, categories: int) -> tuple[dict, list[dict]]:
    """order.placed data: 1-3 lines (of products of their vendor) in 1-2 vendor orders, amounts that add up."""
    template = example("order.placed")["vendor_orders"][0]
    line_template = template["lines"][0]
    line_count = chance.choice((1, 1, 2, 2, 3))
    vendor_count = 1 if line_count == 1 or chance.random() < 0.6 else 2
    parts = []
    for v in range(vendor_count):
        vendor = chance.randrange(vendors)
        lines = []
        for n in range(v, line_count, vendor_count):
            product = min(int(chance.paretovariate(1.2)) - 1, products_per_vendor - 1)  # a few best sellers
            lines.append({**line_template, "line_id": f"{order_id}-l{n}", "offer_id": f"off-{vendor}-{product}",
                          "product_id": f"prd-{vendor:04d}-{product:03d}", "vendor_id": f"ven-{vendor:04d}",
                          "category_id": f"cat-{(vendor * products_per_vendor + product) % categories:03d}",
                          "quantity": chance.choice((1, 1, 1, 2, 3)),
                          "unit_price_minor": chance.randrange(500, 20_000)})
        items = sum(line["quantity"] * line["unit_price_minor"] for line in lines)
        shipping = chance.choice((0, 490, 690))
        parts.append({**template, "vendor_order_id": f"{order_id}-v{v}", "vendor_id": f"ven-{vendor:04d}",
                      "items_total_minor": items, "shipping_minor": shipping, "total_minor": items + shipping,
                      "lines": lines})
    data = example("order.placed", order_id=order_id, customer_id=customer_id, currency=CURRENCY,
                   total_minor=sum(part["total_minor"] for part in parts), vendor_orders=parts,
                   placed_at=at.isoformat(timespec="milliseconds"))
    return data, parts


def publish_to_analytics(envelopes: list[dict], broker_url: str, namespace: str, timeout: float = 120) -> float:
    """Publish every envelope (routing key = type) where analytics' queue gets it; wait until the queue holds
    them all. Only the exchanges and analytics' queues are declared (other services' queues would keep copies).
    Returns the seconds it took."""
    from kombu import Connection, Producer

    from chassis.events.topology import topology_for

    started = time.monotonic()
    topology = topology_for(broker_url, namespace)
    with Connection(broker_url, heartbeat=0) as connection:
        channel = connection.channel()
        topology.events_exchange(channel).declare()
        topology.dead_letter_exchange(channel).declare()
        queue = topology.queue(SERVICE)(channel)
        queue.declare()
        topology.dead_letter_queue(SERVICE)(channel).declare()
        producer = Producer(channel)
        for envelope in envelopes:
            producer.publish(envelope, exchange=topology.events_exchange, routing_key=envelope["type"],
                             serializer="json", delivery_mode=2,
                             headers={"ce-type": envelope["type"], "ce-id": envelope["id"]})
        deadline = time.monotonic() + timeout
        while (held := queue_depth(connection, topology.queue_name(SERVICE))) < len(envelopes):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the analytics queue holds {held} of {len(envelopes)} events after {timeout:g}s")
            time.sleep(0.2)
    return time.monotonic() - started


def queue_depth(connection, name: str) -> int:
    """Messages ready in queue ``name`` (a passive declare)."""
    return connection.channel().queue_declare(queue=name, passive=True).message_count
