"""Which vendor's money a caller may read: vendor staff their own (another vendor's answers 404, as if it
did not exist), operators any vendor they name."""
from __future__ import annotations

from chassis.auth.flask import current_principal
from chassis.errors import Problem


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
