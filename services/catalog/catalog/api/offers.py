"""Offers: a vendor's SKU, price, terms and quantity for a product (vendor-scoped)."""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from chassis.actors import event_actor
from chassis.app import runtime
from chassis.auth.flask import require_auth
from chassis.blueprint import Blueprint
from chassis.errors import Problem
from chassis.pagination import SelectPage, close_request_session, request_session
from catalog import offers
from catalog.api.access import not_found, offer_for, optional_principal, reader, writer
from catalog.api.schemas import OfferInputSchema, OfferPatchSchema, OfferQuerySchema, OfferSchema
from catalog.models import Offer, Product, VendorState

SECURITY = [{"bearerAuth": []}]


def blueprint() -> Blueprint:
    bp = Blueprint("catalog_offers", __name__, url_prefix="/api/v1/offers",
                   description="Offers: one vendor selling one product, with its own SKU, price and stock.")
    bp.teardown_request(close_request_session)

    @bp.route("")
    class Offers(MethodView):
        @require_auth()
        @bp.arguments(OfferInputSchema)
        @bp.response(201, OfferSchema)
        @bp.doc(security=SECURITY)
        def post(self, body):
            """Offer a product: vendor staff for their vendor; admin operators name the vendor."""
            editor = writer()
            vendor_id = editor.owner_of_new(body.pop("vendor_id", None))
            if not vendor_id:
                raise Problem(422, "validation-failed", "operators name the vendor the offer is for",
                              errors={"vendor_id": ["required"]})
            with runtime().uow() as uow:
                offer = offers.create_offer(uow, vendor_id, body, actor=event_actor())
                uow.commit()
                return _offer_dict(offer)

        @require_auth()
        @bp.arguments(OfferQuerySchema, location="query")
        @bp.response(200, OfferSchema(many=True))
        @bp.paginate(SelectPage)
        @bp.doc(security=SECURITY)
        def get(self, filters):
            """Your offers (vendors); operators see all, `vendor_id` to narrow."""
            editor = reader()
            if editor is None:
                raise Problem(403, "insufficient-role", "requires role vendor or operator")
            query = select(Offer.__table__).order_by(Offer.created_at.desc(), Offer.id)
            vendor_id = filters.get("vendor_id") if editor.is_operator else editor.vendor_id
            if vendor_id:
                query = query.where(Offer.vendor_id == vendor_id)
            if "product_id" in filters:
                query = query.where(Offer.product_id == filters["product_id"])
            if "active" in filters:
                query = query.where(Offer.active.is_(filters["active"]))
            return query

    @bp.route("/<offer_id>")
    class OfferResource(MethodView):
        @bp.response(200, OfferSchema)
        def get(self, offer_id):
            """An offer: anyone while it is on sale; its vendor and operators always."""
            session = request_session()
            offer = session.get(Offer, offer_id)
            principal = optional_principal()
            editor = reader() if principal is not None else None
            if offer is None:
                raise not_found("offer", offer_id)
            if editor is None or not (editor.is_operator or editor.vendor_id == offer.vendor_id):
                if not _on_sale(session, offer):
                    raise not_found("offer", offer_id)
            return _offer_dict(offer)

        @require_auth()
        @bp.arguments(OfferPatchSchema)
        @bp.response(200, OfferSchema)
        @bp.doc(security=SECURITY)
        def patch(self, body, offer_id):
            """Change price, terms or quantity (setting `quantity` records a stock movement, `reason` says why)."""
            editor = writer()
            with runtime().uow() as uow:
                offer = offers.update_offer(uow, offer_for(uow.session, offer_id, editor), body, actor=event_actor())
                uow.commit()
                return _offer_dict(offer)

        @require_auth()
        @bp.response(204)
        @bp.doc(security=SECURITY)
        def delete(self, offer_id):
            """Take the offer off sale (kept for the orders and movements that name it)."""
            editor = writer()
            with runtime().uow() as uow:
                offers.delete_offer(uow, offer_for(uow.session, offer_id, editor))
                uow.commit()

    return bp


def _on_sale(session, offer: Offer) -> bool:
    listed = session.scalar(select(Product.listed).where(Product.id == offer.product_id))
    suspended = session.scalar(select(VendorState.suspended).where(VendorState.vendor_id == offer.vendor_id))
    return bool(offer.active and listed and not suspended)


def _offer_dict(offer: Offer) -> dict:
    return {column.key: getattr(offer, column.key) for column in Offer.__table__.columns}
