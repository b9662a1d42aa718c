"""Who is calling, as the vendor-order and return use cases need it (tenancy and what the caller may do)."""
from __future__ import annotations

from chassis.actors import event_actor
from chassis.auth.flask import current_principal
from chassis.auth.principal import CUSTOMER
from chassis.permissions import ADMIN
from orders.fulfilment import Caller


def request_caller() -> Caller:
    """The request's caller: its vendor and staff role (vendor staff), customer id (customers), operator and
    admin flags."""
    principal = current_principal()
    return Caller(actor=event_actor(), vendor_id=principal.vendor_id if principal.is_vendor else None,
                  vendor_role=principal.vendor_role if principal.is_vendor else None,
                  customer_id=principal.subject if principal.has_role(CUSTOMER) else None,
                  operator=principal.is_operator, admin=principal.is_operator and principal.has_role(ADMIN))
