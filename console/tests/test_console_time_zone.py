"""CONSOLE_TIMEZONE: every time is shown, and typed, in the marketplace's zone rather than UTC."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from console.settings import ConsoleSettings

ONE_PAGE = {"X-Pagination": '{"total": 1, "page": 1, "total_pages": 1}'}
ENTRY = {"id": 1, "occurred_at": "2026-11-28T23:30:00+00:00", "actor": "u-1", "actor_roles": "admin operator",
         "action": "settings.changed", "target_type": "settings", "target_id": "catalog",
         "before": {}, "after": {}, "reason": None, "request_id": None}


@pytest.fixture
def console_settings() -> dict:
    return {"timezone": "Europe/Paris"}


def test_times_are_shown_in_the_console_time_zone(operator_browser, stub):
    stub.answer("GET", "/api/v1/catalog/audit", [ENTRY], headers=ONE_PAGE)

    page = operator_browser.get("/console/audit?service=catalog").get_data(as_text=True)

    assert "Nov 29, 2026, 12:30:00\u202fAM" in page  # 23:30 UTC is half past midnight the next day in Paris
    assert "Times are in the Europe/Paris time zone." in page


def test_times_typed_in_a_filter_are_read_in_the_console_time_zone(operator_browser, stub):
    stub.answer("GET", "/api/v1/catalog/audit", [], headers=ONE_PAGE)

    operator_browser.get("/console/audit?service=catalog&since=2026-07-01T00:00")

    assert stub.calls_to("/api/v1/catalog/audit")[0].args["since"] == "2026-07-01T00:00:00+02:00"


def test_an_unknown_time_zone_stops_the_console_naming_it():
    with pytest.raises(ValidationError, match="Mars/Olympus_Mons"):
        ConsoleSettings(timezone="Mars/Olympus_Mons", client_id="c", client_secret="s")



def test_today_is_the_console_time_zones_day(console_app):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from console import web
    with console_app.test_request_context():
        assert web.today() == datetime.now(ZoneInfo("Europe/Paris")).date()


def test_a_statement_covers_this_month_so_far_by_the_console_time_zones_days(vendor_browser, stub, monkeypatch):
    from datetime import date

    from console import web
    monkeypatch.setattr(web, "today", lambda: date(2026, 12, 1))
    stub.answer("GET", "/api/v1/ledger/statement", {"opening_balance_minor": 0, "closing_balance_minor": 0,
                                                    "currency": "EUR", "entries": [], "next_cursor": None})

    vendor_browser.get("/console/statement")

    args = stub.calls_to("/api/v1/ledger/statement")[0].args
    assert (args["from"], args["to"]) == ("2026-12-01", "2026-12-01")
