"""Goodwill refunds: a person gives part of a vendor order's money back (``POST …/vendor-orders/<id>/refunds``).

Who: the owners and managers of the vendor order's own vendor (the token's ``vendor_role``) or an admin
operator. A plain ``staff`` member, who accepts and ships, is refused (403 ``insufficient-role``), and so
is a vendor token without ``vendor_role``: a vendor's API client (an integration, not a person; identity
takes it for plain staff too) or a token issued before identity put the claim in (the next one has it).
Support operators and customers are refused (403), another vendor's staff never see it (404). The role
is the one when the token was issued: a promotion or demotion counts from the next token on.

What: the vendor order must have been captured (``captured_at``, set on ``payment.captured``): before
that there is no money to give back, and a voided part never has any. The amount is at most what is
still refundable (the total less what was refunded and what requests still wait for); more is a 409
naming what is, never quietly capped as a return's or a cancellation's request is. Payments refunds it
like any other ``refund.requested``: the vendor is debited, commission given back in proportion.
Locks: the order, then the vendor order, so two refunds at once each see the other's amount.
"""
from __future__ import annotations

from dataclasses import dataclass

from chassis.auth.principal import VENDOR_MANAGER, VENDOR_OWNER
from chassis.errors import Problem
from orders.domain.refunds import RefundCause
from orders.fulfilment import Caller, acted_on
from orders.models import RefundRequest, VendorOrder
from orders.refunds import ask_payments, on_timeline, refundable

# Plain staff accept and ship; giving money back is for those who answer for the vendor.
REFUNDING_VENDOR_ROLES = frozenset({VENDOR_OWNER, VENDOR_MANAGER})


@dataclass(frozen=True)
class GoodwillRefund:
    amount_minor: int  # > 0, in the vendor order's currency
    reason: str


def issue_goodwill_refund(uow, vendor_order_id: str, caller: Caller, refund: GoodwillRefund) -> RefundRequest:
    """Its vendor's owner or manager, or an admin operator, asks payments to refund ``refund.amount_minor``: a
    ``goodwill`` request, its ``refund.requested``, a timeline entry (who and why) and an audit entry."""
    vendor_order = acted_on(uow, vendor_order_id, caller, vendor=True, admin=True, vendor_roles=REFUNDING_VENDOR_ROLES,
                            refusal="owners and managers of the vendor refund (and admin operators)")
    _check_refundable(vendor_order, refundable(uow.session, vendor_order), refund.amount_minor)
    row = ask_payments(uow, vendor_order, RefundCause.GOODWILL, refund.amount_minor, refund.reason, lines=[])
    on_timeline(uow.session, vendor_order, caller.actor, f"goodwill refund of {refund.amount_minor} "
                f"{vendor_order.currency} (minor units) requested, refund request {row.id}: {refund.reason}")
    uow.audit("vendor_order.goodwill_refund_requested", "vendor_order", vendor_order.id, reason=refund.reason,
              after={"refund_request_id": row.id, "amount_minor": row.amount_minor, "currency": row.currency})
    return row


def _check_refundable(vendor_order: VendorOrder, available_minor: int, amount_minor: int) -> None:
    """409 unless the part was captured and ``amount_minor`` is within what may still be refunded."""
    if vendor_order.captured_at is None:
        raise Problem(409, "not-captured", f"vendor order {vendor_order.id} is {vendor_order.status} and its "
                      "payment was not captured: there is nothing to refund", current_status=vendor_order.status)
    if amount_minor > available_minor:
        raise Problem(409, "exceeds-refundable", f"at most {available_minor} {vendor_order.currency} (minor units) "
                      f"may still be refunded on vendor order {vendor_order.id}", refundable_minor=available_minor,
                      currency=vendor_order.currency, amount_minor=amount_minor)
