"""Sales facts (one row per order, vendor order, vendor-order line and money movement) and their rollups.

Every fact is unique on its natural key (an order, a line, a capture of a vendor order, a refund, an outcome),
so an event re-published under a new id changes nothing. Each fact keeps the UTC hour and day of its own time
(the event's), which the rebuild groups by. Rollups are counters per (grain, bucket, scope, vendor, product,
category, currency), updated by adding deltas; ``analytics.domain.metrics`` says what each counter means.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from analytics.models.base import Base, not_negative, status_in

OUTCOME_KINDS = ("vendor_order_refused", "vendor_order_cancelled", "order_cancelled", "return_requested",
                 "return_received")
MOVEMENT_KINDS = ("capture", "refund")
GRAINS = ("hour", "day")  # sales_rollups; months have their own table
SCOPES = ("marketplace", "vendor", "product", "category", "vendor_category")


class _Bucketed:
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SalesOrder(_Bucketed, Base):
    """An order placed (``order.placed``), bucketed at ``placed_at``."""

    __tablename__ = "sales_orders"
    __table_args__ = (Index("ix_sales_orders_customer", "customer_id", "placed_at", "order_id"),)

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SalesVendorOrder(_Bucketed, Base):
    """A vendor's part of an order placed; ``shipping_minor`` is the product-less part of its GMV."""

    __tablename__ = "sales_vendor_orders"
    __table_args__ = tuple(not_negative("shipping_minor", "total_minor"))

    vendor_order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    vendor_id: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    shipping_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SalesLine(_Bucketed, Base):
    """A vendor-order line placed; ``category_id`` is ``""`` when uncategorised."""

    __tablename__ = "sales_lines"
    __table_args__ = tuple(not_negative("quantity", "unit_price_minor", "amount_minor"))

    vendor_order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    line_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(64))
    vendor_id: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[str] = mapped_column(String(64))
    category_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SalesMovement(_Bucketed, Base):
    """Money that moved: a capture (``reference`` = the vendor order) or a refund (``reference`` = the refund)."""

    __tablename__ = "sales_movements"
    __table_args__ = (status_in(MOVEMENT_KINDS, "kind"), *not_negative("amount_minor", "commission_minor"),
                      Index("ix_sales_movements_vendor_order", "vendor_order_id", "kind"),
                      Index("ix_sales_movements_order", "order_id", "kind"))

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(64))
    vendor_order_id: Mapped[str] = mapped_column(String(64))
    vendor_id: Mapped[str] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    commission_minor: Mapped[int] = mapped_column(BigInteger)  # charged on a capture, reversed by a refund
    currency: Mapped[str] = mapped_column(String(3))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SalesOutcome(_Bucketed, Base):
    """A counted outcome: a vendor order refused or cancelled, an order cancelled, a return requested or
    received (``reference`` = the vendor order, order or return; ``currency`` ``""`` when the event has none)."""

    __tablename__ = "sales_outcomes"
    __table_args__ = (status_in(OUTCOME_KINDS, "kind"),)

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), primary_key=True)
    vendor_id: Mapped[str] = mapped_column(String(64))  # "" for an order cancelled
    currency: Mapped[str] = mapped_column(String(3))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class _RollupColumns:
    """The key (less the grain) and counters of a rollup row (see ``analytics.domain.metrics``)."""

    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    vendor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    bucket: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    category_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    orders: Mapped[int] = mapped_column(BigInteger, default=0)
    captured_orders: Mapped[int] = mapped_column(BigInteger, default=0)
    units: Mapped[int] = mapped_column(BigInteger, default=0)
    gmv_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunds_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    commission_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    commission_reversed_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    cancelled_orders: Mapped[int] = mapped_column(BigInteger, default=0)
    cancellations: Mapped[int] = mapped_column(BigInteger, default=0)
    refusals: Mapped[int] = mapped_column(BigInteger, default=0)
    new_customers: Mapped[int] = mapped_column(BigInteger, default=0)
    returning_customers: Mapped[int] = mapped_column(BigInteger, default=0)
    returns_requested: Mapped[int] = mapped_column(BigInteger, default=0)
    returns_received: Mapped[int] = mapped_column(BigInteger, default=0)


class SalesRollup(_RollupColumns, Base):
    """Counters of one UTC hour or day × scope × dimensions × currency."""

    __tablename__ = "sales_rollups"
    __table_args__ = (status_in(GRAINS, "grain"), status_in(SCOPES, "scope"),
                      Index("ix_sales_rollups_scope_bucket", "grain", "scope", "bucket"))

    grain: Mapped[str] = mapped_column(String(4), primary_key=True, sort_order=-1)


class SalesMonthRollup(_RollupColumns, Base):
    """Counters of one UTC month × scope × dimensions × currency.

    A table of their own: the product ranking index below holds a counter, so updating a row here can never be
    a HOT update; hourly and daily rows, most of the writes, keep theirs in ``sales_rollups``. Every other read
    of months goes by the primary key (the marketplace's and the categories' vendor is ``""``)."""

    __tablename__ = "sales_month_rollups"
    __table_args__ = (status_in(("month",), "grain"), status_in(SCOPES, "scope"))

    grain: Mapped[str] = mapped_column(String(5), primary_key=True, sort_order=-1)


RANKED_METRICS = ("gmv", "net_sales", "units", "orders", "captured_orders", "commission")
# What products and categories are ranked by: refunds and commission are kept per vendor, not per line
# (``analytics.domain.metrics.MONEY_SCOPES``).
LINE_METRICS = ("gmv", "units", "orders", "captured_orders")
# Metrics a month's products are ranked by from an index (the dashboards' default); an index per metric
# would make every monthly row's update cost one more index entry, for rankings seldom asked for.
INDEXED_RANKINGS = ("gmv",)


def ranking(columns, metric: str):
    """The value ranked by ``metric`` (one of RANKED_METRICS) from ``columns`` (table columns, sums or plain
    counters): a month's top products read the ranking index of that expression instead of the whole month."""
    return {"gmv": lambda: columns.gmv_minor, "net_sales": lambda: columns.gmv_minor - columns.refunds_minor,
            "units": lambda: columns.units, "orders": lambda: columns.orders,
            "captured_orders": lambda: columns.captured_orders,
            "commission": lambda: columns.commission_minor - columns.commission_reversed_minor}[metric]()


RANKED_PRODUCTS = "scope = 'product' AND currency <> '' AND product_id <> ''"  # the rows top products rank


def _ranking_indexes(table) -> None:
    """An index per INDEXED_RANKINGS metric over a month's products, in the order they are listed."""
    for metric in INDEXED_RANKINGS:
        Index(f"ix_sales_month_rollups_top_{metric}", table.c.bucket, ranking(table.c, metric).self_group().desc(),
              table.c.product_id, table.c.vendor_id, table.c.currency, postgresql_where=text(RANKED_PRODUCTS),
              sqlite_where=text(RANKED_PRODUCTS))


_ranking_indexes(SalesMonthRollup.__table__)
