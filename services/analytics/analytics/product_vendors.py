"""Which vendor owns or offers which product, learned from catalog's events: whose product traffic a vendor reads.

A vendor sees the views and adds to cart of a product it owns (``product.approved``) or sells through an
offer (``offer.updated``); several vendors may offer one product, and each then sees its traffic.
"""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from chassis.events.envelope import CloudEvent
from chassis.uow import UnitOfWork
from analytics.models.traffic import ProductVendor


def product_sold_by(uow: UnitOfWork, product_id: str, vendor_id: str | None) -> None:
    """Remember that ``vendor_id`` owns or offers ``product_id`` (a platform-owned product has no vendor)."""
    if not vendor_id:
        return
    with uow:
        connection = uow.session.connection()
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        connection.execute(insert(ProductVendor.__table__).values(product_id=product_id, vendor_id=vendor_id)
                           .on_conflict_do_nothing(index_elements=["product_id", "vendor_id"]))
        uow.commit()


def on_product_approved(uow: UnitOfWork, event: CloudEvent) -> None:
    product_sold_by(uow, event.data["product_id"], event.data.get("vendor_id"))


def on_offer_updated(uow: UnitOfWork, event: CloudEvent) -> None:
    product_sold_by(uow, event.data["product_id"], event.data["vendor_id"])


def handlers_by_type() -> dict:
    """To merge into ``analytics.events.handlers_by_type`` (and ``contracts.subscriptions`` for analytics)."""
    return {"product.approved": on_product_approved, "offer.updated": on_offer_updated}
