"""The return window of a vendor order has passed (``vendor_order.completed``): what the vendor is owed
for it moves from pending to available, and ``vendor.credited`` says how much.
"""
from __future__ import annotations

import logging

from chassis.uow import UnitOfWork
from payments import ledger_book
from payments.domain import ledger
from payments.domain.states import ChargeStatus
from payments.ledger_book import Source
from payments.models.base import now
from payments.settlement import locked_charge

log = logging.getLogger(__name__)


def release(uow: UnitOfWork, vendor_order_id: str) -> None:
    """Credit the vendor's available balance with the vendor order's net (captured less refunds and commission)."""
    with uow:
        locked = locked_charge(uow.session, vendor_order_id)
        if locked is None or locked.charge.status != ChargeStatus.CAPTURED:
            log.warning("vendor order %s completed with nothing captured; nothing to credit", vendor_order_id)
        elif locked.charge.released_at is None:
            _release(uow, locked.charge)
        uow.commit()


def _release(uow: UnitOfWork, charge) -> None:
    moment = now()
    gross = charge.captured_minor - charge.refunded_minor
    commission = charge.commission_minor - charge.commission_reversed_minor
    net = gross - commission
    if net:
        ledger_book.post(uow.session, ledger.release(charge.vendor_id, charge.currency, net,
                                                     memo=f"release {charge.vendor_order_id}"),
                         Source(charge.vendor_order_id, order_id=charge.order_id,
                                vendor_order_id=charge.vendor_order_id, vendor_id=charge.vendor_id), at=moment)
    charge.released_at = charge.updated_at = moment
    uow.publish("vendor.credited", dict(vendor_id=charge.vendor_id, order_id=charge.order_id,
                                        vendor_order_id=charge.vendor_order_id, gross_minor=gross,
                                        commission_minor=commission, net_minor=net, currency=charge.currency,
                                        available_at=moment.isoformat()), subject=charge.vendor_id)
