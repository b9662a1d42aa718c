"""Products: vendors and operators create and edit them, submit them for review, archive them.

Reads (the storefront search and a product's page) are in ``storefront``; the
operators' decisions in ``moderation``.
"""
from __future__ import annotations

from chassis.app import runtime
from chassis.auth.flask import require_auth
from chassis.blueprint import Blueprint
from catalog import products
from catalog.api.access import product_for, writer
from catalog.api.schemas import ProductInputSchema, ProductPatchSchema, ProductSchema
from catalog.models import Product

SECURITY = [{"bearerAuth": []}]


def blueprint() -> Blueprint:
    bp = Blueprint("catalog_products", __name__, url_prefix="/api/v1/products",
                   description="Products: catalog data, created by vendors or operators, moderated.")

    @bp.route("", methods=["POST"])
    @require_auth()
    @bp.arguments(ProductInputSchema)
    @bp.response(201, ProductSchema)
    @bp.doc(security=SECURITY)
    def create_product(body):
        """Create a draft product (vendor staff: yours; admin operators: the marketplace's, or `vendor_id`'s)."""
        editor = writer()
        vendor_id = body.pop("vendor_id", None)
        with runtime().uow() as uow:
            product = products.create_product(uow, body, editor, vendor_id=vendor_id)
            uow.commit()
            return product_view(product)

    @bp.route("/<product_id>", methods=["PATCH"])
    @require_auth()
    @bp.arguments(ProductPatchSchema)
    @bp.response(200, ProductSchema)
    @bp.doc(security=SECURITY)
    def update_product(body, product_id):
        """Edit a product; a vendor's edit of an approved product waits for moderation (live version stays)."""
        editor = writer()
        with runtime().uow() as uow:
            product = products.update_product(uow, product_for(uow.session, product_id, editor), body, editor)
            uow.commit()
            return product_view(product)

    @bp.route("/<product_id>/submit", methods=["POST"])
    @require_auth()
    @bp.response(200, ProductSchema)
    @bp.doc(security=SECURITY)
    def submit_product(product_id):
        """Ask for review (approved at once with moderation off or for a trusted vendor)."""
        editor = writer()
        with runtime().uow() as uow:
            product = products.submit(uow, product_for(uow.session, product_id, editor), editor)
            uow.commit()
            return product_view(product)

    @bp.route("/<product_id>/archive", methods=["POST"])
    @require_auth()
    @bp.response(200, ProductSchema)
    @bp.doc(security=SECURITY)
    def archive_product(product_id):
        """Take an approved product off sale for good (its offers stop selling)."""
        editor = writer()
        with runtime().uow() as uow:
            product = products.archive(uow, product_for(uow.session, product_id, editor))
            uow.commit()
            return product_view(product)

    return bp


def product_view(product: Product) -> dict:
    """A product for its owner or an operator, its pending edit as a field-by-field diff."""
    view = {column: getattr(product, column) for column in (
        "id", "vendor_id", "title", "description", "description_html", "brand", "gtin", "category_id", "attributes",
        "status", "rejection_reason", "version", "created_at", "updated_at", "approved_at")}
    view["pending_changes"] = products.pending_diff(product) if product.pending_changes else None
    return view
