"""Dashboard reads of the sales rollups (never the facts): period totals, time series in a time zone's local
buckets, and top products, vendors and categories.

A period is [start, end) in UTC (see ``analytics.domain.buckets.period``). Each period, and each local bucket of
a series, is read as the fewest rollup rows that add up to it (``analytics.domain.cover``): whole UTC months,
then days, then hours, added or subtracted at the edges; a local month in Paris is one monthly row ± two
hourly ones. A month's top products, for the whole marketplace, are read from that month's ranking index.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, func, literal, select, text, union, union_all

from analytics.domain import buckets, cover
from analytics.domain.metrics import (CATEGORY, COUNTERS, MARKETPLACE, METRICS, NONE, PRODUCT, VENDOR,
                                      VENDOR_CATEGORY, derived, metric_value)
from analytics.models.base import utc
from analytics.models.sales import INDEXED_RANKINGS, RANKED_PRODUCTS, SalesMonthRollup, ranking
from analytics.rollups import TABLES

MONTHS = SalesMonthRollup.__table__
FIGURES = ("orders", "captured_orders", "units", "gmv_minor", "refunds_minor", "net_sales_minor",
           "commission_revenue_minor", "average_basket_minor")
LINE_FIGURES = ("orders", "captured_orders", "units", "gmv_minor", "average_basket_minor")  # products, categories
# The counters each figure is derived from: queries sum these only (half of COUNTERS for a ranking, one or two
# for a series point).
FIGURE_COUNTERS = ("orders", "captured_orders", "units", "gmv_minor", "refunds_minor", "commission_minor",
                   "commission_reversed_minor")
METRIC_COUNTERS = {**{name: (name,) for name in COUNTERS if not name.endswith("_minor")},
                   "gmv": ("gmv_minor",), "refunds": ("refunds_minor",), "net_sales": ("gmv_minor", "refunds_minor"),
                   "commission": ("commission_minor", "commission_reversed_minor"),
                   "average_basket": ("gmv_minor", "captured_orders")}
KINDS = {"products": (PRODUCT, ("product_id", "vendor_id")), "vendors": (VENDOR, ("vendor_id",)),
          "categories": (CATEGORY, ("category_id",))}


@dataclass(frozen=True)
class Period:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    tz: ZoneInfo
    vendor_id: str | None = None  # None: the whole marketplace

    @property
    def scope(self) -> str:
        return MARKETPLACE if self.vendor_id is None else VENDOR


def _signed_sums(pieces: list[cover.Piece], scope: str, vendor_id: str | None, groups: tuple[str, ...],
                 counters: tuple[str, ...], *conditions):
    """SUM of ``counters`` per ``groups`` over the rows of ``pieces``, each row counted with its piece's sign;
    ``conditions`` are callables giving a table's extra filters."""
    parts = []
    for piece in pieces:
        table = TABLES[piece.grain]
        values = [(table.c[name] if piece.sign > 0 else -table.c[name]).label(name) for name in counters]
        part = select(*[table.c[name] for name in groups], *values).where(
            table.c.grain == piece.grain, table.c.scope == scope, table.c.bucket >= piece.start,
            table.c.bucket < piece.end, *[condition(table) for condition in conditions])
        parts.append(part if vendor_id is None else part.where(table.c.vendor_id == vendor_id))
    rows = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    grouped = [rows.c[name] for name in groups]
    return select(*grouped, *[func.sum(rows.c[name]).label(name) for name in counters]).group_by(*grouped)


def _counters(row, counters: tuple[str, ...] = COUNTERS) -> dict[str, int]:
    return {name: int(getattr(row, name) or 0) for name in counters}


def summary(connection: Connection, period: Period) -> dict:
    """Totals of the period: counts over every currency, money per currency (with net sales, commission
    revenue and average basket)."""
    pieces = cover.pieces(period.start, period.end)
    query = _signed_sums(pieces, period.scope, period.vendor_id, ("currency",), COUNTERS)
    rows = connection.execute(query.order_by("currency")).all() if pieces else []
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
    counters = METRIC_COUNTERS[metric]
    sums: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(counters, 0))
    money = METRICS[metric].money
    local_starts = local_buckets(period, granularity)
    for local, sign, currency, row in _local_rows(connection, period, granularity, counters):
        totals = sums[(local, currency if money else None)]
        for name in counters:
            totals[name] += sign * row[name]
    currencies = sorted({currency for _, currency in sums}, key=str) or [None]
    return [{"bucket": local, "currency": currency, "value": metric_value(metric, sums.get((local, currency), {}))}
            for local in local_starts for currency in currencies]


