"""Goodwill refunds: a vendor order's owner or manager, or an admin operator, gives part of its money back.

``POST /api/v1/vendor-orders/<id>/refunds`` records a ``goodwill`` refund request and emits
``refund.requested``; payments' answers (through the real consumer) settle it as any other request.
Plain staff (``vendor_role`` staff) accept the vendor orders here but may not refund them.
Vendor orders are placed with fixed quotes and moved to ``processing`` directly; vendor A's part is
accepted through the API and captured by a ``payment.captured`` event.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from orders import goodwill
from orders.models import RefundRequest, VendorOrder
from orders.testing import deliver, events, paid_order, uow_of

VENDOR_ORDERS = "/api/v1/vendor-orders"
VENDOR_A, VENDOR_B = "vendor-a", "vendor-b"
QUOTES = {"teapot": (VENDOR_A, 2500, 490), "kettle": (VENDOR_B, 4000, 590)}  # offer -> (vendor, price, shipping)
VENDOR_A_TOTAL = 2 * 2500 + 490
PROBLEM = "urn:marketplace:problem:"


def processing_order(app) -> dict[str, str]:
    """Alice's paid order: vendor A's part (2 teapots), vendor B's (1 kettle); vendor id -> vendor order id."""
    return paid_order(app, "cus-alice", {"teapot": 2, "kettle": 1}, QUOTES)


def accepted(app, client, staff_a) -> str:
    vendor_order_id = processing_order(app)[VENDOR_A]
    assert client.post(f"{VENDOR_ORDERS}/{vendor_order_id}/accept", headers=staff_a).status_code == 200
    return vendor_order_id


@pytest.fixture
def captured(app, client, staff_a) -> str:
    """Vendor A's vendor order, accepted and its part captured (``payment.captured``)."""
    vendor_order_id = accepted(app, client, staff_a)
    with uow_of(app) as uow:
        order_id = uow.session.get(VendorOrder, vendor_order_id).order_id
    assert deliver(app, "payment.captured", {
        "payment_id": "pay-1", "order_id": order_id, "vendor_order_id": vendor_order_id, "vendor_id": VENDOR_A,
        "amount_minor": VENDOR_A_TOTAL, "currency": "EUR", "commission_minor": 540}) == "handled"
    return vendor_order_id


def refund(client, caller, vendor_order_id: str, amount_minor=1500, reason="late parcel", key="key-1", **body):
    headers = {**caller, "Idempotency-Key": key} if key else caller
    return client.post(f"{VENDOR_ORDERS}/{vendor_order_id}/refunds", headers=headers,
                       json={"amount_minor": amount_minor, "reason": reason, **body})


def problem(answer) -> tuple:
    return answer.status_code, answer.mimetype, answer.get_json()["type"].removeprefix(PROBLEM)


def requests_of(app, vendor_order_id: str) -> list[tuple]:
    with uow_of(app) as uow:
        return [tuple(row) for row in uow.session.execute(
            select(RefundRequest.cause, RefundRequest.amount_minor, RefundRequest.status, RefundRequest.reason)
            .where(RefundRequest.vendor_order_id == vendor_order_id).order_by(RefundRequest.created_at))]


def refundable(client, caller, vendor_order_id: str) -> int:
    return client.get(f"{VENDOR_ORDERS}/{vendor_order_id}", headers=caller).get_json()["refundable_minor"]


# --- issuing one


def test_the_vendor_orders_owner_issues_a_goodwill_refund(app, client, staff_a, owner_a, captured):
    answer = refund(client, owner_a, captured, 1500, "arrived late")

    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert {key: body[key] for key in ("cause", "amount_minor", "currency", "reason", "status", "return_id",
                                       "refunded_minor", "failure_reason")} == {
        "cause": "goodwill", "amount_minor": 1500, "currency": "EUR", "reason": "arrived late", "status": "requested",
        "return_id": None, "refunded_minor": None, "failure_reason": None}
    with uow_of(app) as uow:
        order_id = uow.session.get(VendorOrder, captured).order_id
    assert events(app, "refund.requested") == [{
        "refund_request_id": body["id"], "cause": "goodwill", "return_id": None, "order_id": order_id,
        "vendor_order_id": captured, "vendor_id": VENDOR_A, "amount_minor": 1500, "currency": "EUR",
        "reason": "arrived late", "lines": []}]
    assert refundable(client, staff_a, captured) == VENDOR_A_TOTAL - 1500


def test_the_timeline_says_who_refunded_how_much_and_why(app, client, staff_a, owner_a, captured):
    body = refund(client, owner_a, captured, 1500, "arrived late").get_json()
    detail = client.get(f"{VENDOR_ORDERS}/{captured}", headers=staff_a).get_json()
    entry = detail["timeline"][-1]
    assert (entry["actor"]["id"], entry["from_status"], entry["to_status"], entry["reason"]) == (
        "owner-a", "accepted", "accepted",
        f"goodwill refund of 1500 EUR (minor units) requested, refund request {body['id']}: arrived late")
    assert [(row["id"], row["cause"], row["status"]) for row in detail["refunds"]] == [
        (body["id"], "goodwill", "requested")]


