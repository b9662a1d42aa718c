"""The analytics revisions run for real: the monthly rollups revision fills the months from the days."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import inspect

from chassis import migrations
from analytics.testing import SalesEvents, captured, placed


def test_the_month_rollups_revision_sums_the_days_already_there_and_goes_back(app):
    events = SalesEvents(app)
    for number, at in enumerate((datetime(2026, 2, 27, 23, 30), datetime(2026, 3, 1, 0, 15),
                                 datetime(2026, 3, 20, 12))):
        at = at.replace(tzinfo=timezone.utc)
        order = f"o{number}"
        events.send("order.placed", placed(order, "cus-1", at, [(f"vo{number}", "ven-a", 0, [
            (f"l{number}", "prd-1", "books", 1, 1000 * (number + 1))])]), at)
        events.send("payment.captured", captured(order, f"vo{number}", "ven-a", 1000 * (number + 1), 100), at)
    incremental = events.rollups()
    assert {row[0] for row in incremental} == {"hour", "day", "month"}
    runtime = app.extensions["chassis.runtime"]
    migrations.downgrade(runtime, "0005")
    assert "sales_month_rollups" not in inspect(runtime.database.engine).get_table_names()
    migrations.upgrade(runtime)
    assert events.rollups() == incremental
