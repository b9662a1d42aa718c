"""The operators' moderation queue: submitted products and pending edits, approve or reject."""
from __future__ import annotations

from sqlalchemy import or_, select

from chassis.app import runtime
from chassis.blueprint import Blueprint
from chassis.pagination import close_request_session, request_session
from chassis.permissions import operator_read, operator_write
from catalog import products
from catalog.api.access import not_found
from catalog.api.products import product_view
from catalog.api.schemas import ProductSchema, ReasonSchema
from catalog.models import Product
from catalog.products_workflow import APPROVED, SUBMITTED

SECURITY = [{"bearerAuth": []}]
QUEUE_LIMIT = 200


def blueprint() -> Blueprint:
    bp = Blueprint("catalog_moderation", __name__, url_prefix="/api/v1/products",
                   description="Moderation: operators approve or reject products and edits.")
    bp.teardown_request(close_request_session)

    @bp.route("/moderation", methods=["GET"])
    @operator_read()
    @bp.response(200, ProductSchema(many=True))
    @bp.doc(security=SECURITY)
    def moderation_queue():
        """Products waiting for a decision, oldest first; edits of approved ones carry their diff."""
        waiting = or_(Product.status == SUBMITTED, (Product.status == APPROVED) & Product.pending_changes.is_not(None))
        rows = request_session().scalars(select(Product).where(waiting)
                                         .order_by(Product.submitted_at, Product.pending_since).limit(QUEUE_LIMIT))
        return [product_view(product) for product in rows if product.status == SUBMITTED or product.pending_changes]

    @bp.route("/<product_id>/approve", methods=["POST"])
    @operator_write()
    @bp.response(200, ProductSchema)
    @bp.doc(security=SECURITY)
    def approve_product(product_id):
        """Approve a submitted product, or apply the pending edit of an approved one."""
        with runtime().uow() as uow:
            product = products.approve(uow, _product(uow.session, product_id))
            uow.commit()
            return product_view(product)

    @bp.route("/<product_id>/reject", methods=["POST"])
    @operator_write()
    @bp.arguments(ReasonSchema)
    @bp.response(200, ProductSchema)
    @bp.doc(security=SECURITY)
    def reject_product(body, product_id):
        """Reject a submitted product, or drop the pending edit of an approved one; the reason is kept."""
        with runtime().uow() as uow:
            product = products.reject(uow, _product(uow.session, product_id), body["reason"])
            uow.commit()
            return product_view(product)

    return bp


def _product(session, product_id: str) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise not_found("product", product_id)
    return product
