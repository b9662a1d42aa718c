"""POST /api/v1/payments and the payment reads: idempotency, no amount from the client, tenancy, filters.

Orders come from events through the real consumer (``Marketplace``); the sandbox provider answers.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from chassis.testing.backends import backend_name
from payments import authorization
from payments.models import Payment, ProviderRecord
from payments.models.base import now
from payments.provider.sandbox import SANDBOX_METHODS, SandboxProvider
from payments.testing import Marketplace

PAYMENTS = "/api/v1/payments"
VOLATILE = ("id", "created_at", "updated_at", "authorization_expires_at")


@pytest.fixture
def vendor_z(bearer):
    """Staff of a vendor selling nothing in these orders."""
    return bearer(subject="staff-z", roles=["vendor"], vendor_id="ven-z")


def pay(client, caller: dict, order_id: str, method: str = "pm_card_visa", key: str | None = "key-1", **extra):
    headers = {**caller, **({"Idempotency-Key": key} if key else {})}
    return client.post(PAYMENTS, json={"order_id": order_id, "payment_method": method, **extra}, headers=headers)


def authorizations(app) -> int:
    with app.extensions["chassis.runtime"].uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(ProviderRecord)
                                  .where(ProviderRecord.operation == "authorize"))


def stable(payment: dict) -> dict:
    return {key: value for key, value in payment.items() if key not in VOLATILE}


def charge(market: Marketplace, vendor: str, amount: int, status: str = "authorized", captured: int = 0) -> dict:
    return {"vendor_order_id": market.vendor_orders[vendor], "vendor_id": vendor, "status": status,
            "currency": "EUR", "amount_minor": amount, "captured_minor": captured, "refunded_minor": 0,
            "failure_code": None, "captured_at": None}


def test_paying_answers_201_with_the_order_total_and_one_charge_per_vendor_order(app, market, customer):
    response = pay(app.test_client(), customer, market.order_id)
    assert response.status_code == 201, response.get_json()
    payment = response.get_json()
    assert stable(payment) == {
        "order_id": market.order_id, "customer_id": "cus-1", "status": "authorized", "currency": "EUR",
        "amount_minor": 5500, "captured_minor": 0, "voided_minor": 0, "payment_method": "pm_card_visa",
        "card_brand": "visa", "card_last4": "4242", "failure_code": None,
        "charges": [charge(market, "ven-a", 2500), charge(market, "ven-b", 3000)]}
    assert response.headers["Location"].endswith(f"{PAYMENTS}/{payment['id']}")
    assert app.test_client().get(f"{PAYMENTS}/{payment['id']}", headers=customer).get_json() == payment


def test_a_declined_card_is_a_402_problem_carrying_the_stored_failed_payment(app, market, customer):
    client = app.test_client()
    declined = pay(client, customer, market.order_id, "pm_card_insufficientFunds")
    problem = declined.get_json()
    assert (declined.status_code, declined.mimetype) == (402, "application/problem+json")
    assert (problem["type"], problem["failure_code"]) == ("urn:marketplace:problem:payment-declined",
                                                          "insufficient_funds")
    assert stable(problem["payment"]) == {
        "order_id": market.order_id, "customer_id": "cus-1", "status": "failed", "currency": "EUR",
        "amount_minor": 5500, "captured_minor": 0, "voided_minor": 0, "payment_method": "pm_card_insufficientFunds",
        "card_brand": "visa", "card_last4": "9995", "failure_code": "insufficient_funds", "charges": []}
    assert declined.headers["Location"].endswith(f"{PAYMENTS}/{problem['payment']['id']}")
    assert client.get(f"{PAYMENTS}/{problem['payment']['id']}", headers=customer).get_json() == problem["payment"]


def test_after_a_decline_the_order_is_paid_with_another_method_and_a_new_key(app, market, customer):
    client = app.test_client()
    assert pay(client, customer, market.order_id, "pm_card_chargeDeclined", key="try-1").status_code == 402
    again = pay(client, customer, market.order_id, "pm_card_mastercard", key="try-2")
    assert (again.status_code, again.get_json()["status"]) == (201, "authorized")


def test_a_replayed_decline_answers_the_same_402_without_asking_the_provider_again(app, market, customer):
    first = pay(app.test_client(), customer, market.order_id, "pm_card_chargeDeclined")
    replay = pay(app.test_client(), customer, market.order_id, "pm_card_chargeDeclined")
    assert (replay.status_code, replay.get_json()["payment"]) == (402, first.get_json()["payment"])
    assert authorizations(app) == 1


def test_without_an_idempotency_key_nothing_is_paid(app, market, customer):
    response = pay(app.test_client(), customer, market.order_id, key=None)
    assert (response.status_code, response.get_json()["type"]) == (
        400, "urn:marketplace:problem:idempotency-key-missing")
    assert authorizations(app) == 0


def test_a_replay_answers_the_first_response_without_a_second_authorization(app, market, customer):
    first = pay(app.test_client(), customer, market.order_id)
    replay = pay(app.test_client(), customer, market.order_id)
    assert (replay.status_code, replay.get_json()) == (201, first.get_json())
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.headers["Location"] == first.headers["Location"]
    assert authorizations(app) == 1


def test_the_same_key_with_another_body_is_a_422(app, market, customer):
    assert pay(app.test_client(), customer, market.order_id).status_code == 201
    other = pay(app.test_client(), customer, market.order_id, "pm_card_mastercard")
    assert (other.status_code, other.get_json()["type"]) == (422, "urn:marketplace:problem:idempotency-key-reused")
    assert authorizations(app) == 1


def test_keys_belong_to_their_caller_so_two_customers_may_use_the_same_one(app, market, customer, other_customer):
    theirs = Marketplace(app)
    theirs.placed(customer_id="cus-2")
    mine = pay(app.test_client(), customer, market.order_id, key="same")
    their = pay(app.test_client(), other_customer, theirs.order_id, key="same")
    assert (mine.status_code, their.status_code) == (201, 201)
    assert (mine.get_json()["order_id"], their.get_json()["order_id"]) == (market.order_id, theirs.order_id)
    assert authorizations(app) == 2


class HeldAuthorization:
    """The payment held in flight until ``release()``: on PostgreSQL inside the provider's authorize (its
    transaction open, the order row locked); on SQLite, which has one writer, between pay's two transactions,
    since a request holding SQLite's write lock makes every other writer (the key reservation too) wait."""

    def __init__(self, monkeypatch) -> None:
        self.entered, self.released = threading.Event(), threading.Event()
        if backend_name() == "postgres":
            owner, name = SandboxProvider, "authorize"
        else:
            owner, name = authorization, "_authorize"
        real = getattr(owner, name)

        def held(*arguments, **options):
            self.entered.set()
            assert self.released.wait(timeout=10), "the test never released the authorization"
            return real(*arguments, **options)
        monkeypatch.setattr(owner, name, held)

    def release(self) -> None:
        self.released.set()


