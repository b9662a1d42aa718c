"""The payment provider interface: what payments asks of a PSP, and the sandbox that answers here.

A real PSP adapter implements :class:`PaymentProvider` (see ``sandbox.py`` for the reference
behaviour) and is chosen by the ``provider`` setting. Every call carries our own reference
(payment, vendor order, refund or payout id) so the PSP's reports can be reconciled with the ledger.
Calls never raise for a refusal: they return an outcome with a failure code; they raise only for
programming errors (e.g. capturing more than is authorized).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Outcome:
    succeeded: bool
    reference: str | None  # the provider's id for this operation
    failure_code: str | None = None


@dataclass(frozen=True)
class Authorization(Outcome):
    card_brand: str | None = None
    card_last4: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Record:
    """One operation as the provider's own books list it."""

    reference: str
    operation: str  # authorize, capture, void, refund, payout
    merchant_reference: str
    succeeded: bool
    currency: str
    amount_minor: int
    at: datetime


class UnknownPaymentMethod(ValueError):
    pass


class PaymentProvider(Protocol):
    def authorize(self, *, merchant_reference: str, amount_minor: int, currency: str,
                  payment_method: str) -> Authorization: ...

    def capture(self, *, authorization: str, merchant_reference: str, amount_minor: int) -> Outcome: ...

    def void(self, *, authorization: str, merchant_reference: str, amount_minor: int) -> Outcome: ...

    def refund(self, *, capture: str, merchant_reference: str, amount_minor: int) -> Outcome: ...

    def pay_out(self, *, vendor_id: str, merchant_reference: str, amount_minor: int, currency: str) -> Outcome: ...

    def records(self, start: datetime, end: datetime) -> list[Record]: ...


def provider_for(session) -> PaymentProvider:
    """The configured provider (``PAYMENTS_PROVIDER``; the sandbox is the only one built in),
    booking in ``session`` where it keeps records here."""
    from chassis.runtime_settings import RECENT_ENOUGH, current
    from payments.provider.sandbox import SandboxProvider
    from payments.settings import PaymentsRuntimeSettings
    failing = current(session, PaymentsRuntimeSettings, max_age=RECENT_ENOUGH).sandbox_failing_payout_vendors
    return SandboxProvider(session, failing_payout_vendors=failing)
