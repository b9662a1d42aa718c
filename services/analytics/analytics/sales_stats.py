"""Dashboard reads of the sales rollups (never the facts): period totals, time series in a time zone's local
buckets, and top products, vendors and categories.

A period is [start, end) in UTC (see ``analytics.domain.buckets.period``). Daily rollups answer when the
period and the buckets are whole UTC days; hourly ones otherwise (local buckets of zones whose offset is
not a whole number of hours are then approximated to the hour).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from analytics.domain import buckets
from analytics.domain.metrics import (CATEGORY, COUNTERS, MARKETPLACE, METRICS, NONE, PRODUCT, VENDOR,
                                      VENDOR_CATEGORY, derived, metric_value)
from analytics.models.base import utc
from analytics.models.sales import SalesRollup

ROLLUPS = SalesRollup.__table__
RANKED = {"gmv": lambda c: func.sum(c.gmv_minor),
          "net_sales": lambda c: func.sum(c.gmv_minor) - func.sum(c.refunds_minor),
          "units": lambda c: func.sum(c.units), "orders": lambda c: func.sum(c.orders),
          "captured_orders": lambda c: func.sum(c.captured_orders),
          "commission": lambda c: func.sum(c.commission_minor) - func.sum(c.commission_reversed_minor)}
FIGURES = ("orders", "captured_orders", "units", "gmv_minor", "refunds_minor", "net_sales_minor",
           "commission_revenue_minor", "average_basket_minor")
# The counters each figure is derived from: queries sum these only (half of COUNTERS for a ranking, one or two
# for a series point).
FIGURE_COUNTERS = ("orders", "captured_orders", "units", "gmv_minor", "refunds_minor", "commission_minor",
                   "commission_reversed_minor")
METRIC_COUNTERS = {**{name: (name,) for name in COUNTERS if not name.endswith("_minor")},
                   "gmv": ("gmv_minor",), "refunds": ("refunds_minor",), "net_sales": ("gmv_minor", "refunds_minor"),
                   "commission": ("commission_minor", "commission_reversed_minor"),
                   "average_basket": ("gmv_minor", "captured_orders")}


@dataclass(frozen=True)
class Period:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    tz: ZoneInfo
    vendor_id: str | None = None  # None: the whole marketplace

    @property
    def whole_days(self) -> bool:
        return buckets.whole_utc_days(self.tz)


def _sums(period: Period, scope: str, *group_by, counters: tuple[str, ...] = COUNTERS):
    grain = "day" if period.whole_days else "hour"
    query = select(*group_by, *[func.sum(ROLLUPS.c[name]).label(name) for name in counters]).where(
        ROLLUPS.c.grain == grain, ROLLUPS.c.scope == scope, ROLLUPS.c.bucket >= period.start,
        ROLLUPS.c.bucket < period.end)
    if period.vendor_id is not None:
        query = query.where(ROLLUPS.c.vendor_id == period.vendor_id)
    return query.group_by(*group_by) if group_by else query


def _counters(row, counters: tuple[str, ...] = COUNTERS) -> dict[str, int]:
    return {name: int(getattr(row, name) or 0) for name in counters}


def summary(connection: Connection, period: Period) -> dict:
    """Totals of the period: counts over every currency, money per currency (with net sales, commission
    revenue and average basket)."""
    scope = MARKETPLACE if period.vendor_id is None else VENDOR
    rows = connection.execute(_sums(period, scope, ROLLUPS.c.currency).order_by(ROLLUPS.c.currency)).all()
    counts = dict.fromkeys((name for name in COUNTERS if not name.endswith("_minor")), 0)
    money = []
    for row in rows:
        counters = _counters(row)
        for name in counts:
            counts[name] += counters[name]
        if row.currency != NONE:
            money.append({"currency": row.currency, **{k: v for k, v in derived(counters).items() if k in FIGURES}})
    return {"counts": counts, "money": money}


def series(connection: Connection, period: Period, metric: str, granularity: str) -> list[dict]:
    """``metric`` per local bucket of ``granularity`` (every bucket of the period, zeros included); money
    metrics one point per bucket and currency, counts one point per bucket (currency null)."""
    scope = MARKETPLACE if period.vendor_id is None else VENDOR
    counters = METRIC_COUNTERS[metric]
    sums: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(counters, 0))
    money = METRICS[metric].money
    for local, currency, row in _local_rows(connection, period, scope, granularity, counters):
        totals = sums[(local, currency if money else None)]
        for name in counters:
            totals[name] += row[name]
    currencies = sorted({currency for _, currency in sums}, key=str) or [None]
    return [{"bucket": local, "currency": currency, "value": metric_value(metric, sums.get((local, currency), {}))}
            for local in local_buckets(period, granularity) for currency in currencies]


def _local_rows(connection: Connection, period: Period, scope: str, granularity: str,
                counters: tuple[str, ...]) -> Iterator[tuple]:
    """(local bucket start, currency, {counter: sum}) of ``counters`` only: folded by PostgreSQL (``AT TIME
    ZONE``) for days, weeks and months, else folded here from UTC hours (or days)."""
    if connection.dialect.name == "postgresql" and granularity != "hour":
        local = func.date_trunc(granularity, func.timezone(period.tz.key, ROLLUPS.c.bucket)).label("local")
        for row in connection.execute(_sums(period, scope, local, ROLLUPS.c.currency, counters=counters)):
            yield buckets.midnight(row.local.date(), period.tz), row.currency, _counters(row, counters)
        return
    for row in connection.execute(_sums(period, scope, ROLLUPS.c.bucket, ROLLUPS.c.currency, counters=counters)):
        yield buckets.local_bucket(utc(row.bucket), granularity, period.tz), row.currency, _counters(row, counters)


def local_buckets(period: Period, granularity: str) -> list[datetime]:
    """Every local bucket start of the period, in order."""
    found, moment = [], buckets.local_bucket(period.start, granularity, period.tz)
    while moment < period.end:
        found.append(moment)
        moment = _next(moment, granularity, period.tz)
    return found


def _next(start: datetime, granularity: str, tz: ZoneInfo) -> datetime:
    if granularity == "hour":
        return (buckets.as_utc(start) + timedelta(hours=1)).astimezone(tz)
    day = start.date()
    if granularity == "day":
        day += timedelta(days=1)
    elif granularity == "week":
        day += timedelta(days=7)
    else:
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return buckets.midnight(day, tz)


def top(connection: Connection, period: Period, kind: str, metric: str, limit: int) -> list[dict]:
    """The best ``limit`` products, vendors or categories by ``metric`` (per currency), best first."""
    scope, keys = {"products": (PRODUCT, ("product_id", "vendor_id")), "vendors": (VENDOR, ("vendor_id",)),
                   "categories": (CATEGORY if period.vendor_id is None else VENDOR_CATEGORY, ("category_id",))}[kind]
    columns = [ROLLUPS.c[name] for name in keys]
    ranked = RANKED[metric](ROLLUPS.c)
    query = _sums(period, scope, *columns, ROLLUPS.c.currency, counters=FIGURE_COUNTERS).add_columns(
        ranked.label("ranked"))
    query = query.where(ROLLUPS.c.currency != NONE)  # rows of returns only
    if kind == "products":
        query = query.where(ROLLUPS.c.product_id != NONE)  # the vendors' shipping
    query = query.order_by(ranked.desc(), *columns, ROLLUPS.c.currency).limit(limit)
    return [{**{name: (getattr(row, name) or None) for name in keys}, "currency": row.currency or None,
             **{k: v for k, v in derived(_counters(row, FIGURE_COUNTERS)).items() if k in FIGURES}}
            for row in connection.execute(query)]
