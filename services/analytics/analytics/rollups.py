"""Rollups: counters added to incrementally as facts arrive (``Deltas``), and rebuilt from the facts alone.

Both paths feed the same scopes with the same counters (``analytics.domain.metrics``), at the UTC hour, day
and month of each fact's own time, so a rebuild equals the incremental result whatever order the events came
in. Hours and days live in ``sales_rollups``, months in ``sales_month_rollups`` (see its model).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import cache

from sqlalchemy import and_, case, delete, exists, func, insert, literal, or_, select, text, union_all
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session, aliased

from analytics.domain import buckets
from analytics.domain.metrics import (COUNTERS, DIMENSIONS, LINE_SCOPES, MONEY_SCOPES, NONE, ORDER_SCOPES,
                                      PRODUCT, VENDOR)
from analytics.models.sales import (SalesLine, SalesMonthRollup, SalesMovement, SalesOrder, SalesOutcome,
                                    SalesRollup, SalesVendorOrder)

KEY = ("grain", "bucket", "scope", "vendor_id", "product_id", "category_id", "currency")
ROLLUP_MODELS = (SalesRollup, SalesMonthRollup)
TABLES = {"hour": SalesRollup.__table__, "day": SalesRollup.__table__, "month": SalesMonthRollup.__table__}
OUTCOME_COUNTERS = {"vendor_order_refused": "refusals", "vendor_order_cancelled": "cancellations",
                    "return_requested": "returns_requested", "return_received": "returns_received"}


class Deltas:
    """Counter changes of one unit of work, summed per rollup row, then written in one UPSERT."""

    def __init__(self) -> None:
        self.rows: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, at: datetime, currency: str, scopes: tuple[str, ...], vendor_id: str = NONE,
            product_id: str = NONE, category_id: str = NONE, **counters: int) -> None:
        """Add ``counters`` to the hour, day and month of ``at`` in every scope of ``scopes``."""
        hour = buckets.hour_start(at)
        day = hour.replace(hour=0)
        grains = (("hour", hour), ("day", day), ("month", day.replace(day=1)))
        for scope in scopes:
            keys = _dimensions(scope, vendor_id, product_id, category_id or NONE)
            for grain, bucket in grains:
                row = self.rows[(grain, bucket, scope, *keys, currency)]
                for name, value in counters.items():
                    row[name] += value

    def flush(self, session: Session) -> None:
        """Add the non-zero deltas to their rollup rows (in key order, so that concurrent writers lock rows in
        the same order): per table, on PostgreSQL one statement whatever the number of rows (columns as arrays,
        unnested), elsewhere an executemany of one statement."""
        rows = sorted((key, counters) for key, counters in self.rows.items() if any(counters.values()))
        self.rows.clear()
        connection = session.connection()
        for table in ROLLUP_MODELS:
            kept = [row for row in rows if TABLES[row[0][0]] is table.__table__]
            if kept:
                _upsert(connection, table.__tablename__, kept)


def _upsert(connection, table: str, rows: list[tuple[tuple, dict[str, int]]]) -> None:
    if connection.dialect.name == "postgresql":
        columns = list(zip(*(key + tuple(counters.get(name, 0) for name in COUNTERS) for key, counters in rows)))
        connection.execute(_unnested_upsert(table), {name: list(values) for name, values in zip(KEY + COUNTERS, columns)})
    else:  # one compiled statement (a multi-row VALUES would be compiled for every number of rows)
        connection.execute(_upsert_adding(table), [{**dict(zip(KEY, key)), **{name: counters.get(name, 0)
                                                                              for name in COUNTERS}}
                                                   for key, counters in rows])


def _dimensions(scope: str, vendor_id: str, product_id: str, category_id: str) -> tuple[str, str, str]:
    """(vendor, product, category) of a row of ``scope``: ``analytics.domain.metrics.dimensions`` as a tuple."""
    kept = DIMENSIONS[scope]
    return (vendor_id if "vendor_id" in kept else NONE, product_id if "product_id" in kept else NONE,
            category_id if "category_id" in kept else NONE)


@cache
def _upsert_adding(table: str):
    rollups = next(model.__table__ for model in ROLLUP_MODELS if model.__tablename__ == table)
    statement = sqlite.insert(rollups)
    return statement.on_conflict_do_update(
        index_elements=list(KEY), set_={name: rollups.c[name] + statement.excluded[name] for name in COUNTERS})


@cache
def _unnested_upsert(table: str):
    """PostgreSQL: every row's deltas in one INSERT ... SELECT FROM unnest(arrays) ... ON CONFLICT adding."""
    types = {"bucket": "timestamptz[]", **{name: "bigint[]" for name in COUNTERS}}
    arrays = ", ".join(f"CAST(:{name} AS {types.get(name, 'varchar[]')})" for name in KEY + COUNTERS)
    adding = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in COUNTERS)
    return text(f"INSERT INTO {table} ({', '.join(KEY + COUNTERS)}) SELECT * FROM unnest({arrays}) "
                f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {adding}")


def rebuild(session: Session) -> int:
    """Delete every rollup row and aggregate them again from the facts; the number of rows written.

    On PostgreSQL the rollups are locked first: a consumer's deltas then wait for the rebuild to commit and
    add to its rows (their facts were not in its aggregate), instead of racing it. Months are summed from the
    days just written."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"LOCK TABLE {', '.join(model.__tablename__ for model in ROLLUP_MODELS)} "
                             "IN EXCLUSIVE MODE"))
    for model in ROLLUP_MODELS:
        session.execute(delete(model))
    for grain in ("hour", "day"):
        parts = [_scoped(source, scope) for source, scopes in _sources(grain) for scope in scopes]
        everything = union_all(*parts).subquery()
        columns = [everything.c[name] for name in KEY[1:]]
        aggregated = select(literal(grain).label("grain"), *columns,
                            *[func.sum(everything.c[name]).label(name) for name in COUNTERS]).group_by(*columns)
        session.execute(insert(SalesRollup).from_select(["grain", *KEY[1:], *COUNTERS], aggregated))
    session.execute(insert(SalesMonthRollup).from_select(["grain", *KEY[1:], *COUNTERS], _months_of_days(session)))
    return sum(session.scalar(select(func.count()).select_from(model)) for model in ROLLUP_MODELS)


def _months_of_days(session: Session):
    days = SalesRollup.__table__.c
    month = month_start(session.get_bind().dialect.name, days.bucket).label("bucket")
    dimensions = [days[name] for name in KEY[2:]]
    return (select(literal("month").label("grain"), month, *dimensions,
                   *[func.sum(days[name]).label(name) for name in COUNTERS])
            .where(days.grain == "day").group_by(month, *dimensions))


def month_start(dialect: str, bucket):
    """SQL for the start of the UTC month of ``bucket`` (a UTC timestamp column)."""
    if dialect == "postgresql":
        return func.date_trunc("month", bucket, "UTC")
    return func.strftime("%Y-%m-01 00:00:00.000000", bucket)  # SQLite: SQLAlchemy's stored text form


def _scoped(source, scope: str):
    """``source``'s rows projected on ``scope`` (the dimensions it lacks set to NONE)."""
    kept = DIMENSIONS[scope]
    return select(source.c.bucket, literal(scope).label("scope"),
                  *[(source.c[name] if name in kept else literal(NONE)).label(name)
                    for name in ("vendor_id", "product_id", "category_id")],
                  source.c.currency, *[source.c[name] for name in COUNTERS])


def _row(bucket, currency, vendor_id=NONE, product_id=NONE, category_id=NONE, **counters):
    """The columns of a source: its bucket, dimensions and currency, then every counter (0 when not given)."""
    def dimension(value, name):
        return (value if not isinstance(value, str) else literal(value)).label(name)
    return [bucket.label("bucket"), dimension(vendor_id, "vendor_id"), dimension(product_id, "product_id"),
            dimension(category_id, "category_id"), dimension(currency, "currency"),
            *[(counters[name] if name in counters else literal(0)).label(name) for name in COUNTERS]]


def _sources(grain: str):
    """(source subquery, scopes it feeds) pairs: the rebuild's mirror of ``analytics.facts``."""
    def at(model):
        return getattr(model, grain)
    one = literal(1)
    capture = aliased(SalesMovement)
    captures = select(SalesMovement).where(SalesMovement.kind == "capture").subquery()
    earlier_order = aliased(SalesOrder)
    is_new = ~exists().where(earlier_order.customer_id == SalesOrder.customer_id, or_(
        earlier_order.placed_at < SalesOrder.placed_at,
        and_(earlier_order.placed_at == SalesOrder.placed_at, earlier_order.order_id < SalesOrder.order_id)))
    newness = case((is_new, 1), else_=0)
    first_capture = ~exists().where(capture.kind == "capture", capture.order_id == captures.c.order_id, or_(
        capture.occurred_at < captures.c.occurred_at,
        and_(capture.occurred_at == captures.c.occurred_at, capture.reference < captures.c.reference)))
    captured_lines = (SalesLine.__table__.join(captures, captures.c.reference == SalesLine.vendor_order_id))
    captured_shipping = SalesVendorOrder.__table__.join(
        captures, captures.c.reference == SalesVendorOrder.vendor_order_id)
    refunds = SalesMovement.kind == "refund"
    sources = [
        (select(*_row(at(SalesOrder), SalesOrder.currency, orders=one, new_customers=newness,
                      returning_customers=one - newness)), ORDER_SCOPES),
        (select(*_row(at(SalesVendorOrder), SalesVendorOrder.currency, SalesVendorOrder.vendor_id, orders=one)),
         (VENDOR,)),
        (select(*_row(at(SalesLine), SalesLine.currency, SalesLine.vendor_id, SalesLine.product_id,
                      SalesLine.category_id, orders=one)), LINE_SCOPES),
        (select(*_row(captures.c[grain], captures.c.currency, captures.c.vendor_id, gmv_minor=captures.c.amount_minor,
                      commission_minor=captures.c.commission_minor)), MONEY_SCOPES),
        (select(*_row(captures.c[grain], captures.c.currency, captures.c.vendor_id, captured_orders=one)), (VENDOR,)),
        (select(*_row(captures.c[grain], captures.c.currency, captured_orders=one)).where(first_capture),
         ORDER_SCOPES),
        (select(*_row(captures.c[grain], captures.c.currency, SalesLine.vendor_id, SalesLine.product_id,
                      SalesLine.category_id, gmv_minor=SalesLine.amount_minor, captured_orders=one,
                      units=SalesLine.quantity)).select_from(captured_lines), LINE_SCOPES),
        (select(*_row(captures.c[grain], captures.c.currency, SalesLine.vendor_id, units=SalesLine.quantity))
         .select_from(captured_lines), MONEY_SCOPES),
        (select(*_row(captures.c[grain], captures.c.currency, SalesVendorOrder.vendor_id,
                      gmv_minor=SalesVendorOrder.shipping_minor)).select_from(captured_shipping)
         .where(SalesVendorOrder.shipping_minor > 0), (PRODUCT,)),
        (select(*_row(at(SalesMovement), SalesMovement.currency, SalesMovement.vendor_id,
                      refunds_minor=SalesMovement.amount_minor,
                      commission_reversed_minor=SalesMovement.commission_minor)).where(refunds), MONEY_SCOPES),
        (select(*_row(at(SalesOutcome), SalesOutcome.currency, cancelled_orders=one))
         .where(SalesOutcome.kind == "order_cancelled"), ORDER_SCOPES),
        *[(select(*_row(at(SalesOutcome), SalesOutcome.currency, SalesOutcome.vendor_id, **{counter: one}))
           .where(SalesOutcome.kind == kind), MONEY_SCOPES) for kind, counter in OUTCOME_COUNTERS.items()],
    ]
    return [(query.subquery(), scopes) for query, scopes in sources]