def test_the_same_key_while_the_first_payment_is_in_flight_is_a_409(app, market, customer, monkeypatch):
    held = HeldAuthorization(monkeypatch)
    answers = {}
    first = threading.Thread(target=lambda: answers.setdefault(
        "first", pay(app.test_client(), customer, market.order_id)), daemon=True)
    first.start()
    try:
        assert held.entered.wait(timeout=5), "the first request never reached the provider"
        retry = pay(app.test_client(), customer, market.order_id)
    finally:
        held.release()
        first.join(timeout=10)
    assert (retry.status_code, retry.get_json()["type"]) == (409, "urn:marketplace:problem:idempotency-key-in-flight")
    assert answers["first"].status_code == 201
    assert pay(app.test_client(), customer, market.order_id).get_json() == answers["first"].get_json()
    assert authorizations(app) == 1


@pytest.mark.parametrize("tampered", [{"amount_minor": 1}, {"currency": "USD"}, {"amount_minor": 1, "currency": "USD"}])
def test_an_amount_or_currency_in_the_body_is_refused(app, market, customer, tampered):
    response = pay(app.test_client(), customer, market.order_id, **tampered)
    assert response.status_code == 422
    assert sorted(response.get_json()["errors"]) == sorted(tampered)
    assert authorizations(app) == 0