def test_an_admin_operator_issues_one_and_it_is_audited(app, client, operator, captured):
    answer = refund(client, operator, captured, 700, "a gesture after a complaint")
    assert answer.status_code == 201, answer.get_json()
    [entry] = client.get("/api/v1/orders/audit", headers=operator).get_json()
    assert (entry["action"], entry["target_type"], entry["target_id"], entry["actor"], entry["reason"],
            entry["after"]) == ("vendor_order.goodwill_refund_requested", "vendor_order", captured, "op-1",
                                "a gesture after a complaint",
                                {"refund_request_id": answer.get_json()["id"], "amount_minor": 700, "currency": "EUR"})


def test_the_same_key_replays_the_first_answer_and_refunds_once(app, client, owner_a, captured):
    first = refund(client, owner_a, captured, 1500, key="retry-me")
    again = refund(client, owner_a, captured, 1500, key="retry-me")
    assert (first.status_code, again.status_code, again.headers.get("Idempotent-Replayed")) == (201, 201, "true")
    assert again.get_json() == first.get_json()
    assert requests_of(app, captured) == [("goodwill", 1500, "requested", "late parcel")]
    assert len(events(app, "refund.requested")) == 1


def test_an_idempotency_key_is_required(app, client, owner_a, captured):
    assert problem(refund(client, owner_a, captured, key=None)) == (
        400, "application/problem+json", "idempotency-key-missing")
    assert requests_of(app, captured) == []


# --- refusals


def test_more_than_is_refundable_is_refused_naming_what_is(app, client, owner_a, captured):
    assert refund(client, owner_a, captured, 2000, key="first").status_code == 201  # still waits: counts

    answer = refund(client, owner_a, captured, VENDOR_A_TOTAL - 2000 + 1, key="second")

    assert problem(answer) == (409, "application/problem+json", "exceeds-refundable")
    assert (answer.get_json()["refundable_minor"], answer.get_json()["currency"]) == (VENDOR_A_TOTAL - 2000, "EUR")
    assert f"at most {VENDOR_A_TOTAL - 2000} EUR" in answer.get_json()["detail"]
    assert refund(client, owner_a, captured, VENDOR_A_TOTAL - 2000, key="third").status_code == 201  # all the rest


@pytest.mark.parametrize("body", [{"amount_minor": 0}, {"amount_minor": -100}, {"amount_minor": "15.00"},
                                  {"amount_minor": 12.5}, {"amount_minor": None}, {"reason": ""},
                                  {"reason": "   "}, {"reason": None}])
def test_a_positive_whole_amount_and_a_reason_are_required(app, client, owner_a, captured, body):
    answer = refund(client, owner_a, captured, **{"amount_minor": 1500, "reason": "late", **body})
    assert problem(answer) == (422, "application/problem+json", "validation-failed")
    assert set(answer.get_json()["errors"]) == set(body)
    assert requests_of(app, captured) == []


@pytest.mark.parametrize("missing", ["amount_minor", "reason"])
def test_a_missing_amount_or_reason_is_refused(app, client, owner_a, captured, missing):
    payload = {key: value for key, value in {"amount_minor": 1500, "reason": "late"}.items() if key != missing}
    answer = client.post(f"{VENDOR_ORDERS}/{captured}/refunds", json=payload,
                         headers={**owner_a, "Idempotency-Key": "k"})
    assert (answer.status_code, list(answer.get_json()["errors"])) == (422, [missing])


def test_a_vendor_order_whose_payment_was_not_captured_has_nothing_to_refund(app, client, staff_a, owner_a):
    waiting = processing_order(app)[VENDOR_A]  # awaiting acceptance: authorized, not captured
    assert problem(refund(client, owner_a, waiting, key="a")) == (409, "application/problem+json", "not-captured")
    accepted_only = accepted(app, client, staff_a)  # capture not confirmed yet
    answer = refund(client, owner_a, accepted_only, key="b")
    assert problem(answer) == (409, "application/problem+json", "not-captured")
    assert answer.get_json()["current_status"] == "accepted"
    assert requests_of(app, waiting) == requests_of(app, accepted_only) == []


def test_a_manager_issues_one_too(app, client, manager_a, captured):
    answer = refund(client, manager_a, captured, 800, "a scratch on the lid")
    assert answer.status_code == 201, answer.get_json()
    assert requests_of(app, captured) == [("goodwill", 800, "requested", "a scratch on the lid")]


def test_a_plain_staff_member_may_not_refund(app, client, staff_a, captured):
    answer = refund(client, staff_a, captured)

    assert problem(answer) == (403, "application/problem+json", "insufficient-role")
    assert "owners and managers of the vendor refund" in answer.get_json()["detail"]
    assert requests_of(app, captured) == [] and events(app, "refund.requested") == []


