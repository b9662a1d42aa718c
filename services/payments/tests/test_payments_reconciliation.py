"""Reconciliation: the ledger against the sandbox's books, clean after real scenarios, every difference named."""
from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, update

from payments.cli import reconcile_command
from payments.models import ProviderRecord
from payments.models.base import now
from payments.reconciliation import reconcile
from payments.testing import Marketplace


@pytest.fixture
def scenarios(app):
    """Captures, a void, a partial refund, a failed capture and a completion."""
    paid = Marketplace(app)
    paid.placed()
    paid.pay()
    paid.vendor_order_event("vendor_order.accepted", "ven-a")
    paid.vendor_order_event("vendor_order.refused", "ven-b")
    paid.refund_requested("ven-a", 700)
    paid.vendor_order_event("vendor_order.completed", "ven-a")
    expired = Marketplace(app)
    expired.placed()
    expired.pay("pm_card_authorizationExpired")
    expired.vendor_order_event("vendor_order.accepted", "ven-a")
    return paid


def _report(app):
    with app.extensions["chassis.runtime"].uow() as uow:
        return reconcile(uow.session, now() - timedelta(hours=1), now() + timedelta(hours=1))


def _tamper(app, statement):
    with app.extensions["chassis.runtime"].uow() as uow:
        uow.session.execute(statement)
        uow.commit()


def test_the_ledger_and_the_provider_agree_after_real_scenarios(app, scenarios):
    report = _report(app)
    assert (report.clean, report.ledger_movements, report.provider_operations) == (True, 2, 2)


def test_a_capture_the_provider_does_not_know_is_reported(app, scenarios):
    _tamper(app, delete(ProviderRecord).where(ProviderRecord.operation == "capture",
                                              ProviderRecord.succeeded.is_(True)))
    assert [(m.problem, m.operation, m.ledger_amount_minor) for m in _report(app).mismatches] == [
        ("missing_at_provider", "capture", 2500)]


def test_a_provider_operation_missing_from_the_ledger_is_reported(app, scenarios):
    _tamper(app, update(ProviderRecord).where(ProviderRecord.operation == "refund")
            .values(merchant_reference="rf-unknown"))
    assert sorted((m.problem, m.reference) for m in _report(app).mismatches) == sorted([
        ("missing_in_ledger", "rf-unknown"), ("missing_at_provider", _refund_id(app))])


def test_an_amount_that_differs_is_reported_with_both_amounts(app, scenarios):
    _tamper(app, update(ProviderRecord).where(ProviderRecord.operation == "refund").values(amount_minor=701))
    assert [(m.problem, m.ledger_amount_minor, m.provider_amount_minor) for m in _report(app).mismatches] == [
        ("amount_differs", 700, 701)]


def test_operators_read_the_report_over_http_and_others_cannot(app, scenarios, bearer):
    client = app.test_client()
    period = {"from": (now() - timedelta(hours=1)).isoformat(), "to": (now() + timedelta(hours=1)).isoformat()}
    answer = client.get("/api/v1/ledger/reconciliation", query_string=period,
                        headers=bearer(subject="op-1", roles=["operator"]))
    assert answer.status_code == 200
    assert (answer.json["clean"], answer.json["mismatches"], answer.json["from"]) == (True, [], period["from"])
    refused = client.get("/api/v1/ledger/reconciliation", query_string=period,
                         headers=bearer(subject="staff-a", roles=["vendor"], vendor_id="ven-a"))
    assert refused.status_code == 403
    backwards = client.get("/api/v1/ledger/reconciliation", query_string={"from": period["to"], "to": period["from"]},
                           headers=bearer(subject="op-1", roles=["operator"]))
    assert backwards.status_code == 422 and backwards.mimetype == "application/problem+json"


def test_the_command_prints_the_report_and_fails_when_anything_differs(app, scenarios, monkeypatch):
    monkeypatch.setenv("PAYMENTS_DATABASE_URL", app.extensions["chassis.runtime"].settings.database_url)
    period = ["--from", (now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
              "--to", (now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")]
    clean = CliRunner().invoke(reconcile_command, period)
    assert (clean.exit_code, "0 mismatches" in clean.output) == (0, True)
    _tamper(app, update(ProviderRecord).where(ProviderRecord.operation == "capture").values(amount_minor=1))
    differs = CliRunner().invoke(reconcile_command, [*period, "--json"])
    assert differs.exit_code == 1 and '"problem": "amount_differs"' in differs.output


def _refund_id(app) -> str:
    from sqlalchemy import select

    from payments.models import Refund
    with app.extensions["chassis.runtime"].uow() as uow:
        return uow.session.scalar(select(Refund.id))