def test_the_amount_is_always_the_order_total_learned_from_events(app, customer):
    cheap = Marketplace(app)
    cheap.placed()
    with app.extensions["chassis.runtime"].uow() as uow:
        authorized = uow.session.scalar(select(func.count()).select_from(Payment))
    payment = pay(app.test_client(), customer, cheap.order_id).get_json()
    assert (authorized, payment["amount_minor"], sum(c["amount_minor"] for c in payment["charges"])) == (0, 5500, 5500)
    with app.extensions["chassis.runtime"].uow() as uow:
        booked = uow.session.scalar(select(ProviderRecord.amount_minor).where(ProviderRecord.operation == "authorize"))
    assert booked == 5500


def test_paying_another_customers_order_is_not_found(app, market, other_customer):
    response = pay(app.test_client(), other_customer, market.order_id)
    assert (response.status_code, response.mimetype) == (404, "application/problem+json")
    assert authorizations(app) == 0


def test_paying_an_unknown_order_is_not_found(app, customer):
    assert pay(app.test_client(), customer, "no-such-order").status_code == 404


def test_paying_an_order_not_awaiting_payment_is_a_409(app, market, customer):
    market.cancelled("payment_timeout")
    response = pay(app.test_client(), customer, market.order_id)
    assert (response.status_code, response.get_json()["type"], response.get_json()["order_status"]) == (
        409, "urn:marketplace:problem:order-not-payable", "cancelled")
    assert authorizations(app) == 0


def test_paying_an_order_already_paid_is_a_409(app, market, customer):
    assert pay(app.test_client(), customer, market.order_id, key="first").status_code == 201
    again = pay(app.test_client(), customer, market.order_id, key="second")
    assert (again.status_code, again.get_json()["type"]) == (409, "urn:marketplace:problem:order-already-paid")
    assert authorizations(app) == 1


def test_an_unknown_payment_method_is_a_422_naming_the_known_ones(app, market, customer):
    response = pay(app.test_client(), customer, market.order_id, "4242424242424242")
    assert (response.status_code, response.get_json()["type"]) == (
        422, "urn:marketplace:problem:unknown-payment-method")
    assert response.get_json()["known_methods"] == sorted(SANDBOX_METHODS)


def test_only_customers_pay(app, market, vendor_a, operator):
    assert [pay(app.test_client(), caller, market.order_id).status_code for caller in (vendor_a, operator)] == [
        403, 403]


@pytest.fixture
def paid(app, market):
    """cus-1's order paid (ven-a captured) and cus-2's order of the same vendors paid."""
    market.pay()
    market.vendor_order_event("vendor_order.accepted", "ven-a")
    theirs = Marketplace(app)
    theirs.placed(customer_id="cus-2")
    theirs.pay(customer_id="cus-2")
    return market, theirs


def payment_id(app, market: Marketplace) -> str:
    with app.extensions["chassis.runtime"].uow() as uow:
        return uow.session.scalar(select(Payment.id).where(Payment.order_id == market.order_id))


def listed(app, caller: dict, **query) -> list[dict]:
    response = app.test_client().get(PAYMENTS, query_string=query, headers=caller)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_customer_lists_and_reads_only_their_own_payments(app, paid, customer):
    mine, theirs = paid
    assert [payment["order_id"] for payment in listed(app, customer)] == [mine.order_id]
    assert listed(app, customer, customer_id="cus-2") == []  # filters narrow, never widen
    read = app.test_client().get(f"{PAYMENTS}/{payment_id(app, theirs)}", headers=customer)
    assert (read.status_code, read.mimetype) == (404, "application/problem+json")


