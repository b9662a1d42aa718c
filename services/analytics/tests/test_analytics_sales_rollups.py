"""Sales facts and rollups: the same figures whatever the order events arrive in, duplicates included, and a
rebuild from the facts equal to the incremental result."""
from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

from analytics import rollups
from analytics.testing import (SalesEvents, captured, order_cancelled, placed, refunded, return_event,
                               vendor_order_outcome)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=timezone.utc)


def scenario() -> list[tuple[str, dict, datetime]]:
    """O1 (cus-1) paid to both vendors, partly refunded after a return; O2 (cus-1, 23:30 UTC) refused then
    cancelled; O3 (cus-2) captured then cancelled and refunded in full."""
    return [
        ("order.placed", placed("o1", "cus-1", at(10, 9, 15), [
            ("vo1a", "ven-a", 500, [("l1", "prd-1", "books", 2, 1000)]),
            ("vo1b", "ven-b", 0, [("l2", "prd-2", "toys", 1, 3000)])]), at(10, 9, 15)),
        ("payment.captured", captured("o1", "vo1a", "ven-a", 2500, 250), at(10, 10, 5)),
        ("payment.captured", captured("o1", "vo1b", "ven-b", 3000, 300), at(10, 11, 40)),
        ("return.requested", return_event("ret-1", "o1", "vo1a", "ven-a", "l1"), at(12, 8)),
        ("return.received", return_event("ret-1", "o1", "vo1a", "ven-a", "l1"), at(13, 8)),
        ("payment.refunded", refunded("rfd-1", "o1", "vo1a", "ven-a", 1000, 100), at(13, 9)),
        ("order.placed", placed("o2", "cus-1", at(10, 23, 30), [
            ("vo2a", "ven-a", 0, [("l3", "prd-1", "books", 1, 1000), ("l4", "prd-3", None, 1, 500)])]),
         at(10, 23, 30)),
        ("vendor_order.refused", vendor_order_outcome("o2", "vo2a", "ven-a", 1500), at(10, 23, 50)),
        ("order.cancelled", order_cancelled("o2", 1500), at(10, 23, 55)),
        ("order.placed", placed("o3", "cus-2", at(11, 12), [
            ("vo3b", "ven-b", 0, [("l5", "prd-2", "toys", 2, 3000)])]), at(11, 12)),
        ("payment.captured", captured("o3", "vo3b", "ven-b", 6000, 600), at(11, 14)),
        ("vendor_order.cancelled", vendor_order_outcome("o3", "vo3b", "ven-b", 6000, "cus-2"), at(11, 15)),
        ("payment.refunded", refunded("rfd-2", "o3", "vo3b", "ven-b", 6000, 600), at(11, 16)),
    ]


def send_all(events: SalesEvents, steps) -> None:
    for event_type, data, moment in steps:
        assert events.send(event_type, data, moment) == "handled"


@pytest.fixture
def other_app(service_app):
    from analytics.app import definition
    return service_app(definition())


def test_rollups_are_the_same_whatever_the_order_events_arrive_in(app, other_app):
    in_order, shuffled = SalesEvents(app), SalesEvents(other_app)
    steps = scenario()
    send_all(in_order, steps)
    send_all(shuffled, list(reversed(steps)))
    assert in_order.rollups() == shuffled.rollups()
    mixed = SalesEvents(other_app)
    with other_app.extensions["chassis.runtime"].uow() as uow:
        rollups.rebuild(uow.session)
        uow.commit()
    assert mixed.rollups() == in_order.rollups()


@pytest.mark.parametrize("seed", [1, 2])
def test_rebuild_equals_the_incremental_rollups_after_duplicates_and_disorder(app, seed):
    events = SalesEvents(app)
    steps = scenario()
    random.Random(seed).shuffle(steps)
    send_all(events, steps)
    events.redeliver_all()
    events.redeliver_all(new_ids=True)
    incremental = events.rollups()
    with app.extensions["chassis.runtime"].uow() as uow:
        rollups.rebuild(uow.session)
        uow.commit()
    assert events.rollups() == incremental


