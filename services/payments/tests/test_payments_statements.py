"""Vendor balances and statements over HTTP, against real postings: an order captured, partly refunded,
completed and refunded again, and ledger postings dated across months for the period filters."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from payments import ledger_book
from payments.domain import ledger
from payments.ledger_book import Source
from payments.testing import Marketplace

STATEMENT, BALANCES = "/api/v1/ledger/statement", "/api/v1/balances"


@pytest.fixture
def world(app):
    """ven-a: captured 25.00 (3.00 commission), refunded 10.00, completed, refunded 5.00 more; ven-b captured 30.00."""
    market = Marketplace(app)
    market.placed()
    market.pay()
    market.vendor_order_event("vendor_order.accepted", "ven-a")
    market.vendor_order_event("vendor_order.accepted", "ven-b")
    market.refund_requested("ven-a", 1000)
    market.vendor_order_event("vendor_order.completed", "ven-a")
    market.refund_requested("ven-a", 500)
    return market


def statement(client, caller, **query) -> dict:
    response = client.get(STATEMENT, query_string=query, headers=caller)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def movements(entries: list[dict]) -> list[tuple]:
    return [(entry["kind"], entry["amount_minor"], entry["balance_after_minor"]) for entry in entries]


def post_capture(app, vendor_id: str, gross: int, commission: int, at: datetime, memo: str = "",
                 order_id: str = "ord-x") -> None:
    """A capture posted straight to the ledger at a chosen moment (what settlement posts at capture)."""
    with app.extensions["chassis.runtime"].uow() as uow:
        ledger_book.post(uow.session, ledger.capture(vendor_id, "EUR", gross, commission, memo=memo),
                         Source(f"vo-{at.isoformat()}-{memo}", order_id=order_id, vendor_order_id=f"vo-{memo}",
                                vendor_id=vendor_id), at=at)
        uow.commit()


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=timezone.utc)


# --- balances

def test_vendor_staff_read_their_own_balances_from_the_running_totals(client, world, vendor_a):
    response = client.get(BALANCES, headers=vendor_a)
    # pending: 2200 - 880 - 1320 released = 0; available: 1320 - (500 - 60 commission given back) = 880.
    assert response.get_json() == [{"vendor_id": "ven-a", "currency": "EUR", "pending_minor": 0,
                                    "available_minor": 880}]
    assert client.get(f"{BALANCES}/ven-a", headers=vendor_a).get_json() == {
        "vendor_id": "ven-a", "balances": [{"currency": "EUR", "pending_minor": 0, "available_minor": 880}]}


def test_operators_page_through_every_vendors_balances(client, world, operator):
    first = client.get(BALANCES, query_string={"page_size": 1}, headers=operator)
    second = client.get(BALANCES, query_string={"page_size": 1, "page": 2}, headers=operator)
    assert [row["vendor_id"] for row in first.get_json() + second.get_json()] == ["ven-a", "ven-b"]
    assert '"total": 2' in first.headers["X-Pagination"]
    assert client.get(f"{BALANCES}/ven-b", headers=operator).get_json()["balances"] == [
        {"currency": "EUR", "pending_minor": 3000 - 450, "available_minor": 0}]
    assert client.get(BALANCES, query_string={"vendor_id": "ven-b"}, headers=operator).get_json()[0][
        "pending_minor"] == 2550


def test_a_vendor_never_reads_another_vendors_balances(client, world, vendor_a, bearer):
    response = client.get(f"{BALANCES}/ven-b", headers=vendor_a)
    assert (response.status_code, response.mimetype) == (404, "application/problem+json")
    assert [row["vendor_id"] for row in client.get(BALANCES, query_string={"vendor_id": "ven-b"},
                                                   headers=vendor_a).get_json()] == ["ven-a"]
    assert client.get(BALANCES, headers=bearer(subject="cus-1", roles=["customer"])).status_code == 403


def test_balances_agree_with_the_statements_last_running_balance(client, world, vendor_b):
    for account in ("pending", "available"):
        entries = statement(client, vendor_b, account=account)["entries"]
        balance = client.get(f"{BALANCES}/ven-b", headers=vendor_b).get_json()["balances"][0][f"{account}_minor"]
        assert (entries[-1]["balance_after_minor"] if entries else 0) == balance


# --- statements

def test_the_pending_statement_lists_each_movement_with_the_balance_owed_after_it(client, world, vendor_a):
    answer = statement(client, vendor_a, account="pending")
    assert movements(answer["entries"]) == [("capture", 2200, 2200), ("refund", -880, 1320), ("release", -1320, 0)]
    entry = answer["entries"][0]
    assert (entry["order_id"], entry["vendor_order_id"], entry["memo"]) == (
        world.order_id, world.vendor_orders["ven-a"], f"capture {world.vendor_orders['ven-a']}")
    assert (answer["opening_balance_minor"], answer["closing_balance_minor"], answer["next_cursor"]) == (0, 0, None)


def test_the_available_statement_shows_the_release_then_the_later_refund(client, world, vendor_a):
    answer = statement(client, vendor_a, account="available", currency="EUR")
    assert movements(answer["entries"]) == [("release", 1320, 1320), ("refund", -440, 880)]
    assert answer["closing_balance_minor"] == 880


def test_the_running_balance_continues_across_pages(app, client, vendor_a):
    for number in range(5):
        market = Marketplace(app)
        market.placed()
        market.pay()
        market.vendor_order_event("vendor_order.accepted", "ven-a")
        if number == 2:
            market.refund_requested("ven-a", 2500)
    pages, cursor = [], None
    while True:
        answer = statement(client, vendor_a, account="pending", limit=2, **({"cursor": cursor} if cursor else {}))
        pages.append(answer["entries"])
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert [len(page) for page in pages] == [2, 2, 2]
    assert movements([entry for page in pages for entry in page]) == [
        ("capture", 2200, 2200), ("capture", 2200, 4400), ("capture", 2200, 6600), ("refund", -2200, 4400),
        ("capture", 2200, 6600), ("capture", 2200, 8800)]
    assert [entry["id"] for page in pages for entry in page] == [
        entry["id"] for entry in statement(client, vendor_a, account="pending")["entries"]]


def test_the_period_filter_keeps_the_days_asked_and_gives_the_balance_before_and_after(app, client, vendor_a):
    for day, gross in (("2026-09-30", 1000), ("2026-10-01", 2000), ("2026-10-31", 3000), ("2026-11-01", 4000)):
        post_capture(app, "ven-a", gross, 0, at(day), memo=day)
    answer = statement(client, vendor_a, account="pending", **{"from": "2026-10-01", "to": "2026-10-31"})
    assert [(entry["memo"], entry["amount_minor"], entry["balance_after_minor"]) for entry in answer["entries"]] == [
        ("2026-10-01", 2000, 3000), ("2026-10-31", 3000, 6000)]
    assert (answer["opening_balance_minor"], answer["closing_balance_minor"]) == (1000, 6000)
    after = statement(client, vendor_a, account="pending", **{"from": "2026-11-01"})
    assert [entry["memo"] for entry in after["entries"]] == ["2026-11-01"]
    assert (after["opening_balance_minor"], after["closing_balance_minor"]) == (6000, 10000)


def test_a_period_ending_before_it_starts_is_refused(client, vendor_a):
    response = client.get(STATEMENT, query_string={"from": "2026-11-02", "to": "2026-11-01"}, headers=vendor_a)
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")


def test_a_cursor_not_given_by_the_statement_is_refused(client, vendor_a):
    response = client.get(STATEMENT, query_string={"cursor": "not-a-cursor"}, headers=vendor_a)
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")


def test_the_csv_export_has_the_whole_period_with_running_balances(client, world, vendor_a):
    response = client.get(STATEMENT, query_string={"account": "pending", "limit": 1},
                          headers={**vendor_a, "Accept": "text/csv"})
    assert (response.status_code, response.mimetype) == (200, "text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(row["kind"], row["amount_minor"], row["balance_after_minor"], row["currency"]) for row in rows] == [
        ("capture", "2200", "2200", "EUR"), ("refund", "-880", "1320", "EUR"), ("release", "-1320", "0", "EUR")]
    assert rows[0]["vendor_order_id"] == world.vendor_orders["ven-a"]
    by_format = client.get(STATEMENT, query_string={"account": "pending", "format": "csv"}, headers=vendor_a)
    assert by_format.get_data() == response.get_data()


def test_the_csv_export_guards_cells_a_spreadsheet_would_run_as_formulas(app, client, vendor_a):
    post_capture(app, "ven-a", 1000, 100, at("2026-11-02"), memo='=HYPERLINK("http://evil.example")',
                 order_id="@SUM(A1)")
    text = client.get(STATEMENT, query_string={"account": "pending", "format": "csv"}, headers=vendor_a).get_data(
        as_text=True)
    row, = csv.DictReader(io.StringIO(text))
    assert (row["memo"], row["order_id"], row["amount_minor"]) == ("'=HYPERLINK(\"http://evil.example\")",
                                                                   "'@SUM(A1)", "900")


def test_a_vendor_never_reads_another_vendors_statement(client, world, vendor_a):
    for query in ({"vendor_id": "ven-b"}, {"vendor_id": "ven-b", "format": "csv"}):
        response = client.get(STATEMENT, query_string=query, headers=vendor_a)
        assert (response.status_code, response.mimetype) == (404, "application/problem+json")


def test_operators_read_any_vendors_statement_and_must_name_it(client, world, operator):
    assert movements(statement(client, operator, vendor_id="ven-b", account="pending")["entries"]) == [
        ("capture", 2550, 2550)]
    response = client.get(STATEMENT, headers=operator)
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