def test_a_vendor_sees_only_its_own_charge_of_a_multi_vendor_payment(app, paid, vendor_a):
    mine, _ = paid
    read = app.test_client().get(f"{PAYMENTS}/{payment_id(app, mine)}", headers=vendor_a).get_json()
    assert stable(read) == {
        "order_id": mine.order_id, "customer_id": "cus-1", "status": "authorized", "currency": "EUR",
        "amount_minor": None, "captured_minor": None, "voided_minor": None, "payment_method": None,
        "card_brand": None, "card_last4": None, "failure_code": None,
        "charges": [{**charge(mine, "ven-a", 2500, "captured", 2500),
                     "captured_at": read["charges"][0]["captured_at"]}]}
    assert read["charges"][0]["captured_at"] is not None
    assert [stable(payment) for payment in listed(app, vendor_a, order_id=mine.order_id)] == [stable(read)]
    assert all(c["vendor_id"] == "ven-a" for payment in listed(app, vendor_a) for c in payment["charges"])


def test_a_vendor_without_a_charge_in_a_payment_neither_lists_nor_reads_it(app, paid, vendor_z):
    mine, _ = paid
    assert listed(app, vendor_z) == []
    assert app.test_client().get(f"{PAYMENTS}/{payment_id(app, mine)}", headers=vendor_z).status_code == 404


def test_a_vendors_filter_on_another_vendor_answers_nothing(app, paid, vendor_z):
    assert listed(app, vendor_z, vendor_id="ven-a") == []


def test_operators_list_every_payment_newest_first(app, paid, operator):
    mine, theirs = paid
    assert [payment["order_id"] for payment in listed(app, operator)] == [theirs.order_id, mine.order_id]
    assert len(listed(app, operator)[0]["charges"]) == 2


def test_operators_filter_by_status_order_customer_and_vendor(app, paid, operator, customer):
    mine, theirs = paid
    declined = Marketplace(app)
    declined.placed()
    assert pay(app.test_client(), customer, declined.order_id, "pm_card_chargeDeclined").status_code == 402
    orders = lambda **query: [payment["order_id"] for payment in listed(app, operator, **query)]  # noqa: E731
    assert orders(status="failed") == [declined.order_id]
    assert orders(order_id=mine.order_id) == [mine.order_id]
    assert orders(customer_id="cus-2") == [theirs.order_id]
    assert orders(vendor_id="ven-a") == [theirs.order_id, mine.order_id]  # a failed payment has no charges
    assert orders(vendor_id="ven-z") == []
    assert orders(customer_id="cus-1", status="authorized") == [mine.order_id]


def test_operators_filter_by_creation_days(app, paid, operator):
    mine, theirs = paid
    last_week = now() - timedelta(days=7)
    with app.extensions["chassis.runtime"].uow() as uow:
        uow.session.execute(update(Payment).where(Payment.order_id == mine.order_id).values(created_at=last_week))
        uow.commit()
    today, week_ago = now().date().isoformat(), last_week.date().isoformat()
    orders = lambda **query: [payment["order_id"] for payment in listed(app, operator, **query)]  # noqa: E731
    assert orders(created_from=today) == [theirs.order_id]
    assert orders(created_to=week_ago) == [mine.order_id]
    assert orders(created_from=week_ago, created_to=week_ago) == [mine.order_id]
    reversed_range = app.test_client().get(PAYMENTS, query_string={"created_from": today, "created_to": week_ago},
                                           headers=operator)
    assert reversed_range.status_code == 422


def test_the_list_is_paginated(app, paid, operator):
    response = app.test_client().get(PAYMENTS, query_string={"page_size": 1, "page": 2}, headers=operator)
    assert [payment["order_id"] for payment in response.get_json()] == [paid[0].order_id]
    assert '"total": 2' in response.headers["X-Pagination"]


def test_an_unknown_payment_is_not_found_even_for_operators(app, operator):
    assert app.test_client().get(f"{PAYMENTS}/nope", headers=operator).status_code == 404


def test_reading_payments_needs_a_token(app, paid):
    assert app.test_client().get(PAYMENTS).status_code == 401
