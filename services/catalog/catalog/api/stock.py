"""Stock of offers: adjustments by their vendor, the movement history, and the low-stock list.

Vendors reach only their own offers (another vendor's answers 404); operators
read every offer and admin operators may adjust any. Reservations, releases,
sales and restocks come from order events (``catalog.reservations``), never
from these routes.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import event, func, select

from chassis.actors import event_actor
from chassis.app import runtime
from chassis.audit import UtcDateTime
from chassis.auth.flask import caller_vendor_id, current_principal, require_auth
from chassis.blueprint import Blueprint
from chassis.errors import Problem
from chassis.pagination import SelectPage, close_request_session, request_session
from chassis.permissions import ADMIN
from chassis.runtime_settings import current
from catalog import stock
from catalog.models import Offer, StockMovement
from catalog.settings import CatalogRuntimeSettings

SECURITY = [{"bearerAuth": []}]
STAFF = ("vendor", "operator")


class StockAdjustmentSchema(ma.Schema):
    delta = ma.fields.Integer(required=True, strict=True,
                              validate=ma.validate.NoneOf([0], error="must not be 0"),
                              metadata={"description": "Units added (positive) or removed (negative)"})
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))


class StockMovementSchema(ma.Schema):
    id = ma.fields.String()
    offer_id = ma.fields.String()
    vendor_id = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "adjustment, import, reservation, release, sale or restock"})
    available_delta = ma.fields.Integer()
    reserved_delta = ma.fields.Integer()
    available_after = ma.fields.Integer()
    reserved_after = ma.fields.Integer()
    reason = ma.fields.String(allow_none=True)
    actor = ma.fields.Dict()
    order_id = ma.fields.String(allow_none=True)
    created_at = UtcDateTime()


class LowStockQuerySchema(ma.Schema):
    vendor_id = ma.fields.String(metadata={"description": "Operators: one vendor's offers (default: all)"})


class LowStockOfferSchema(ma.Schema):
    offer_id = ma.fields.String()
    vendor_id = ma.fields.String()
    product_id = ma.fields.String()
    sku = ma.fields.String()
    active = ma.fields.Boolean()
    available_quantity = ma.fields.Integer()
    reserved_quantity = ma.fields.Integer()
    threshold = ma.fields.Integer()


_blueprint = Blueprint("catalog_stock", __name__, description="Offers' stock: adjustments, movements, low stock.")
_blueprint.teardown_request(close_request_session)


def blueprint() -> Blueprint:
    return _blueprint


@_blueprint.route("/api/v1/offers/<offer_id>/stock-adjustments")
class StockAdjustments(MethodView):
    @require_auth(roles=STAFF)
    @_blueprint.arguments(StockAdjustmentSchema)
    @_blueprint.response(201, StockMovementSchema)
    @_blueprint.doc(security=SECURITY)
    def post(self, adjustment, offer_id):
        """Add or remove units (a delivery, a count, breakage); 409 if fewer units are available."""
        _check_may_write()
        with runtime().uow() as uow:
            offer = _reachable_offer(uow.session, offer_id)
            before = {"available": offer.available}
            with _movements_written(uow.session) as written:
                stock.adjust(uow, offer, adjustment["delta"], kind="adjustment", reason=adjustment["reason"],
                             actor=event_actor())
            uow.audit("stock.adjusted", "offer", offer.id, before=before, after={"available": offer.available},
                      reason=adjustment["reason"])
            movement = _as_dict(written[0])
            uow.commit()
        return movement


@_blueprint.route("/api/v1/offers/<offer_id>/stock-movements")
class StockMovements(MethodView):
    @require_auth(roles=STAFF)
    @_blueprint.response(200, StockMovementSchema(many=True))
    @_blueprint.paginate(SelectPage)
    @_blueprint.doc(security=SECURITY)
    def get(self, offer_id):
        """The offer's stock movements, newest first."""
        _reachable_offer(request_session(), offer_id)
        return (select(StockMovement.__table__).where(StockMovement.offer_id == offer_id)
                .order_by(StockMovement.created_at.desc(), StockMovement.id.desc()))


@_blueprint.route("/api/v1/stock/low")
class LowStock(MethodView):
    @require_auth(roles=STAFF)
    @_blueprint.arguments(LowStockQuerySchema, location="query")
    @_blueprint.response(200, LowStockOfferSchema(many=True))
    @_blueprint.paginate(SelectPage)
    @_blueprint.doc(security=SECURITY)
    def get(self, filters):
        """The caller's offers at or below their low-stock threshold (the offer's own, else the default)."""
        session = request_session()
        default = current(session, CatalogRuntimeSettings).low_stock_threshold
        threshold = func.coalesce(Offer.low_stock_threshold, default)
        query = (select(Offer.id.label("offer_id"), Offer.vendor_id, Offer.product_id, Offer.sku, Offer.active,
                        Offer.available.label("available_quantity"), Offer.reserved.label("reserved_quantity"),
                        threshold.label("threshold"))
                 .where(Offer.available <= threshold).order_by(Offer.available, Offer.id))
        vendor_id = _listed_vendor(filters.get("vendor_id"))
        return query if vendor_id is None else query.where(Offer.vendor_id == vendor_id)


def _check_may_write() -> None:
    principal = current_principal()
    if principal.is_operator and ADMIN not in principal.roles:
        raise Problem(403, "forbidden", "support operators may read stock, not change it", title="Forbidden")


def _reachable_offer(session, offer_id: str) -> Offer:
    """The offer if the caller may see it: operators any, vendors their own; 404 otherwise."""
    query = select(Offer).where(Offer.id == offer_id)
    if not current_principal().is_operator:
        query = query.where(Offer.vendor_id == caller_vendor_id())
    offer = session.scalars(query).first()
    if offer is None:
        raise Problem(404, "not-found", "no such offer", title="Not Found")
    return offer


def _listed_vendor(asked: str | None) -> str | None:
    if current_principal().is_operator:
        return asked
    own = caller_vendor_id()
    if asked not in (None, own):
        raise Problem(403, "forbidden", "only operators choose the vendor", title="Forbidden")
    return own


@contextmanager
def _movements_written(session) -> Iterator[list[StockMovement]]:
    """Collect the movements added to ``session`` inside the block (stock.adjust does not return its own)."""
    written: list[StockMovement] = []

    def collect(_session, instance) -> None:
        if isinstance(instance, StockMovement):
            written.append(instance)
    event.listen(session, "transient_to_pending", collect)
    try:
        yield written
    finally:
        event.remove(session, "transient_to_pending", collect)


def _as_dict(movement: StockMovement) -> dict:
    return {column.name: getattr(movement, column.name) for column in StockMovement.__table__.columns}
