"""Traffic dashboards: per-day figures, the funnel (orders from the sales rollups), product traffic, CSV, and who
may read what (marketplace-wide figures: operators; vendor staff: their own products' views and adds)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from chassis.testing.events import deliver
from contracts.examples import example
from analytics import events, product_vendors
from analytics.tracking import Hit, track

DAY = date(2026, 3, 2)
RANGE = "from=2026-03-01&to=2026-03-03"


def at(day: date = DAY, seconds: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc) + timedelta(seconds=seconds)


@pytest.fixture
def visits(uow):
    """Three visits of two visitors on DAY (one reaching checkout, one the cart, one only pages), one the next
    day; products prod-a1 (ven-a) and prod-b1 (ven-b)."""
    track(uow, [
        Hit("page_view", "visitor-0001", "session-0001", at(), "/"),
        Hit("product_view", "visitor-0001", "session-0001", at(seconds=1), "/p/a1", "prod-a1"),
        Hit("product_view", "visitor-0001", "session-0001", at(seconds=2), "/p/a1", "prod-a1"),
        Hit("add_to_cart", "visitor-0001", "session-0001", at(seconds=3), "/p/a1", "prod-a1"),
        Hit("checkout_started", "visitor-0001", "session-0001", at(seconds=4), "/checkout"),
        Hit("page_view", "visitor-0001", "session-0002", at(seconds=600), "/"),
        Hit("product_view", "visitor-0002", "session-0003", at(seconds=5), "/p/b1", "prod-b1"),
        Hit("add_to_cart", "visitor-0002", "session-0003", at(seconds=6), "/p/b1", "prod-b1"),
        Hit("page_view", "visitor-0002", "session-0004", at(DAY + timedelta(days=1)), "/"),
    ])
    product_vendors.product_sold_by(uow, "prod-a1", "ven-a")
    product_vendors.product_sold_by(uow, "prod-b1", "ven-b")


def test_operators_read_visits_page_views_and_unique_visitors_per_day(client, operator, visits):
    body = client.get(f"/api/v1/stats/traffic?{RANGE}", headers=operator).get_json()

    assert body == {"from": "2026-03-01", "to": "2026-03-03",
                    "totals": {"visits": 4, "page_views": 3, "unique_visitors": 2},
                    "days": [{"day": "2026-03-01", "visits": 0, "page_views": 0, "unique_visitors": 0},
                             {"day": "2026-03-02", "visits": 3, "page_views": 2, "unique_visitors": 2},
                             {"day": "2026-03-03", "visits": 1, "page_views": 1, "unique_visitors": 1}]}


def test_the_funnel_follows_sessions_to_orders_placed_and_gives_the_conversion_rate(client, app, operator, visits):
    deliver(app.extensions["chassis.runtime"], events.handlers_by_type(), "order.placed",
            example("order.placed", placed_at=at(seconds=7).isoformat()))

    body = client.get(f"/api/v1/stats/funnel?{RANGE}", headers=operator).get_json()

    assert body["steps"] == [{"step": "sessions", "count": 4, "share_of_sessions": 1.0},
                             {"step": "product_views", "count": 2, "share_of_sessions": 0.5},
                             {"step": "adds_to_cart", "count": 2, "share_of_sessions": 0.5},
                             {"step": "checkouts_started", "count": 1, "share_of_sessions": 0.25},
                             {"step": "orders", "count": 1, "share_of_sessions": 0.25}]
    assert body["conversion_rate"] == 0.25


def test_a_range_without_sessions_has_no_conversion_rate(client, operator, visits):
    body = client.get("/api/v1/stats/funnel?from=2026-01-01&to=2026-01-31", headers=operator).get_json()

    assert body["conversion_rate"] is None
    assert [step["count"] for step in body["steps"]] == [0, 0, 0, 0, 0]


def test_traffic_and_funnel_export_as_csv(client, operator, visits):
    traffic = client.get(f"/api/v1/stats/traffic?{RANGE}&format=csv", headers=operator)
    traffic_lines = traffic.get_data(as_text=True).splitlines()  # streamed: read before the next request
    funnel = client.get(f"/api/v1/stats/funnel?{RANGE}&format=csv", headers=operator)

    assert traffic.mimetype == "text/csv"
    assert traffic_lines == [
        "day,visits,page_views,unique_visitors", "2026-03-01,0,0,0", "2026-03-02,3,2,2", "2026-03-03,1,1,1"]
    assert funnel.get_data(as_text=True).splitlines() == [
        "step,count,share_of_sessions", "sessions,4,1.0000", "product_views,2,0.5000", "adds_to_cart,2,0.5000",
        "checkouts_started,1,0.2500", "orders,0,0.0000"]


def test_operators_read_every_products_views_and_adds_or_one_vendors(client, operator, visits):
    everyone = client.get(f"/api/v1/stats/traffic/products?{RANGE}", headers=operator).get_json()
    one = client.get(f"/api/v1/stats/traffic/products?{RANGE}&vendor_id=ven-b", headers=operator).get_json()

    assert everyone == [{"product_id": "prod-a1", "views": 2, "adds_to_cart": 1},
                        {"product_id": "prod-b1", "views": 1, "adds_to_cart": 1}]
    assert one == [{"product_id": "prod-b1", "views": 1, "adds_to_cart": 1}]


def test_vendor_staff_read_their_own_products_traffic_only(client, vendor_a, vendor_b, visits):
    own = client.get(f"/api/v1/stats/traffic/products?{RANGE}", headers=vendor_a).get_json()
    csv = client.get(f"/api/v1/stats/traffic/products?{RANGE}&format=csv", headers=vendor_b)
    other = client.get(f"/api/v1/stats/traffic/products?{RANGE}&vendor_id=ven-b", headers=vendor_a)

    assert own == [{"product_id": "prod-a1", "views": 2, "adds_to_cart": 1}]
    assert csv.get_data(as_text=True).splitlines() == ["product_id,views,adds_to_cart", "prod-b1,1,1"]
    assert other.status_code == 403


@pytest.mark.parametrize("path", ["/api/v1/stats/traffic", "/api/v1/stats/funnel",
                                  "/api/v1/stats/traffic?format=csv", "/api/v1/stats/funnel?format=csv"])
def test_marketplace_wide_traffic_is_for_operators_only(client, vendor_a, customer, path):
    assert client.get(path, headers=vendor_a).status_code == 403
    assert client.get(path, headers=customer).status_code == 403
    assert client.get(path).status_code == 401


def test_customers_read_no_product_traffic(client, customer):
    assert client.get("/api/v1/stats/traffic/products", headers=customer).status_code == 403


def test_a_range_is_checked(client, operator):
    backwards = client.get("/api/v1/stats/traffic?from=2026-03-02&to=2026-03-01", headers=operator)
    too_long = client.get("/api/v1/stats/traffic?from=2020-01-01&to=2026-03-01", headers=operator)

    assert backwards.status_code == 422 and too_long.status_code == 422


def test_catalog_events_say_which_vendor_sells_a_product(client, app, vendor_a, uow):
    runtime = app.extensions["chassis.runtime"]
    track(uow, [Hit("product_view", "visitor-0001", "session-0001", at(), "/p/1", "prod-1"),
                Hit("product_view", "visitor-0001", "session-0001", at(seconds=1), "/p/2", "prod-2")])
    deliver(runtime, product_vendors.handlers_by_type(), "product.approved",
            example("product.approved", product_id="prod-1", vendor_id="ven-a"))
    deliver(runtime, product_vendors.handlers_by_type(), "offer.updated",
            example("offer.updated", product_id="prod-2", vendor_id="ven-a"))
    deliver(runtime, product_vendors.handlers_by_type(), "offer.updated",
            example("offer.updated", product_id="prod-2", vendor_id="ven-a"))  # a duplicate changes nothing

    body = client.get(f"/api/v1/stats/traffic/products?{RANGE}", headers=vendor_a).get_json()

    assert body == [{"product_id": "prod-1", "views": 1, "adds_to_cart": 0},
                    {"product_id": "prod-2", "views": 1, "adds_to_cart": 0}]


def test_rebuilding_the_traffic_rollups_gives_back_the_incremental_ones(uow, visits):
    from sqlalchemy import select
    from analytics import traffic_rollups
    from analytics.models.traffic import ProductTrafficDay, TrafficDay, VisitorDay
    track(uow, [Hit("page_view", "visitor-0003", "session-0005", at(seconds=30), "/late"),  # a later batch
                Hit("page_view", "visitor-0001", "session-0001", at(), "/")])  # resent: counted once

    def snapshot():
        with uow:
            return {model.__tablename__: sorted(tuple(row) for row in uow.session.execute(select(model.__table__)))
                    for model in (TrafficDay, ProductTrafficDay, VisitorDay)}
    incremental = snapshot()
    with uow:
        written = traffic_rollups.rebuild(uow.session)
        uow.commit()

    assert snapshot() == incremental
    assert written == len(incremental["traffic_days"]) + len(incremental["product_traffic_days"])