def _local_rows(connection: Connection, period: Period, granularity: str,
                counters: tuple[str, ...]) -> Iterator[tuple]:
    """(local bucket start, sign, currency, {counter: sum}) of the rollup rows the local buckets add up from:
    where rows count for several local buckets (zones off UTC), summed per local bucket by PostgreSQL; else row
    by row here."""
    if granularity == "hour":
        query = _bucket_sums(period, "hour", counters).where(
            TABLES["hour"].c.bucket >= period.start, TABLES["hour"].c.bucket < period.end)
        for row in connection.execute(query):
            yield buckets.local_bucket(utc(row.bucket), "hour", period.tz), 1, row.currency, _counters(row, counters)
        return
    plan = _reading_plan(period.start, period.end, period.tz, granularity)
    if connection.dialect.name == "postgresql" and not plan.one_to_one:
        for grain, arrays in plan.folds.items():
            parameters = {**arrays, "grain": grain, "scope": period.scope, "vendor_id": period.vendor_id}
            statement = _fold(TABLES[grain].name, counters, period.vendor_id is not None)
            for row in connection.execute(statement, parameters):
                yield plan.local_starts[row.slot], 1, row.currency, _counters(row, counters)
        return
    for grain, wanted in plan.wanted.items():
        query = _bucket_sums(period, grain, counters).where(_among(grain, wanted))
        for row in connection.execute(query):
            values = _counters(row, counters)
            for slot, sign in plan.contributions[(grain, utc(row.bucket))]:
                yield plan.local_starts[slot], sign, row.currency, values


@dataclass(frozen=True)
class _Plan:
    """How a series' local buckets are read: ``contributions`` {(grain, UTC bucket): [(slot, sign)]}, a slot
    being an index of ``local_starts``; ``wanted`` {grain: sorted buckets}; ``folds`` {grain: the same
    contributions as PostgreSQL array literals (bucket epochs, slots, signs)}; ``one_to_one`` when each row adds
    to one local bucket only (UTC days, weeks and months: read by range, nothing worth folding in the database)."""
    local_starts: tuple[datetime, ...]
    contributions: dict
    wanted: dict
    folds: dict
    one_to_one: bool


@lru_cache(maxsize=256)
def _reading_plan(start: datetime, end: datetime, tz: ZoneInfo, granularity: str) -> _Plan:
    """The plan of a series' local buckets, kept for the next request: dashboards ask for the same periods
    again and again, and working a year of local days out costs more than reading their rows. Callers only
    read it."""
    local_starts = _local_starts(start, end, tz, granularity)
    contributions = _contributions(start, end, granularity, local_starts)
    wanted = {grain: sorted(bucket for kind, bucket in contributions if kind == grain) for grain in cover.GRAINS}
    folds = {}
    for grain in cover.GRAINS:
        flat = [(int(bucket.timestamp()), slot, sign) for (kind, bucket), found in contributions.items()
                if kind == grain for slot, sign in found]
        if flat:
            folds[grain] = {name: "{" + ",".join(str(item[index]) for item in flat) + "}"
                            for index, name in enumerate(("epochs", "slots", "signs"))}
    one_to_one = all(found == [(found[0][0], 1)] for found in contributions.values())
    return _Plan(local_starts, contributions, {grain: found for grain, found in wanted.items() if found}, folds,
                 one_to_one)


