"""The sandbox provider answers like a PSP: test methods, partial captures, refunds, payouts, its own books."""
from __future__ import annotations

from datetime import timedelta

import pytest

from payments.models.base import now
from payments.provider import UnknownPaymentMethod
from payments.provider.sandbox import SandboxProvider


def _authorize(provider, method="pm_card_visa", amount=10_000):
    return provider.authorize(merchant_reference="pay-1", amount_minor=amount, currency="EUR",
                              payment_method=method)


@pytest.mark.parametrize(("method", "succeeded", "failure", "brand", "last4"), [
    ("pm_card_visa", True, None, "visa", "4242"),
    ("pm_card_chargeDeclined", False, "card_declined", "visa", "0002"),
    ("pm_card_insufficientFunds", False, "insufficient_funds", "visa", "9995"),
    ("pm_card_authorizationExpired", True, None, "visa", "0069"),
])
def test_test_methods_answer_as_documented(uow, method, succeeded, failure, brand, last4):
    with uow:
        result = _authorize(SandboxProvider(uow.session), method)
    assert (result.succeeded, result.failure_code, result.card_brand, result.card_last4) == (
        succeeded, failure, brand, last4)


def test_an_unknown_method_is_refused(uow):
    with uow, pytest.raises(UnknownPaymentMethod):
        _authorize(SandboxProvider(uow.session), "4242424242424242")


def test_captures_and_voids_split_an_authorization_and_never_exceed_it(uow):
    with uow:
        provider = SandboxProvider(uow.session)
        authorization = _authorize(provider).reference
        assert provider.capture(authorization=authorization, merchant_reference="vo-1", amount_minor=6_000).succeeded
        assert provider.void(authorization=authorization, merchant_reference="vo-2", amount_minor=4_000).succeeded
        with pytest.raises(ValueError):
            provider.capture(authorization=authorization, merchant_reference="vo-3", amount_minor=1)


def test_a_capture_fails_when_the_authorization_expired(uow):
    with uow:
        provider = SandboxProvider(uow.session)
        authorization = _authorize(provider, "pm_card_authorizationExpired").reference
        outcome = provider.capture(authorization=authorization, merchant_reference="vo-1", amount_minor=100)
    assert (outcome.succeeded, outcome.failure_code) == (False, "authorization_expired")


def test_refunds_never_exceed_the_capture_and_can_be_declined(uow):
    with uow:
        provider = SandboxProvider(uow.session)
        capture = provider.capture(authorization=_authorize(provider).reference, merchant_reference="vo-1",
                                   amount_minor=5_000).reference
        assert provider.refund(capture=capture, merchant_reference="rf-1", amount_minor=5_000).succeeded
        with pytest.raises(ValueError):
            provider.refund(capture=capture, merchant_reference="rf-2", amount_minor=1)
        declining = provider.capture(authorization=_authorize(provider, "pm_card_refundDeclined").reference,
                                     merchant_reference="vo-2", amount_minor=100).reference
        outcome = provider.refund(capture=declining, merchant_reference="rf-3", amount_minor=100)
    assert (outcome.succeeded, outcome.failure_code) == (False, "refund_declined")


def test_payouts_fail_for_the_configured_vendors_only(uow):
    with uow:
        provider = SandboxProvider(uow.session, failing_payout_vendors=["v-closed"])
        paid = provider.pay_out(vendor_id="v1", merchant_reference="po-1", amount_minor=900, currency="EUR")
        failed = provider.pay_out(vendor_id="v-closed", merchant_reference="po-2", amount_minor=900, currency="EUR")
    assert (paid.succeeded, failed.succeeded, failed.failure_code) == (True, False, "payout_account_closed")


def test_the_books_list_every_operation_of_a_period(uow):
    with uow:
        provider = SandboxProvider(uow.session)
        provider.capture(authorization=_authorize(provider).reference, merchant_reference="vo-1", amount_minor=700)
        uow.commit()
    with uow:
        records = SandboxProvider(uow.session).records(now() - timedelta(minutes=1), now() + timedelta(minutes=1))
    assert [(record.operation, record.merchant_reference, record.amount_minor) for record in records] == [
        ("authorize", "pay-1", 10_000), ("capture", "vo-1", 700)]
