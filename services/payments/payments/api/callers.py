"""Who is reading money, and so what they may see (tenancy).

Customers read their own payments and refunds; vendor staff their vendor's money only (another
vendor's id answers 404, as if it did not exist), scoped by their token, never by a request field;
operators everything.
"""
from __future__ import annotations

from dataclasses import dataclass

from chassis.auth.flask import current_principal
from chassis.errors import Problem


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


def own_vendor() -> str | None:
    """The caller's vendor when vendor staff (their reads are limited to it); None for operators."""
    principal = current_principal()
    if principal.is_operator:
        return None
    if not principal.vendor_id:
        raise Problem(403, "forbidden", "a vendor token names its vendor (vendor_id claim)")
    return principal.vendor_id


def readable_vendor(asked: str | None) -> str:
    """The vendor a read is about: vendor staff may omit it (their own); operators must name one."""
    own = own_vendor()
    if own is not None:
        if asked not in (None, own):
            raise Problem(404, "not-found", f"no vendor {asked!r}")
        return own
    if asked is None:
        raise Problem(422, "validation-failed", "vendor_id is required", errors={"vendor_id": ["required"]})
    return asked
