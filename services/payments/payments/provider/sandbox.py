"""The built-in sandbox provider: test payment methods, answers like a PSP, and books of its own.

Test methods (never card numbers):
- ``pm_card_visa``, ``pm_card_mastercard``: authorized; captures, voids and refunds succeed.
- ``pm_card_chargeDeclined``: declined at authorization (``card_declined``).
- ``pm_card_insufficientFunds``: declined at authorization (``insufficient_funds``).
- ``pm_card_authorizationExpired``: authorized, but every capture fails (``authorization_expired``).
- ``pm_card_refundDeclined``: authorized and captured, but refunds fail (``refund_declined``).
Payouts succeed, except to vendors listed in the ``sandbox_failing_payout_vendors`` setting.

Its records live in ``sandbox_provider_records``, written in the caller's transaction; they are
what a PSP's reports would list, for reconciliation.
"""
from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from payments.models import ProviderRecord
from payments.models.base import now
from payments.provider import Authorization, Outcome, Record, UnknownPaymentMethod


@dataclass(frozen=True)
class SandboxMethod:
    card_brand: str
    card_last4: str
    decline_code: str | None = None
    capture_failure: str | None = None
    refund_failure: str | None = None


SANDBOX_METHODS = {
    "pm_card_visa": SandboxMethod("visa", "4242"),
    "pm_card_mastercard": SandboxMethod("mastercard", "4444"),
    "pm_card_chargeDeclined": SandboxMethod("visa", "0002", decline_code="card_declined"),
    "pm_card_insufficientFunds": SandboxMethod("visa", "9995", decline_code="insufficient_funds"),
    "pm_card_authorizationExpired": SandboxMethod("visa", "0069", capture_failure="authorization_expired"),
    "pm_card_refundDeclined": SandboxMethod("visa", "0101", refund_failure="refund_declined"),
}

AUTHORIZATION_LIFETIME = timedelta(days=7)


class SandboxProvider:
    def __init__(self, session: Session, *, failing_payout_vendors: Collection[str] = ()) -> None:
        self._session = session
        self._failing_payout_vendors = frozenset(failing_payout_vendors)

    def authorize(self, *, merchant_reference: str, amount_minor: int, currency: str,
                  payment_method: str) -> Authorization:
        method = SANDBOX_METHODS.get(payment_method)
        if method is None:
            raise UnknownPaymentMethod(payment_method)
        record = self._book("authorize", merchant_reference, amount_minor, currency, method.decline_code,
                            payment_method=payment_method)
        return Authorization(record.succeeded, record.reference, record.failure_code, method.card_brand,
                             method.card_last4, record.created_at + AUTHORIZATION_LIFETIME)

    def capture(self, *, authorization: str, merchant_reference: str, amount_minor: int) -> Outcome:
        parent = self._parent(authorization, "authorize")
        self._check_within(parent, amount_minor, ("capture", "void"))
        failure = SANDBOX_METHODS[parent.payment_method].capture_failure
        return self._outcome(self._book("capture", merchant_reference, amount_minor, parent.currency, failure,
                                        parent=parent))

    def void(self, *, authorization: str, merchant_reference: str, amount_minor: int) -> Outcome:
        parent = self._parent(authorization, "authorize")
        self._check_within(parent, amount_minor, ("capture", "void"))
        return self._outcome(self._book("void", merchant_reference, amount_minor, parent.currency, None,
                                        parent=parent))

    def refund(self, *, capture: str, merchant_reference: str, amount_minor: int) -> Outcome:
        parent = self._parent(capture, "capture")
        self._check_within(parent, amount_minor, ("refund",))
        method = self._parent(parent.parent_reference, "authorize").payment_method
        return self._outcome(self._book("refund", merchant_reference, amount_minor, parent.currency,
                                        SANDBOX_METHODS[method].refund_failure, parent=parent))

    def pay_out(self, *, vendor_id: str, merchant_reference: str, amount_minor: int, currency: str) -> Outcome:
        failure = "payout_account_closed" if vendor_id in self._failing_payout_vendors else None
        return self._outcome(self._book("payout", merchant_reference, amount_minor, currency, failure))

    def records(self, start: datetime, end: datetime) -> list[Record]:
        rows = self._session.scalars(select(ProviderRecord).where(
            ProviderRecord.created_at >= start, ProviderRecord.created_at < end).order_by(ProviderRecord.created_at))
        return [Record(row.reference, row.operation, row.merchant_reference, row.succeeded, row.currency,
                       row.amount_minor, row.created_at) for row in rows]

    def _book(self, operation: str, merchant_reference: str, amount_minor: int, currency: str,
              failure_code: str | None, *, parent: ProviderRecord | None = None,
              payment_method: str | None = None) -> ProviderRecord:
        record = ProviderRecord(
            reference=f"sbx_{operation[:3]}_{uuid.uuid4().hex[:20]}", operation=operation,
            parent_reference=parent.reference if parent else None, merchant_reference=merchant_reference,
            succeeded=failure_code is None, failure_code=failure_code, currency=currency, amount_minor=amount_minor,
            payment_method=payment_method or (parent.payment_method if parent else None), created_at=now())
        self._session.add(record)
        self._session.flush()
        return record

    def _parent(self, reference: str | None, operation: str) -> ProviderRecord:
        record = self._session.get(ProviderRecord, reference) if reference else None
        if record is None or record.operation != operation or not record.succeeded:
            raise ValueError(f"no successful {operation} {reference!r} at the sandbox")
        return record

    def _check_within(self, parent: ProviderRecord, amount_minor: int, operations: tuple[str, ...]) -> None:
        """A PSP refuses to take more than the authorization, or refund more than the capture."""
        used = self._session.scalar(select(func.coalesce(func.sum(ProviderRecord.amount_minor), 0)).where(
            ProviderRecord.parent_reference == parent.reference, ProviderRecord.operation.in_(operations),
            ProviderRecord.succeeded.is_(True)))
        if amount_minor <= 0 or used + amount_minor > parent.amount_minor:
            raise ValueError(f"{amount_minor} exceeds what is left of {parent.reference} "
                             f"({parent.amount_minor - used})")

    @staticmethod
    def _outcome(record: ProviderRecord) -> Outcome:
        return Outcome(record.succeeded, record.reference, record.failure_code)
