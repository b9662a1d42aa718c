"""Monthly commission invoices over HTTP: the commission lines charged at capture and given back by
refunds in a calendar month (UTC), with rule, base, rate and fee, and totals per currency."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from payments.models import CommissionLine
from payments.models.base import now
from payments.testing import Marketplace

INVOICES = "/api/v1/ledger/invoices"


@pytest.fixture
def this_month() -> str:
    return now().strftime("%Y-%m")


@pytest.fixture
def world(app, client, bearer):
    """ven-a has a 12 % rule on books; captured 25.00 (2.40 commission), refunded 10.00 then 5.00."""
    admin = bearer(subject="op-1", roles=["operator", "admin"])
    client.post("/api/v1/commission-rules", json={"vendor_id": "ven-a", "category_id": "books", "rate_bps": 1200},
                headers=admin)
    market = Marketplace(app)
    market.placed()
    market.pay()
    market.vendor_order_event("vendor_order.accepted", "ven-a")
    market.vendor_order_event("vendor_order.accepted", "ven-b")
    market.refund_requested("ven-a", 1000)
    market.refund_requested("ven-a", 500)
    return market


def invoice(client, caller, vendor_id: str, month: str) -> dict:
    response = client.get(f"{INVOICES}/{vendor_id}/{month}", headers=caller)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def add_line(app, at: datetime, commission: int, currency: str = "EUR") -> None:
    """A charge line written at a chosen moment (what capture writes), for the month's edges."""
    with app.extensions["chassis.runtime"].uow() as uow:
        uow.session.add(CommissionLine(kind="charge", vendor_order_id=f"vo-{at.isoformat()}", order_id="ord-x",
                                       line_id="l1", vendor_id="ven-a", category_id=None, rule_id=None,
                                       rule_scope="default", rate_bps=1500, base_minor=commission * 10,
                                       fixed_fee_minor=0, commission_minor=commission, currency=currency,
                                       created_at=at))
        uow.commit()


def test_the_invoice_lists_charges_and_reversals_with_their_rule_and_totals_them(client, world, vendor_a, this_month):
    answer = invoice(client, vendor_a, "ven-a", this_month)
    assert [(line["kind"], line["rule_scope"], line["rate_bps"], line["base_minor"], line["commission_minor"])
            for line in answer["lines"]] == [("charge", "vendor_category", 1200, 2000, 240),
                                             ("reversal", "vendor_category", 1200, 2000, -96),
                                             ("reversal", "vendor_category", 1200, 2000, -48)]
    assert answer["lines"][0]["vendor_order_id"] == world.vendor_orders["ven-a"]
    assert answer["lines"][0]["rule_id"] is not None and answer["lines"][1]["refund_id"] is not None
    # Charged 2.40, given back 240 × 1000 / 2500 = 0.96 then 240 × 1500 / 2500 - 0.96 = 0.48.
    assert answer["totals"] == [{"currency": "EUR", "charged_minor": 240, "reversed_minor": 144,
                                 "commission_minor": 96, "line_count": 3}]
    assert (answer["number"], answer["vendor_id"], answer["month"]) == (f"COM-{this_month}-ven-a", "ven-a",
                                                                         this_month)


def test_the_invoice_keeps_to_its_month_and_totals_each_currency(app, client, operator):
    add_line(app, datetime(2026, 9, 30, 23, 59, 59, tzinfo=timezone.utc), 100)
    add_line(app, datetime(2026, 10, 1, 0, 0, 0, tzinfo=timezone.utc), 200)
    add_line(app, datetime(2026, 10, 31, 23, 59, 59, tzinfo=timezone.utc), 300)
    add_line(app, datetime(2026, 10, 15, tzinfo=timezone.utc), 50, currency="USD")
    add_line(app, datetime(2026, 11, 1, 0, 0, 0, tzinfo=timezone.utc), 400)
    answer = invoice(client, operator, "ven-a", "2026-10")
    assert sorted(line["commission_minor"] for line in answer["lines"]) == [50, 200, 300]
    assert [(total["currency"], total["commission_minor"]) for total in answer["totals"]] == [("EUR", 500),
                                                                                             ("USD", 50)]
    assert invoice(client, operator, "ven-a", "2026-08")["lines"] == []


def test_the_invoice_as_csv_has_the_lines_then_a_total_per_currency(client, world, vendor_a, this_month):
    response = client.get(f"{INVOICES}/ven-a/{this_month}", headers={**vendor_a, "Accept": "text/csv"})
    assert (response.status_code, response.mimetype) == (200, "text/csv")
    assert f"COM-{this_month}-ven-a.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(row["kind"], row["rate_bps"], row["commission_minor"], row["currency"]) for row in rows] == [
        ("charge", "1200", "240", "EUR"), ("reversal", "1200", "-96", "EUR"), ("reversal", "1200", "-48", "EUR"),
        ("total", "", "96", "EUR")]
    by_format = client.get(f"{INVOICES}/ven-a/{this_month}?format=csv", headers=vendor_a)
    assert by_format.get_data() == response.get_data()


def test_a_vendor_never_reads_another_vendors_invoice(client, world, vendor_a, this_month):
    for path in (f"{INVOICES}/ven-b/{this_month}", f"{INVOICES}/ven-b/{this_month}?format=csv"):
        response = client.get(path, headers=vendor_a)
        assert (response.status_code, response.mimetype) == (404, "application/problem+json")


def test_operators_read_any_vendors_invoice(client, world, operator, this_month):
    assert invoice(client, operator, "ven-b", this_month)["totals"] == [
        {"currency": "EUR", "charged_minor": 450, "reversed_minor": 0, "commission_minor": 450, "line_count": 1}]


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-11", "2026-11-01"])
def test_a_month_not_written_yyyy_mm_is_refused(client, operator, month):
    response = client.get(f"{INVOICES}/ven-a/{month}", headers=operator)
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")


def test_customers_read_no_invoice(client, bearer, this_month):
    response = client.get(f"{INVOICES}/ven-a/{this_month}", headers=bearer(subject="cus-1", roles=["customer"]))
    assert response.status_code == 403
