"""``/api/v1/stats`` (sales): figures of a scenario, local time-zone buckets, CSV, and who may read what."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from analytics.testing import SalesEvents, captured, placed, refunded, vendor_order_outcome

PARIS_LATE = datetime(2026, 3, 10, 23, 30, tzinfo=timezone.utc)  # 00:30 on 11 March in Paris


@pytest.fixture
def sales(app) -> SalesEvents:
    """o1 (cus-1, 10 March 09:15 UTC): ven-a 2 × 10.00 + 5.00 shipping, ven-b 30.00, both captured, ven-a refunded
    10.00; o2 (cus-1, 10 March 23:30 UTC): ven-a 7.00 captured at 23:45; o3 (cus-2, 12 March): ven-b refused."""
    events = SalesEvents(app)
    morning = datetime(2026, 3, 10, 9, 15, tzinfo=timezone.utc)
    events.send("order.placed", placed("o1", "cus-1", morning, [
        ("vo1a", "ven-a", 500, [("l1", "prd-1", "books", 2, 1000)]),
        ("vo1b", "ven-b", 0, [("l2", "prd-2", "toys", 1, 3000)])]), morning)
    events.send("payment.captured", captured("o1", "vo1a", "ven-a", 2500, 250), morning.replace(hour=10))
    events.send("payment.captured", captured("o1", "vo1b", "ven-b", 3000, 300), morning.replace(hour=11))
    events.send("payment.refunded", refunded("rfd-1", "o1", "vo1a", "ven-a", 1000, 100), morning.replace(hour=12))
    events.send("order.placed", placed("o2", "cus-1", PARIS_LATE, [
        ("vo2a", "ven-a", 0, [("l3", "prd-3", None, 1, 700)])]), PARIS_LATE)
    events.send("payment.captured", captured("o2", "vo2a", "ven-a", 700, 70), PARIS_LATE.replace(minute=45))
    refused_at = datetime(2026, 3, 12, 8, tzinfo=timezone.utc)
    events.send("order.placed", placed("o3", "cus-2", refused_at, [
        ("vo3b", "ven-b", 0, [("l4", "prd-2", "toys", 1, 3000)])]), refused_at)
    events.send("vendor_order.refused", vendor_order_outcome("o3", "vo3b", "ven-b", 3000, "cus-2"), refused_at)
    return events


PERIOD = {"from": "2026-03-01", "to": "2026-03-31", "tz": "UTC"}


def test_operators_read_the_marketplace_summary(client, operator, sales):
    body = client.get("/api/v1/stats/summary", query_string=PERIOD, headers=operator).get_json()
    assert body["counts"] == {"orders": 3, "captured_orders": 2, "units": 4, "cancelled_orders": 0,
                              "cancellations": 0, "refusals": 1, "new_customers": 2, "returning_customers": 1,
                              "returns_requested": 0, "returns_received": 0}
    assert body["money"] == [{"currency": "EUR", "orders": 3, "captured_orders": 2, "units": 4, "gmv_minor": 6200,
                              "refunds_minor": 1000, "net_sales_minor": 5200, "commission_revenue_minor": 520,
                              "average_basket_minor": 3100}]


def test_a_vendor_reads_its_own_summary(client, vendor_a, sales):
    body = client.get("/api/v1/stats/summary", query_string=PERIOD, headers=vendor_a).get_json()
    assert body["vendor_id"] == "ven-a"
    assert body["money"][0] | {} == {"currency": "EUR", "orders": 2, "captured_orders": 2, "units": 3,
                                     "gmv_minor": 3200, "refunds_minor": 1000, "net_sales_minor": 2200,
                                     "commission_revenue_minor": 220, "average_basket_minor": 1600}


def test_an_operator_filters_by_vendor(client, operator, sales):
    body = client.get("/api/v1/stats/summary", query_string={**PERIOD, "vendor_id": "ven-b"},
                      headers=operator).get_json()
    assert (body["money"][0]["gmv_minor"], body["counts"]["refusals"]) == (3000, 1)


@pytest.mark.parametrize("path", ["summary", "series", "top-products", "top-categories"])
def test_vendor_staff_cannot_read_another_vendors_figures(client, vendor_a, sales, path):
    response = client.get(f"/api/v1/stats/{path}", query_string={**PERIOD, "vendor_id": "ven-b"}, headers=vendor_a)
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["summary", "series", "top-products", "top-categories"])
def test_vendor_staff_see_only_their_own_figures_on_every_endpoint(client, vendor_b, sales, path):
    response = client.get(f"/api/v1/stats/{path}", query_string={**PERIOD, "format": "csv"}, headers=vendor_b)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "ven-a" not in text and "prd-1" not in text and "books" not in text


def test_only_operators_rank_vendors(client, vendor_a, operator, sales):
    assert client.get("/api/v1/stats/top-vendors", query_string=PERIOD, headers=vendor_a).status_code == 403
    body = client.get("/api/v1/stats/top-vendors", query_string=PERIOD, headers=operator).get_json()
    assert [(item["vendor_id"], item["gmv_minor"]) for item in body] == [("ven-a", 3200), ("ven-b", 3000)]


@pytest.mark.parametrize("path", ["summary", "series", "top-products", "top-vendors", "top-categories"])
def test_customers_are_refused(client, customer, path):
    assert client.get(f"/api/v1/stats/{path}", headers=customer).status_code == 403


def test_an_order_at_23_30_utc_counts_on_the_next_day_in_paris(client, operator, sales):
    series = {tz: client.get("/api/v1/stats/series", query_string={
        "metric": "orders", "granularity": "day", "from": "2026-03-10", "to": "2026-03-11", "tz": tz},
        headers=operator).get_json()["points"] for tz in ("UTC", "Europe/Paris")}
    assert [(p["bucket"], p["value"]) for p in series["UTC"]] == [
        ("2026-03-10T00:00:00+00:00", 2), ("2026-03-11T00:00:00+00:00", 0)]
    assert [(p["bucket"], p["value"]) for p in series["Europe/Paris"]] == [
        ("2026-03-10T00:00:00+01:00", 1), ("2026-03-11T00:00:00+01:00", 1)]


def test_gmv_per_local_month_and_week(client, operator, sales):
    month = client.get("/api/v1/stats/series", query_string={
        "metric": "gmv", "granularity": "month", "from": "2026-03-01", "to": "2026-04-30", "tz": "Europe/Paris"},
        headers=operator).get_json()["points"]
    assert [(p["bucket"], p["currency"], p["value"]) for p in month] == [
        ("2026-03-01T00:00:00+01:00", "EUR", 6200), ("2026-04-01T00:00:00+02:00", "EUR", 0)]
    week = client.get("/api/v1/stats/series", query_string={
        "metric": "net_sales", "granularity": "week", "from": "2026-03-09", "to": "2026-03-15", "tz": "UTC"},
        headers=operator).get_json()["points"]
    assert [(p["bucket"], p["value"]) for p in week] == [("2026-03-09T00:00:00+00:00", 5200)]


def test_hourly_series_in_a_time_zone(client, vendor_a, sales):
    points = client.get("/api/v1/stats/series", query_string={
        "metric": "gmv", "granularity": "hour", "from": "2026-03-11", "to": "2026-03-11", "tz": "Europe/Paris"},
        headers=vendor_a).get_json()["points"]
    assert len(points) == 24
    assert [(p["bucket"], p["value"]) for p in points if p["value"]] == [("2026-03-11T00:00:00+01:00", 700)]


def test_top_products_leave_shipping_out_and_rank_by_the_metric(client, operator, sales):
    body = client.get("/api/v1/stats/top-products", query_string={**PERIOD, "metric": "units"},
                      headers=operator).get_json()
    assert [(item["product_id"], item["vendor_id"], item["units"], item["gmv_minor"]) for item in body] == [
        ("prd-1", "ven-a", 2, 2000), ("prd-2", "ven-b", 1, 3000), ("prd-3", "ven-a", 1, 700)]


def test_top_categories_of_a_vendor(client, vendor_a, sales):
    body = client.get("/api/v1/stats/top-categories", query_string=PERIOD, headers=vendor_a).get_json()
    assert [(item["category_id"], item["gmv_minor"]) for item in body] == [("books", 2000), (None, 700)]


def test_csv_with_the_accept_header(client, operator, sales):
    response = client.get("/api/v1/stats/top-products", query_string=PERIOD,
                          headers={**operator, "Accept": "text/csv"})
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(row["product_id"], row["gmv_minor"]) for row in rows] == [("prd-2", "3000"), ("prd-1", "2000"),
                                                                      ("prd-3", "700")]


def test_summary_csv(client, operator, sales):
    response = client.get("/api/v1/stats/summary", query_string={**PERIOD, "format": "csv"}, headers=operator)
    rows = {(row["figure"], row["currency"]): row["value"]
            for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert rows[("gmv_minor", "EUR")] == "6200" and rows[("orders", "")] == "3"


def test_an_unknown_time_zone_is_refused(client, operator):
    response = client.get("/api/v1/stats/summary", query_string={"tz": "Mars/Olympus"}, headers=operator)
    assert response.status_code == 422


def test_money_is_grouped_by_currency_and_counts_are_not(client, operator, sales):
    moment = datetime(2026, 3, 20, 10, tzinfo=timezone.utc)
    sales.send("order.placed", placed("o-usd", "cus-3", moment, [
        ("vo-usd", "ven-a", 0, [("l-usd", "prd-1", "books", 1, 4200)])], currency="USD"), moment)
    sales.send("payment.captured", captured("o-usd", "vo-usd", "ven-a", 4200, 420, currency="USD"), moment)
    body = client.get("/api/v1/stats/summary", query_string=PERIOD, headers=operator).get_json()
    assert [(entry["currency"], entry["gmv_minor"], entry["average_basket_minor"]) for entry in body["money"]] == [
        ("EUR", 6200, 3100), ("USD", 4200, 4200)]
    assert (body["counts"]["orders"], body["counts"]["captured_orders"]) == (4, 3)
    points = client.get("/api/v1/stats/series", query_string={**PERIOD, "metric": "gmv", "granularity": "month"},
                        headers=operator).get_json()["points"]
    assert [(p["currency"], p["value"]) for p in points] == [("EUR", 6200), ("USD", 4200)]


def test_todays_business_figures_are_in_the_metrics(app, client, operator):
    events, today = SalesEvents(app), datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    events.send("order.placed", placed("o9", "cus-9", today, [
        ("vo9", "ven-a", 500, [("l9", "prd-1", "books", 3, 1000)])]), today)
    events.send("payment.captured", captured("o9", "vo9", "ven-a", 3500, 350), today)
    text = client.get("/metrics").get_data(as_text=True)
    summary = client.get("/api/v1/stats/summary", query_string={"from": today.date().isoformat(),
                                                                "to": today.date().isoformat(), "tz": "UTC"},
                         headers=operator).get_json()
    assert "analytics_orders_today 1.0" in text
    assert 'analytics_gmv_today_minor{currency="EUR"} 3500.0' in text
    assert 'analytics_average_basket_today_minor{currency="EUR"} 3500.0' in text
    commission = summary["money"][0]["commission_revenue_minor"]
    assert f'analytics_commission_revenue_today_minor{{currency="EUR"}} {commission}.0' in text


@pytest.mark.parametrize("path", ["/api/v1/stats/top-products", "/api/v1/stats/top-categories"])
@pytest.mark.parametrize("metric", ["net_sales", "commission"])
def test_products_and_categories_are_not_ranked_by_figures_kept_per_vendor(client, operator, sales, path, metric):
    answer = client.get(path, query_string={**PERIOD, "metric": metric}, headers=operator)
    assert answer.status_code == 422 and "kept per vendor" in answer.get_json()["detail"]
    ranked = client.get("/api/v1/stats/top-vendors", query_string={**PERIOD, "metric": metric}, headers=operator)
    assert ranked.status_code == 200 and "commission_revenue_minor" in ranked.get_json()[0]
    products = client.get("/api/v1/stats/top-products", query_string=PERIOD, headers=operator).get_json()
    assert "commission_revenue_minor" not in products[0] and "refunds_minor" not in products[0]