@lru_cache(maxsize=64)
def _fold(table: str, counters: tuple[str, ...], by_vendor: bool):
    """PostgreSQL: ``counters`` of the rows a plan names, each times its sign, summed per slot and currency."""
    sums = ", ".join(f"SUM(c.sign * r.{name}) AS {name}" for name in counters)
    vendor = " AND vendor_id = :vendor_id" if by_vendor else ""
    # Each bucket is looked up once (an edge hour counts for two local buckets), then matched to its slots.
    return text(f"WITH c AS (SELECT to_timestamp(epoch) AS bucket, slot, sign FROM unnest(CAST(:epochs AS bigint[]), "
                f"CAST(:slots AS int[]), CAST(:signs AS int[])) AS c(epoch, slot, sign)), "
                f"r AS (SELECT bucket, currency, {', '.join(counters)} FROM {table} WHERE grain = :grain "
                f"AND scope = :scope{vendor} AND bucket IN (SELECT DISTINCT bucket FROM c)) "
                f"SELECT c.slot, r.currency, {sums} FROM c JOIN r ON r.bucket = c.bucket GROUP BY c.slot, r.currency")


def _contributions(start: datetime, end: datetime, granularity: str,
                   local_starts: tuple[datetime, ...]) -> dict[tuple[str, datetime], list[tuple]]:
    """{(grain, UTC bucket): [(slot, sign)]}: what each rollup row adds to which local bucket (its index in
    ``local_starts``).

    Each boundary between local buckets is moved to the nearest UTC day (month, for months); a local bucket is
    then the days (months) between its moved boundaries, plus what its start was moved over (or less it, when
    moved back), less what its end was moved over: [b0, b1) = [s0, s1) + [b0, s0) - [b1, s1). Each boundary's
    difference is worked out once, for the two buckets it separates."""
    grain = "month" if granularity == "month" else "day"
    boundaries = [max(buckets.as_utc(local_starts[0]), start), *[buckets.as_utc(local) for local in local_starts[1:]],
                  end]
    moved = [cover.nearest(boundary, grain) for boundary in boundaries]
    found: dict[tuple[str, datetime], list[tuple]] = defaultdict(list)
    for slot, (low, high) in enumerate(zip(moved, moved[1:])):
        for bucket in cover.Piece(grain, low, high).buckets():
            found[(grain, bucket)].append((slot, 1))
    for index, (boundary, target) in enumerate(zip(boundaries, moved)):
        if boundary == target:
            continue
        forward = 1 if boundary < target else -1
        after = index if index < len(local_starts) else None
        before = index - 1 if index > 0 else None
        for piece in cover.pieces(min(boundary, target), max(boundary, target)):
            for bucket in piece.buckets():
                if after is not None:
                    found[(piece.grain, bucket)].append((after, forward * piece.sign))
                if before is not None:
                    found[(piece.grain, bucket)].append((before, -forward * piece.sign))
    return found


def _bucket_sums(period: Period, grain: str, counters: tuple[str, ...]):
    table = TABLES[grain]
    query = select(table.c.bucket, table.c.currency, *[func.sum(table.c[name]).label(name) for name in counters])
    query = query.where(table.c.grain == grain, table.c.scope == period.scope)
    if period.vendor_id is not None:
        query = query.where(table.c.vendor_id == period.vendor_id)
    return query.group_by(table.c.bucket, table.c.currency)


def _among(grain: str, wanted: list[datetime]):
    """``wanted`` buckets of ``grain`` (sorted): a range when they follow each other, else a list."""
    column = TABLES[grain].c.bucket
    if all(cover.following(one, grain) == after for one, after in zip(wanted, wanted[1:])):
        return column.between(wanted[0], wanted[-1])
    return column.in_(wanted)


def local_buckets(period: Period, granularity: str) -> tuple[datetime, ...]:
    """Every local bucket start of the period, in order (kept per period, as the series' reading plan)."""
    return _local_starts(period.start, period.end, period.tz, granularity)


@lru_cache(maxsize=256)
def _local_starts(start: datetime, end: datetime, tz: ZoneInfo, granularity: str) -> tuple[datetime, ...]:
    found, moment = [], buckets.local_bucket(start, granularity, tz)
    while moment < end:
        found.append(moment)
        moment = _next(moment, granularity, tz)
    return tuple(found)


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
    scope, keys = KINDS[kind]
    if kind == "categories" and period.vendor_id is not None:
        scope = VENDOR_CATEGORY
    pieces = cover.pieces(period.start, period.end)
    if not pieces:
        return []
    ranked_by_index = kind == "products" and period.vendor_id is None and metric in INDEXED_RANKINGS
    if ranked_by_index and _one_month_corrected(pieces):
        rows = _month_top_products(connection, pieces, metric, limit)
    else:
        rows = _summed_top(connection, pieces, period, scope, keys, metric, limit)
    shown = FIGURES if kind == "vendors" else LINE_FIGURES
    return [{**{name: (row[name] or None) for name in keys}, "currency": row["currency"] or None,
             **{k: v for k, v in derived(_counters(SimpleNamespace(**row), FIGURE_COUNTERS)).items() if k in shown}}
            for row in rows]