def test_a_vendor_token_without_a_staff_role_may_not_refund(app, client, bearer, captured):
    """A vendor's API client (an integration, not a person), or a token issued before the claim existed."""
    api_client = bearer(subject="erp-client", roles=["vendor"], vendor_id=VENDOR_A)

    assert problem(refund(client, api_client, captured)) == (403, "application/problem+json", "insufficient-role")
    assert requests_of(app, captured) == []


def test_support_operators_and_customers_may_not_refund(app, client, support, alice, captured):
    assert problem(refund(client, support, captured, key="s")) == (403, "application/problem+json",
                                                                   "insufficient-role")
    assert refund(client, alice, captured, key="c").status_code == 403  # the order's own customer
    assert requests_of(app, captured) == []


def test_another_vendors_staff_do_not_see_the_vendor_order(app, client, staff_b, owner_b, captured):
    answers = [refund(client, caller, captured, key=key) for key, caller in (("s", staff_b), ("o", owner_b))]
    assert [problem(answer) for answer in answers] == [(404, "application/problem+json", "not-found")] * 2
    assert requests_of(app, captured) == []


# --- payments' answers


def answer_facts(app, request_id: str) -> dict:
    with uow_of(app) as uow:
        row = uow.session.get(RefundRequest, request_id)
        return {"refund_request_id": row.id, "payment_id": "pay-1", "order_id": row.order_id,
                "vendor_order_id": row.vendor_order_id, "vendor_id": VENDOR_A, "amount_minor": row.amount_minor,
                "currency": row.currency}


def test_payment_refunded_settles_a_goodwill_request(app, client, staff_a, owner_a, captured):
    request_id = refund(client, owner_a, captured, 1500).get_json()["id"]

    deliver(app, "payment.refunded", {**answer_facts(app, request_id), "refund_id": "rfd-9", "return_id": None,
                                      "commission_reversed_minor": 148})

    detail = client.get(f"{VENDOR_ORDERS}/{captured}", headers=staff_a).get_json()
    assert [(row["status"], row["refunded_minor"], row["payment_refund_id"]) for row in detail["refunds"]] == [
        ("refunded", 1500, "rfd-9")]
    assert (detail["refunded_minor"], detail["refundable_minor"]) == (1500, VENDOR_A_TOTAL - 1500)
    assert detail["timeline"][-1]["reason"] == f"refunded 1500 EUR (minor units), refund request {request_id}"


def test_refund_failed_marks_a_goodwill_request_failed_and_frees_its_amount(app, client, staff_a, owner_a, captured):
    request_id = refund(client, owner_a, captured, VENDOR_A_TOTAL).get_json()["id"]

    deliver(app, "refund.failed", {**answer_facts(app, request_id), "reason_code": "provider_error"})

    detail = client.get(f"{VENDOR_ORDERS}/{captured}", headers=staff_a).get_json()
    assert [(row["status"], row["failure_reason"]) for row in detail["refunds"]] == [("failed", "provider_error")]
    assert detail["refundable_minor"] == VENDOR_A_TOTAL
    assert refund(client, owner_a, captured, VENDOR_A_TOTAL, key="again").status_code == 201


# --- two at once


class HeldCheck:
    """The first refund held after it read what is refundable, its vendor order locked, until ``release()``.

    Meanwhile a second refund must wait: on PostgreSQL for the vendor order's row lock, on SQLite for
    the write lock every writer takes when it begins. Without the lock both would pass the check."""

    def __init__(self, monkeypatch) -> None:
        self.entered, self.released, real = threading.Event(), threading.Event(), goodwill.refundable

        def held(session, vendor_order):
            available = real(session, vendor_order)
            if not self.entered.is_set():
                self.entered.set()
                assert self.released.wait(timeout=10), "the test never released the first refund"
            return available
        monkeypatch.setattr(goodwill, "refundable", held)


def test_two_refunds_at_once_cannot_both_take_what_is_refundable(app, owner_a, captured, monkeypatch):
    held, answers = HeldCheck(monkeypatch), {}

    def issue(name: str) -> None:
        answers[name] = refund(app.test_client(), owner_a, captured, VENDOR_A_TOTAL - 1000, key=name)
    first = threading.Thread(target=issue, args=("first",), daemon=True)
    second = threading.Thread(target=issue, args=("second",), daemon=True)
    first.start()
    try:
        assert held.entered.wait(timeout=10), "the first refund never reached its check"
        second.start()
        second.join(timeout=1.0)
        waited = second.is_alive()  # it may not pass the check while the first holds the vendor order
    finally:
        held.released.set()
        first.join(timeout=30)
        second.join(timeout=30)

    assert waited
    assert (answers["first"].status_code, problem(answers["second"])) == (
        201, (409, "application/problem+json", "exceeds-refundable"))
    assert answers["second"].get_json()["refundable_minor"] == 1000
    with uow_of(app) as uow:
        assert uow.session.scalar(select(func.count()).select_from(RefundRequest)) == 1

