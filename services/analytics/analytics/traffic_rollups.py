"""Rebuild the traffic rollups from what ingest stored: tracked events (page views, product views, adds to
cart, checkouts, visitor-days) and sessions (visits and funnel steps, on the session's day).

The rebuild counts exactly what ``analytics.tracking`` adds incrementally, so after a rebuild every
rollup row is what it was (a test proves it). Run it after a bug fix in the counting, or to check.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timezone

from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from chassis.modeling import utc
from analytics.models.traffic import (TRAFFIC_COUNTERS, ProductTrafficDay, TrackedEvent, TrafficDay, TrafficSession,
                                      VisitorDay)

_EVENT_COUNTERS = {"page_view": "page_views", "product_view": "product_views", "add_to_cart": "adds_to_cart",
                   "checkout_started": "checkouts_started"}
_SESSION_STEPS = (("reached_product_view", "sessions_with_product_view"),
                  ("reached_add_to_cart", "sessions_with_add_to_cart"), ("reached_checkout", "sessions_with_checkout"))


def rebuild(session: Session) -> int:
    """Delete every traffic rollup row (and visitor-day) and count them again; the number of rows written.

    On PostgreSQL the traffic tables are locked against writes first: a batch being ingested then either
    committed before (and is counted) or waits for the rebuild to commit (and adds its deltas after).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE tracked_events, traffic_sessions, visitor_days, traffic_days, "
                             "product_traffic_days IN EXCLUSIVE MODE"))
    days: dict[date, Counter] = defaultdict(Counter)
    products: dict[tuple[date, str], Counter] = defaultdict(Counter)
    visitors: set[tuple[date, str]] = set()
    events = TrackedEvent.__table__.c
    for kind, visitor_id, occurred_at, product_id in session.execute(
            select(events.kind, events.visitor_id, events.occurred_at, events.product_id)).yield_per(10_000):
        day = utc(occurred_at).astimezone(timezone.utc).date()
        days[day][_EVENT_COUNTERS[kind]] += 1
        visitors.add((day, visitor_id))
        if product_id and kind in ("product_view", "add_to_cart"):
            products[(day, product_id)]["views" if kind == "product_view" else "adds_to_cart"] += 1
    for day, _ in visitors:
        days[day]["unique_visitors"] += 1
    sessions = TrafficSession.__table__.c
    for row in session.execute(select(sessions.day, *(sessions[flag] for flag, _ in _SESSION_STEPS))).yield_per(10_000):
        days[row.day]["visits"] += 1
        for flag, counter in _SESSION_STEPS:
            days[row.day][counter] += int(bool(getattr(row, flag)))
    return _replace(session, days, products, visitors)


def _replace(session: Session, days, products, visitors) -> int:
    for model in (TrafficDay, ProductTrafficDay, VisitorDay):
        session.execute(delete(model))
    rows = [
        (TrafficDay, [{"day": day, **{name: counts[name] for name in TRAFFIC_COUNTERS}}
                      for day, counts in days.items()]),
        (ProductTrafficDay, [{"day": day, "product_id": product_id, "views": counts["views"],
                              "adds_to_cart": counts["adds_to_cart"]}
                             for (day, product_id), counts in products.items()]),
        (VisitorDay, [{"day": day, "visitor_id": visitor_id} for day, visitor_id in visitors]),
    ]
    for model, values in rows:
        if values:
            session.execute(insert(model.__table__), values)
    return sum(len(values) for model, values in rows if model is not VisitorDay)
