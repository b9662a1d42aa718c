"""Who is reading money, as the payment and refund resources scope it (tenancy)."""
from __future__ import annotations

from dataclasses import dataclass

from chassis.auth.flask import current_principal


@dataclass(frozen=True)
class Reader:
    """Exactly one of: an operator (everything), a vendor (its ``vendor_id``), a customer (``customer_id``)."""

    operator: bool
    vendor_id: str | None
    customer_id: str | None


def request_reader() -> Reader:
    """The request's caller; vendor staff are scoped to their token's vendor, never to a request field."""
    principal = current_principal()
    if principal.is_operator:
        return Reader(operator=True, vendor_id=None, customer_id=None)
    if principal.is_vendor:
        return Reader(operator=False, vendor_id=principal.vendor_id or "", customer_id=None)
    return Reader(operator=False, vendor_id=None, customer_id=principal.subject)