def _ranked_rows(scope: str):
    """Filters of the rows a ranking reads: money rows only (not rows of returns only), and for products not
    the vendors' shipping."""
    filters = [lambda table: table.c.currency != NONE]
    if scope == PRODUCT:
        filters.append(lambda table: table.c.product_id != NONE)
    return filters


def _summed_top(connection, pieces, period: Period, scope: str, keys: tuple[str, ...], metric: str,
                limit: int) -> list[dict]:
    groups = (*keys, "currency")
    rows = _signed_sums(pieces, scope, period.vendor_id, groups, FIGURE_COUNTERS, *_ranked_rows(scope)).subquery()
    ranked = ranking(SimpleNamespace(**{name: rows.c[name] for name in FIGURE_COUNTERS}), metric)
    query = select(rows).order_by(ranked.desc(), *[rows.c[name] for name in groups]).limit(limit)
    return [dict(row._mapping) for row in connection.execute(query)]


def _one_month_corrected(pieces: list[cover.Piece]) -> bool:
    """Whether ``pieces`` are one whole UTC month added, then finer corrections only."""
    first, rest = pieces[0], pieces[1:]
    return (first.grain == "month" and first.sign == 1 and cover.following(first.start, "month") == first.end
            and all(piece.grain != "month" for piece in rest))


def _month_top_products(connection, pieces: list[cover.Piece], metric: str, limit: int) -> list[dict]:
    """The marketplace's top products of one UTC month (with its edge corrections) from the month's ranking
    index, in one statement: every product the corrections do not touch counts its month's figures, so the
    best of those are among the first ``limit`` + (products corrected) rows of the index; the corrected ones
    are summed exactly (their month row found by its key). Equals ``_summed_top`` (tests compare both)."""
    key = ("product_id", "vendor_id", "currency")
    month = pieces[0].start
    if not pieces[1:]:  # a whole UTC month: its first rows are the answer
        columns = [MONTHS.c[name] for name in (*key, *FIGURE_COUNTERS)]
        best = (select(*columns).where(MONTHS.c.bucket == month, text(RANKED_PRODUCTS))
                .order_by(ranking(MONTHS.c, metric).desc(), *[MONTHS.c[name] for name in key]).limit(limit))
        return [dict(row._mapping) for row in connection.execute(best)]
    months = MONTHS.alias("months")
    of_month = [months.c.grain == "month", months.c.scope == PRODUCT, months.c.bucket == month,
                months.c.category_id == NONE]
    corrections = _signed_sums(pieces[1:], PRODUCT, None, key, FIGURE_COUNTERS, *_ranked_rows(PRODUCT)).cte()
    corrected = select(func.count()).select_from(corrections).scalar_subquery()
    best = (select(*[MONTHS.c[name] for name in key]).where(MONTHS.c.bucket == month, text(RANKED_PRODUCTS))
            .order_by(ranking(MONTHS.c, metric).desc(), *[MONTHS.c[name] for name in key])
            .limit(literal(limit) + corrected).subquery())  # a subquery: SQLite orders no UNION member
    candidates = union(select(best), select(*[corrections.c[name] for name in key])).subquery()
    joined = candidates.outerjoin(months, and_(*of_month, *[months.c[name] == candidates.c[name] for name in key]))
    joined = joined.outerjoin(corrections, and_(*[corrections.c[name] == candidates.c[name] for name in key]))
    totals = SimpleNamespace(**{name: (func.coalesce(months.c[name], 0) + func.coalesce(corrections.c[name], 0))
                                for name in FIGURE_COUNTERS})
    query = (select(*[candidates.c[name] for name in key], *[getattr(totals, name).label(name)
                                                             for name in FIGURE_COUNTERS])
             .select_from(joined).order_by(ranking(totals, metric).desc(), *[candidates.c[name] for name in key])
             .limit(limit))
    return [dict(row._mapping) for row in connection.execute(query)]
