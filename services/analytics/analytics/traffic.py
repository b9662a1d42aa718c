"""Traffic figures for a range of UTC days, read from the rollups only (never from the raw tracked events).

* visits: sessions, counted on the UTC day of their first event;
* page views: ``page_view`` events on their day;
* unique visitors: distinct visitor ids of a day (per day), of the whole range (in the totals);
* funnel: sessions of the range → those that viewed a product → added to cart → started a checkout →
  orders placed in the range (from the sales rollups); conversion rate = orders / sessions.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Iterator

from sqlalchemy import Connection, func, select

from chassis.csv_cells import csv_lines
from chassis.day_filters import day_after, day_start
from analytics.models.traffic import ProductTrafficDay, ProductVendor, TrafficDay, VisitorDay

DAY_FIELDS = ("visits", "page_views", "unique_visitors")
FUNNEL_STEPS = (("sessions", "visits"), ("product_views", "sessions_with_product_view"),
                ("adds_to_cart", "sessions_with_add_to_cart"), ("checkouts_started", "sessions_with_checkout"))


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def traffic(connection: Connection, start: date, end: date) -> dict:
    """Visits, page views and unique visitors per day (every day of the range, zeros included) and in total."""
    days = TrafficDay.__table__.c
    stored = {row.day: row for row in connection.execute(
        select(days.day, *(days[name] for name in DAY_FIELDS)).where(days.day.between(start, end)))}
    series = [{"day": day, **{name: getattr(stored[day], name) if day in stored else 0 for name in DAY_FIELDS}}
              for day in days_between(start, end)]
    visitors = VisitorDay.__table__.c
    unique = connection.scalar(select(func.count(func.distinct(visitors.visitor_id)))
                               .where(visitors.day.between(start, end)))
    totals = {"visits": sum(row["visits"] for row in series), "page_views": sum(row["page_views"] for row in series),
              "unique_visitors": unique or 0}
    return {"from": start, "to": end, "totals": totals, "days": series}


def funnel(connection: Connection, start: date, end: date) -> dict:
    """Sessions → product view → add to cart → checkout started → orders, and the conversion rate."""
    days = TrafficDay.__table__.c
    sums = connection.execute(select(*(func.coalesce(func.sum(days[column]), 0).label(step)
                                       for step, column in FUNNEL_STEPS)).where(days.day.between(start, end))).one()
    counts = {step: int(getattr(sums, step)) for step, _ in FUNNEL_STEPS}
    counts["orders"] = orders_placed(connection, start, end)
    sessions = counts["sessions"]
    steps = [{"step": step, "count": count, "share_of_sessions": _ratio(count, sessions)}
             for step, count in counts.items()]
    return {"from": start, "to": end, "steps": steps, "conversion_rate": _ratio(counts["orders"], sessions)}


def orders_placed(connection: Connection, start: date, end: date) -> int:
    """Orders placed on these UTC days: the sales rollups' marketplace ``orders`` counter (all currencies)."""
    from analytics.models.sales import SalesRollup  # the sales part's table: read, never written, here
    rollups = SalesRollup.__table__.c
    return int(connection.scalar(select(func.coalesce(func.sum(rollups.orders), 0)).where(
        rollups.grain == "day", rollups.scope == "marketplace",
        rollups.bucket >= day_start(start), rollups.bucket < day_after(end))) or 0)


def product_traffic(connection: Connection, start: date, end: date, vendor_id: str | None, limit: int) -> list[dict]:
    """Views and adds to cart per product over the range, most viewed first; only ``vendor_id``'s products if given."""
    products = ProductTrafficDay.__table__.c
    query = (select(products.product_id, func.sum(products.views).label("views"),
                    func.sum(products.adds_to_cart).label("adds_to_cart"))
             .where(products.day.between(start, end)).group_by(products.product_id))
    if vendor_id is not None:
        owned = ProductVendor.__table__.c
        query = query.where(products.product_id.in_(select(owned.product_id).where(owned.vendor_id == vendor_id)))
    query = query.order_by(func.sum(products.views).desc(), products.product_id).limit(limit)
    return [{"product_id": row.product_id, "views": int(row.views), "adds_to_cart": int(row.adds_to_cart)}
            for row in connection.execute(query)]


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def traffic_csv(session, start: date, end: date) -> Iterator[str]:
    figures = traffic(session.connection(), start, end)
    yield from csv_lines(("day", *DAY_FIELDS), ([row["day"].isoformat(), *(str(row[name]) for name in DAY_FIELDS)]
                                                  for row in figures["days"]))


def funnel_csv(session, start: date, end: date) -> Iterator[str]:
    figures = funnel(session.connection(), start, end)
    rows = [[step["step"], str(step["count"]), _cell(step["share_of_sessions"])] for step in figures["steps"]]
    yield from csv_lines(("step", "count", "share_of_sessions"), rows)


def product_traffic_csv(session, start: date, end: date, vendor_id: str | None, limit: int) -> Iterator[str]:
    rows = product_traffic(session.connection(), start, end, vendor_id, limit)
    yield from csv_lines(("product_id", "views", "adds_to_cart"),
                         ([row["product_id"], str(row["views"]), str(row["adds_to_cart"])] for row in rows))


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"
