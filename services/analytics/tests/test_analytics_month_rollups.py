"""Monthly rollups and reads from signed pieces: a month's top products from its ranking index equal the
products summed, and local days, weeks and months equal the local hours they are made of."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest

from analytics import sales_stats
from analytics.domain import buckets, cover
from analytics.models.sales import INDEXED_RANKINGS
from analytics.sales_stats import Period
from analytics.testing import SalesEvents, captured, placed, refunded

PARIS = buckets.zone("Europe/Paris")
VENDORS = ("ven-a", "ven-b", "ven-c")


@pytest.fixture
def sales(app) -> SalesEvents:
    """90 orders from 26 February to 4 April (UTC), many around midnight and the month ends, of 15 products
    (some ties on units), captured a few hours later; one in five partly refunded."""
    events, rng = SalesEvents(app), random.Random(7)
    for number in range(90):
        day = datetime(2026, 2, 26, tzinfo=timezone.utc) + timedelta(days=rng.randrange(37))
        at = day + timedelta(hours=rng.choice((0, 1, 21, 22, 23, rng.randrange(24))), minutes=rng.randrange(60))
        vendor = rng.choice(VENDORS)
        quantity, price = rng.randint(1, 3), rng.choice((500, 1000, 1250))
        order, part = f"o{number}", f"vo{number}"
        lines = [(f"l{number}", f"prd-{rng.randrange(15)}", rng.choice(("books", "toys", None)), quantity, price)]
        events.send("order.placed", placed(order, f"cus-{number % 40}", at, [(part, vendor, 300, lines)]), at)
        captured_at = at + timedelta(hours=rng.randint(0, 5))
        amount = quantity * price + 300
        events.send("payment.captured", captured(order, part, vendor, amount, amount // 10), captured_at)
        if number % 5 == 0:
            events.send("payment.refunded", refunded(f"rfd-{number}", order, part, vendor, price // 2, price // 20),
                        captured_at + timedelta(days=2))
    return events


def connection_of(app):
    return app.extensions["chassis.runtime"].database.engine.connect()


def month_period(year: int, month: int, tz, vendor_id: str | None = None) -> Period:
    last = (date(year, month, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return Period(*buckets.period(date(year, month, 1), last, tz), tz, vendor_id)


@pytest.mark.parametrize("tz", [PARIS, buckets.zone("UTC"), buckets.zone("America/New_York")])
def test_a_months_top_products_from_the_ranking_index_equal_the_products_summed(app, sales, tz):
    period = month_period(2026, 3, tz)
    pieces = cover.pieces(period.start, period.end)
    assert sales_stats._one_month_corrected(pieces)
    with connection_of(app) as connection:
        for metric in INDEXED_RANKINGS:
            for limit in (3, 100):
                ranked = sales_stats._month_top_products(connection, pieces, metric, limit)
                summed = sales_stats._summed_top(connection, pieces, period, "product", ("product_id", "vendor_id"),
                                                 metric, limit)
                assert ranked == summed, (metric, limit)
        assert len(sales_stats.top(connection, period, "products", "gmv", 100)) > 3  # limit 3 truncates


def per_local_day_from_hours(connection, period: Period, metric: str) -> dict[date, int]:
    """``metric`` per local day, summed from the hourly series (which reads hourly rollups only)."""
    totals: dict[date, int] = {}
    for point in sales_stats.series(connection, period, metric, "hour"):
        day = point["bucket"].date()
        totals[day] = totals.get(day, 0) + point["value"]
    return totals


@pytest.mark.parametrize("vendor_id", [None, "ven-b"])
def test_local_days_weeks_and_months_equal_their_local_hours(app, sales, vendor_id):
    period = month_period(2026, 3, PARIS, vendor_id)
    with connection_of(app) as connection:
        for metric in ("gmv", "orders", "refunds", "units"):
            assert_local_buckets_add_up(connection, period, metric)


def assert_local_buckets_add_up(connection, period: Period, metric: str) -> None:
    hourly = per_local_day_from_hours(connection, period, metric)
    daily = {point["bucket"].date(): point["value"] for point in sales_stats.series(connection, period, metric, "day")}
    assert daily == hourly and sum(daily.values()) > 0, metric
    for point in sales_stats.series(connection, period, metric, "week"):
        week = [point["bucket"].date() + timedelta(days=offset) for offset in range(7)]
        assert point["value"] == sum(hourly.get(day, 0) for day in week), metric
    monthly = sales_stats.series(connection, period, metric, "month")
    assert [point["value"] for point in monthly] == [sum(hourly.values())], metric


def test_a_summary_in_paris_equals_its_local_hours(app, sales):
    period = month_period(2026, 3, PARIS)
    with connection_of(app) as connection:
        figures = sales_stats.summary(connection, period)
        hourly = per_local_day_from_hours(connection, period, "gmv")
        orders = per_local_day_from_hours(connection, period, "orders")
    assert figures["money"][0]["gmv_minor"] == sum(hourly.values())
    assert figures["counts"]["orders"] == sum(orders.values())


def test_local_months_equal_their_local_days(app, sales):
    period = Period(*buckets.period(date(2026, 2, 1), date(2026, 4, 30), PARIS), PARIS)
    with connection_of(app) as connection:
        daily = sales_stats.series(connection, period, "gmv", "day")
        monthly = sales_stats.series(connection, period, "gmv", "month")
    by_month: dict[tuple, int] = {}
    for point in daily:
        month = (point["bucket"].year, point["bucket"].month)
        by_month[month] = by_month.get(month, 0) + point["value"]
    assert [((point["bucket"].year, point["bucket"].month), point["value"]) for point in monthly] == \
        sorted(by_month.items())
    assert all(value > 0 for value in by_month.values())
