"""Ingest a batch of front-office events: store them compactly and move the traffic rollups by deltas.

One transaction per batch (all or nothing). Each event is stored once (its fingerprint): a resent
batch changes nothing. Sessions, visitor-days and rollups are written with INSERT ... ON CONFLICT,
so concurrent batches of the same session or day add up instead of overwriting each other.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Sequence

from sqlalchemy import bindparam, case, true, update
from sqlalchemy.dialects import postgresql, sqlite

from analytics.models.traffic import (TRAFFIC_COUNTERS, ProductTrafficDay, TrackedEvent, TrafficDay, TrafficSession,
                                      VisitorDay)
from analytics.track_rules import fingerprint

_FUNNEL_FLAGS = (("product_view", "reached_product_view", "sessions_with_product_view"),
                 ("add_to_cart", "reached_add_to_cart", "sessions_with_add_to_cart"),
                 ("checkout_started", "reached_checkout", "sessions_with_checkout"))
_EVENT_COUNTERS = {"page_view": "page_views", "product_view": "product_views", "add_to_cart": "adds_to_cart",
                   "checkout_started": "checkouts_started"}


@dataclass(frozen=True)
class Hit:
    """One validated event (see ``analytics.api.track``); ``occurred_at`` already clamped, UTC."""

    kind: str
    visitor_id: str
    session_id: str
    occurred_at: datetime
    path: str | None = None
    product_id: str | None = None
    referrer_host: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None

    @property
    def day(self) -> date:
        return self.occurred_at.astimezone(timezone.utc).date()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.kind, self.session_id, self.occurred_at, self.path, self.product_id)


def track(uow, hits: Sequence[Hit]) -> int:
    """Store a validated batch and update sessions and rollups; returns how many events were new."""
    with uow:
        connection = uow.session.connection()
        fresh = _store_new(connection, sorted(hits, key=lambda hit: (hit.occurred_at, hit.session_id)))
        if fresh:
            days: dict[date, Counter] = defaultdict(Counter)
            _count_sessions(connection, fresh, days)
            _count_visitors(connection, fresh, days)
            for hit in fresh:
                days[hit.day][_EVENT_COUNTERS[hit.kind]] += 1
            _add_to_days(connection, days)
            _add_to_products(connection, fresh)
        uow.commit()
    return len(fresh)


def _insert(connection, table):
    return (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(table)


def _store_new(connection, hits: list[Hit]) -> list[Hit]:
    by_fingerprint = {hit.fingerprint: hit for hit in hits}
    table = TrackedEvent.__table__
    rows = [{"fingerprint": key, "kind": hit.kind, "visitor_id": hit.visitor_id, "session_id": hit.session_id,
             "occurred_at": hit.occurred_at, "path": hit.path, "product_id": hit.product_id}
            for key, hit in sorted(by_fingerprint.items())]  # one lock order for concurrent batches
    inserted = set(connection.scalars(_insert(connection, table).values(rows).on_conflict_do_nothing(
        index_elements=["fingerprint"]).returning(table.c.fingerprint)))
    return [hit for key, hit in by_fingerprint.items() if key in inserted]


def _count_sessions(connection, hits: list[Hit], days: dict[date, Counter]) -> None:
    """New sessions count a visit on their day; a session reaching a funnel step counts it once."""
    table = TrafficSession.__table__
    by_session: dict[str, list[Hit]] = defaultdict(list)
    for hit in hits:
        by_session[hit.session_id].append(hit)
    first = {session_id: session_hits[0] for session_id, session_hits in sorted(by_session.items())}
    created = connection.execute(_insert(connection, table).values([_new_session(hit) for hit in first.values()])
                                 .on_conflict_do_nothing(index_elements=["session_id"])
                                 .returning(table.c.day)).scalars().all()
    for day in created:
        days[day]["visits"] += 1
    first_seen, last_seen = bindparam("first", type_=table.c.first_seen_at.type), bindparam(
        "last", type_=table.c.last_seen_at.type)
    connection.execute(update(table).where(table.c.session_id == bindparam("sid")).values(
        page_views=table.c.page_views + bindparam("views"),
        first_seen_at=case((table.c.first_seen_at > first_seen, first_seen), else_=table.c.first_seen_at),
        last_seen_at=case((table.c.last_seen_at < last_seen, last_seen), else_=table.c.last_seen_at)), [
        {"sid": session_id, "views": sum(hit.kind == "page_view" for hit in session_hits),
         "first": session_hits[0].occurred_at, "last": session_hits[-1].occurred_at}
        for session_id, session_hits in sorted(by_session.items())])
    for kind, flag, counter in _FUNNEL_FLAGS:
        reached = sorted(session_id for session_id, session_hits in by_session.items()
                         if any(hit.kind == kind for hit in session_hits))
        if reached:
            column = table.c[flag]
            for day in connection.execute(update(table).where(table.c.session_id.in_(reached), column.is_(False))
                                          .values({flag: true()}).returning(table.c.day)).scalars():
                days[day][counter] += 1


def _new_session(hit: Hit) -> dict:
    return {"session_id": hit.session_id, "visitor_id": hit.visitor_id, "day": hit.day,
            "first_seen_at": hit.occurred_at, "last_seen_at": hit.occurred_at, "page_views": 0,
            "reached_product_view": False, "reached_add_to_cart": False, "reached_checkout": False,
            "landing_path": hit.path, "referrer_host": hit.referrer_host, "utm_source": hit.utm_source,
            "utm_medium": hit.utm_medium, "utm_campaign": hit.utm_campaign, "utm_term": hit.utm_term,
            "utm_content": hit.utm_content}


def _count_visitors(connection, hits: list[Hit], days: dict[date, Counter]) -> None:
    table = VisitorDay.__table__
    seen = sorted({(hit.day, hit.visitor_id) for hit in hits})
    for day in connection.execute(_insert(connection, table).values([{"day": d, "visitor_id": v} for d, v in seen])
                                  .on_conflict_do_nothing(index_elements=["day", "visitor_id"])
                                  .returning(table.c.day)).scalars():
        days[day]["unique_visitors"] += 1


def _add_to_days(connection, days: dict[date, Counter]) -> None:
    table = TrafficDay.__table__
    rows = [{"day": day, **{name: counts.get(name, 0) for name in TRAFFIC_COUNTERS}}
            for day, counts in sorted(days.items())]
    statement = _insert(connection, table).values(rows)
    connection.execute(statement.on_conflict_do_update(index_elements=["day"], set_={
        name: table.c[name] + statement.excluded[name] for name in TRAFFIC_COUNTERS}))


def _add_to_products(connection, hits: list[Hit]) -> None:
    counts: dict[tuple[date, str], Counter] = defaultdict(Counter)
    for hit in hits:
        if hit.product_id and hit.kind in ("product_view", "add_to_cart"):
            counts[(hit.day, hit.product_id)]["views" if hit.kind == "product_view" else "adds_to_cart"] += 1
    if not counts:
        return
    table = ProductTrafficDay.__table__
    statement = _insert(connection, table).values([
        {"day": day, "product_id": product_id, "views": c["views"], "adds_to_cart": c["adds_to_cart"]}
        for (day, product_id), c in sorted(counts.items())])
    connection.execute(statement.on_conflict_do_update(index_elements=["day", "product_id"], set_={
        "views": table.c.views + statement.excluded.views,
        "adds_to_cart": table.c.adds_to_cart + statement.excluded.adds_to_cart}))
