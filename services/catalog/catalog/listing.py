"""Keep each product's storefront summary in step with its sellable offers.

A product is *listed* when it is approved and has at least one sellable offer:
active, priced in the marketplace currency (enforced when offers are written)
and from a vendor that is not suspended. Storefront search then filters and
sorts on the product row alone; whatever changes an offer, its stock, a
product's status or a vendor's state calls one of these in the same transaction.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import and_, case, exists, func, select, update
from sqlalchemy.orm import Session

from catalog.models import Offer, Product, VendorState
from catalog.products_workflow import APPROVED


INACTIVE_OFFER, PRODUCT_NOT_APPROVED, VENDOR_SUSPENDED = "inactive_offer", "product_not_approved", "vendor_suspended"
UNSELLABLE_REASONS = (INACTIVE_OFFER, PRODUCT_NOT_APPROVED, VENDOR_SUSPENDED)


def unsellable_reason(*, active: bool, product_status: str, vendor_suspended: bool) -> str | None:
    """Why one offer cannot be sold now, or None: the rule ``_sellable`` writes in SQL, for one row at hand.

    The offer's own state is named first, then its product's, then its vendor's.
    """
    if not active:
        return INACTIVE_OFFER
    if product_status != APPROVED:
        return PRODUCT_NOT_APPROVED
    if vendor_suspended:
        return VENDOR_SUSPENDED
    return None


def _sellable():
    suspended = select(VendorState.vendor_id).where(VendorState.suspended.is_(True))
    return and_(Offer.product_id == Product.id, Offer.active.is_(True), Offer.vendor_id.not_in(suspended))


def _summary_values() -> dict:
    sellable = _sellable()
    in_stock = and_(sellable, Offer.available > 0)
    any_sellable = exists().where(sellable)
    return {
        "offer_count": select(func.count()).where(sellable).scalar_subquery(),
        "in_stock": exists().where(in_stock),
        # The best price among offers that can ship now, else among the others.
        "best_price_minor": func.coalesce(select(func.min(Offer.price_minor)).where(in_stock).scalar_subquery(),
                                          select(func.min(Offer.price_minor)).where(sellable).scalar_subquery()),
        "currency": select(Offer.currency).where(sellable).limit(1).scalar_subquery(),
        "listed": case((and_(Product.status == APPROVED, any_sellable), True), else_=False),
    }


def refresh(session: Session, product_ids: Iterable[str]) -> None:
    """Recompute the summary of these products."""
    ids = sorted(set(product_ids))
    for start in range(0, len(ids), 500):
        session.execute(update(Product).where(Product.id.in_(ids[start:start + 500])).values(**_summary_values())
                        .execution_options(synchronize_session=False))


def refresh_for_vendor(session: Session, vendor_id: str) -> None:
    """Recompute every product the vendor offers (its suspension or reinstatement)."""
    offered = select(Offer.product_id).where(Offer.vendor_id == vendor_id)
    session.execute(update(Product).where(Product.id.in_(offered)).values(**_summary_values())
                    .execution_options(synchronize_session=False))
