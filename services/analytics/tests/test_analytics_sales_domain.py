"""Pure rules of the sales statistics: time buckets in a time zone, average basket, derived figures."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from analytics.domain import buckets
from analytics.domain.metrics import PRODUCT, VENDOR, average, derived, dimensions
from analytics.sales_stats import Period, local_buckets

PARIS = buckets.zone("Europe/Paris")


def test_an_instant_at_23_30_utc_is_the_next_local_day_in_paris():
    late = datetime(2026, 3, 10, 23, 30, tzinfo=timezone.utc)
    assert buckets.day_start(late) == datetime(2026, 3, 10, tzinfo=timezone.utc)
    assert buckets.local_bucket(late, "day", PARIS) == datetime(2026, 3, 11, tzinfo=PARIS)


def test_weeks_start_on_monday_and_months_on_the_first_local_day():
    sunday_night = datetime(2026, 3, 15, 23, 30, tzinfo=timezone.utc)  # Monday 00:30 in Paris
    assert buckets.local_bucket(sunday_night, "week", PARIS) == datetime(2026, 3, 16, tzinfo=PARIS)
    assert buckets.local_bucket(sunday_night, "week", buckets.zone("UTC")).date() == date(2026, 3, 9)
    assert buckets.local_bucket(datetime(2026, 3, 31, 22, 30, tzinfo=timezone.utc), "month", PARIS) == \
        datetime(2026, 4, 1, tzinfo=PARIS)


def test_a_local_period_is_its_days_in_utc():
    assert buckets.period(date(2026, 3, 10), date(2026, 3, 10), PARIS) == (
        datetime(2026, 3, 9, 23, tzinfo=timezone.utc), datetime(2026, 3, 10, 23, tzinfo=timezone.utc))


def test_the_day_clocks_go_back_has_25_local_hours():
    start, end = buckets.period(date(2026, 10, 25), date(2026, 10, 25), PARIS)
    hours = local_buckets(Period(start, end, PARIS), "hour")
    assert len(hours) == 25 and [hour.hour for hour in hours[:4]] == [0, 1, 2, 2]


def test_an_unknown_zone_is_refused():
    with pytest.raises(buckets.UnknownTimeZone):
        buckets.zone("Mars/Olympus")


@pytest.mark.parametrize("amount, count, expected", [(10000, 3, 3333), (5, 2, 3), (6200, 2, 3100), (7, 0, 0)])
def test_average_basket_rounds_half_up_to_the_minor_unit(amount, count, expected):
    assert average(amount, count) == expected


def test_net_sales_and_commission_revenue_are_derived_from_the_counters():
    figures = derived({"gmv_minor": 5000, "refunds_minor": 1200, "commission_minor": 500,
                       "commission_reversed_minor": 120, "captured_orders": 2})
    assert (figures["net_sales_minor"], figures["commission_revenue_minor"], figures["average_basket_minor"]) == (
        3800, 380, 2500)


def test_a_scope_keeps_only_its_dimensions():
    assert dimensions(VENDOR, "ven-a", "prd-1", "books") == {"vendor_id": "ven-a", "product_id": "",
                                                             "category_id": ""}
    assert dimensions(PRODUCT, "ven-a", "prd-1", None) == {"vendor_id": "ven-a", "product_id": "prd-1",
                                                           "category_id": ""}
