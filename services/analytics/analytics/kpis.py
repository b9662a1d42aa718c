"""Business figures for Prometheus, read from the rollups when /metrics is scraped: today's (UTC) orders,
GMV, net sales, commission revenue and average basket, the same figures as ``GET /api/v1/stats/summary``.

Read at scrape time rather than counted by the worker: they are then right whichever process recorded the
sales, and after a restart or a rebuild. One query of today's few rollup rows per scrape.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Iterator

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.exc import SQLAlchemyError

from chassis.modeling import now
from chassis.runtime import Runtime
from analytics import sales_stats
from analytics.domain import buckets

log = logging.getLogger(__name__)
MONEY = {"gmv_minor": ("analytics_gmv_today_minor", "GMV captured today (UTC), minor units"),
         "net_sales_minor": ("analytics_net_sales_today_minor", "GMV less refunds today (UTC), minor units"),
         "commission_revenue_minor": ("analytics_commission_revenue_today_minor",
                                      "Commission revenue today (UTC), minor units"),
         "average_basket_minor": ("analytics_average_basket_today_minor",
                                  "Average basket today (UTC): GMV / orders captured, minor units"),
         "captured_orders": ("analytics_captured_orders_today", "Orders captured today (UTC)")}


def collectors(runtime: Runtime) -> list:
    return [TodaysSales(runtime)]


class TodaysSales:
    """A custom collector (``collect`` only) of today's marketplace figures."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        start = buckets.day_start(now())
        period = sales_stats.Period(start, start + timedelta(days=1), buckets.zone("UTC"))
        try:
            with self.runtime.database.engine.connect() as connection:
                figures = sales_stats.summary(connection, period)
        except SQLAlchemyError as error:  # a scrape must not fail for want of the database: say it, skip these
            log.warning("business figures not read", extra={"error": type(error).__name__})
            return
        orders = GaugeMetricFamily("analytics_orders_today", "Orders placed today (UTC)")
        orders.add_metric([], figures["counts"]["orders"])
        yield orders
        for key, (name, documentation) in MONEY.items():
            family = GaugeMetricFamily(name, documentation, labels=["currency"])
            for money in figures["money"]:
                family.add_metric([money["currency"]], money[key])
            yield family