def test_redelivering_every_event_changes_nothing(app):
    events = SalesEvents(app)
    send_all(events, scenario())
    before = events.rollups()
    assert set(events.redeliver_all()) == {"duplicate"}
    assert set(events.redeliver_all(new_ids=True)) == {"handled"}
    assert events.rollups() == before


def test_marketplace_day_counters_of_the_scenario(app):
    events = SalesEvents(app)
    send_all(events, list(reversed(scenario())))
    totals = marketplace_totals(events, grain="day")
    assert totals == {"orders": 3, "captured_orders": 2, "units": 5, "gmv_minor": 11500, "refunds_minor": 7000,
                      "commission_minor": 1150, "commission_reversed_minor": 700, "cancelled_orders": 1,
                      "cancellations": 1, "refusals": 1, "new_customers": 2, "returning_customers": 1,
                      "returns_requested": 1, "returns_received": 1}


def test_products_and_shipping_add_up_to_the_vendors_gmv(app):
    events = SalesEvents(app)
    send_all(events, scenario())
    rows = events.rollups()
    gmv = {}
    for row in rows:
        grain, _, scope, vendor, product, category, currency = row[:7]
        if grain == "day" and scope in ("vendor", "product"):
            gmv[(scope, vendor)] = gmv.get((scope, vendor), 0) + row[7 + 3]
    assert gmv == {("vendor", "ven-a"): 2500, ("product", "ven-a"): 2500,
                   ("vendor", "ven-b"): 9000, ("product", "ven-b"): 9000}


def test_a_returning_customers_earlier_order_arriving_late_becomes_the_new_one(app):
    events = SalesEvents(app)
    later = placed("o-late", "cus-9", at(20, 12), [("vo-l", "ven-a", 0, [("l-l", "prd-1", "books", 1, 100)])])
    earlier = placed("o-early", "cus-9", at(19, 12), [("vo-e", "ven-a", 0, [("l-e", "prd-1", "books", 1, 100)])])
    events.send("order.placed", later, at(20, 12))
    events.send("order.placed", earlier, at(19, 12))
    days = {row[1].day: (row[7 + 10], row[7 + 11]) for row in events.rollups()
            if row[0] == "day" and row[2] == "marketplace"}
    assert days == {19: (1, 0), 20: (0, 1)}


def marketplace_totals(events: SalesEvents, grain: str) -> dict[str, int]:
    from analytics.domain.metrics import COUNTERS
    totals = dict.fromkeys(COUNTERS, 0)
    for row in events.rollups():
        if row[0] == grain and row[2] == "marketplace":
            for name, value in zip(COUNTERS, row[7:]):
                totals[name] += value
    return totals


def test_the_rebuild_command_recomputes_the_rollups_from_the_facts(app, monkeypatch):
    from click.testing import CliRunner
    from analytics.cli import rebuild_command
    from analytics.models.sales import SalesRollup
    events = SalesEvents(app)
    steps = scenario()
    random.Random(3).shuffle(steps)
    send_all(events, steps)
    events.redeliver_all(new_ids=True)
    incremental = events.rollups()
    runtime = app.extensions["chassis.runtime"]
    with runtime.uow() as uow:  # a rollup gone wrong: the rebuild must not keep it
        uow.session.query(SalesRollup).filter_by(scope="vendor").update({"gmv_minor": 1})
        uow.commit()
    assert events.rollups() != incremental
    monkeypatch.setenv("ANALYTICS_DATABASE_URL", runtime.settings.database_url)
    result = CliRunner().invoke(rebuild_command, [])
    assert result.exit_code == 0, result.output
    assert "sales rollups rebuilt" in result.output
    assert events.rollups() == incremental
