"""Figures read from the services' own databases after the load: the orders' saga and the event lag.

- Settlement: each order placed in the measured window, from its ``created_at`` to the timeline
  entries that made it ``awaiting_payment`` and ``processing`` (README: Orders).
- Event lag: every event a service wrote to its outbox in the window, joined by event id with the
  ``inbox`` rows of the services that handled it: created → handled (publish → consume, the relay
  included) per event type and consumer, and created → published (the relay alone) per producer.
"""
from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime

from load_stack import LoadStack

SETTLED = "processing"


def percentiles(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 4)
    return {"count": len(ordered), "p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 4)}


def wait_for_settlement(stack: LoadStack, order_ids: list[str], timeout: float) -> dict[str, int]:
    """Wait until no placed order is still pending or awaiting payment (or the timeout); count by status."""
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(stack.conninfo("orders"), autocommit=True) as connection:
        while True:
            counts = dict(connection.execute(
                "SELECT status, count(*) FROM orders WHERE id = ANY(%s) GROUP BY status", (order_ids,)).fetchall())
            if not (counts.get("pending") or counts.get("awaiting_payment")) or time.monotonic() > deadline:
                return counts
            time.sleep(0.5)


def settlement(stack: LoadStack, order_ids: list[str]) -> dict:
    """Placed → awaiting_payment → processing latencies (seconds) of ``order_ids``."""
    import psycopg

    with psycopg.connect(stack.conninfo("orders")) as connection:
        rows = connection.execute("""
            SELECT o.created_at,
                   min(t.at) FILTER (WHERE t.to_status = 'awaiting_payment'),
                   min(t.at) FILTER (WHERE t.to_status = %s)
            FROM orders o LEFT JOIN order_timeline t ON t.order_id = o.id AND t.vendor_order_id IS NULL
            WHERE o.id = ANY(%s) GROUP BY o.id, o.created_at""", (SETTLED, order_ids)).fetchall()
    reserved = [(awaiting - placed).total_seconds() for placed, awaiting, _ in rows if awaiting]
    settled = [(done - placed).total_seconds() for placed, _, done in rows if done]
    paid = [(done - awaiting).total_seconds() for _, awaiting, done in rows if done and awaiting]
    return {"orders": len(rows), "settled": len(settled), "placed_to_awaiting_payment": percentiles(reserved),
            "awaiting_payment_to_processing": percentiles(paid), "placed_to_processing": percentiles(settled)}


def event_lag(stack: LoadStack, since: datetime, until: datetime) -> dict:
    """{"consumed": {"<type> -> <consumer>": percentiles}, "relayed": {producer: percentiles}, ...}."""
    import psycopg

    written, handled = {}, defaultdict(list)
    relayed: dict[str, list[float]] = {}
    for service in stack.database_urls:
        with psycopg.connect(stack.conninfo(service)) as connection:
            outbox = connection.execute(
                "SELECT event_id, event_type, created_at, published_at FROM outbox"
                " WHERE created_at >= %s AND created_at < %s", (since, until)).fetchall()
            inbox = connection.execute("SELECT event_id, handled_at FROM inbox WHERE handled_at >= %s",
                                       (since,)).fetchall()
        written.update({event_id: (event_type, created) for event_id, event_type, created, _ in outbox})
        relayed[service] = [(published - created).total_seconds() for _, _, created, published in outbox if published]
        for event_id, handled_at in inbox:
            handled[event_id].append((service, handled_at))
    consumed: dict[str, list[float]] = defaultdict(list)
    for event_id, (event_type, created) in written.items():
        for consumer, handled_at in handled.get(event_id, []):
            consumed[f"{event_type} -> {consumer}"].append((handled_at - created).total_seconds())
    everything = [lag for lags in consumed.values() for lag in lags]
    unconsumed: dict[str, int] = defaultdict(int)  # events no service keeps in an inbox (or not yet handled)
    for event_id, (event_type, _) in written.items():
        if event_id not in handled:
            unconsumed[event_type] += 1
    return {"all": percentiles(everything),
            "consumed": {route: percentiles(lags) for route, lags in sorted(consumed.items())},
            "relayed": {service: percentiles(lags) for service, lags in relayed.items() if lags},
            "events_written": len(written), "in_no_inbox": dict(unconsumed)}
