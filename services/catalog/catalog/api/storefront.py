"""The storefront's reads: product search (public) and a product's page with its offers.

``scope=mine`` and ``scope=all`` reuse the same listing for vendors' and operators'
back-office product lists (any status).
"""
from __future__ import annotations

import time

from flask import current_app, g
from flask_smorest import Blueprint
from sqlalchemy import func, literal, select

from chassis.errors import Problem
from chassis.pagination import SelectPage, close_request_session, request_session
from catalog import search
from catalog.api.access import not_found, optional_principal, owns, reader
from catalog.api.products import product_view
from catalog.api.schemas import ListedProductSchema, ProductDetailSchema, SearchQuerySchema
from catalog.models import Offer, Product, VendorState
from catalog.products_workflow import APPROVED

MAX_PAGE_SIZE = 100
# Counting every match of a broad search costs more than the page itself; shoppers never page that far.
MAX_COUNTED = 1_000
COUNT_CACHE_SIZE = 4096
COUNT_KEY = "catalog_storefront_count_key"


class StorefrontPage(SelectPage):
    """Pages of at most 100 products; ``total`` in X-Pagination stops at 1 000 ("1 000 or more"), so do pages.

    Storefront totals are remembered per search for ``storefront_count_ttl_seconds`` (process
    setting): counting costs more than the page, and a total a few seconds old misleads nobody.
    """

    @property
    def items(self):
        if self.page_params.first_item >= MAX_COUNTED:
            return []
        return super().items

    @property
    def item_count(self) -> int:
        key = g.get(COUNT_KEY)
        cache = _count_cache() if key is not None else None
        if cache is not None:
            remembered = cache.get(key)
            if remembered is not None and remembered[1] > time.monotonic():
                return remembered[0]
        capped = self.collection.order_by(None).with_only_columns(literal(1)).limit(MAX_COUNTED).subquery()
        total = request_session().execute(select(func.count()).select_from(capped)).scalar_one()
        if cache is not None:
            if len(cache) >= COUNT_CACHE_SIZE:
                cache.clear()
            cache[key] = (total, time.monotonic() + current_app.extensions["chassis.runtime"].settings
                          .storefront_count_ttl_seconds)
        return total


def _count_cache() -> dict:
    return current_app.extensions.setdefault("catalog.storefront_counts", {})


def blueprint() -> Blueprint:
    bp = Blueprint("catalog_storefront", __name__, url_prefix="/api/v1/products",
                   description="Storefront: search published products and read a product with its offers.")
    bp.teardown_request(close_request_session)

    @bp.route("", methods=["GET"])
    @bp.arguments(SearchQuerySchema, location="query")
    @bp.response(200, ListedProductSchema(many=True))
    @bp.paginate(StorefrontPage, max_page_size=MAX_PAGE_SIZE)
    def search_products(filters):
        """Products on sale (public): text, category with subcategories, price range, vendor, condition, in stock;
        sorted by relevance, price or newest. `scope=mine` (vendors) and `scope=all` (operators) list any status."""
        session = request_session()
        if filters["scope"] == "public":
            g.setdefault(COUNT_KEY, tuple(sorted((k, v) for k, v in filters.items() if k != "sort")))
            return search.storefront_query(session, filters)
        editor = reader() if optional_principal() is not None else None
        if editor is None or (filters["scope"] == "all" and not editor.is_operator) or \
                (filters["scope"] == "mine" and editor.is_operator):
            raise Problem(403, "insufficient-role", "scope mine is for vendors, scope all for operators")
        return search.management_query(session, filters, None if editor.is_operator else editor.vendor_id)

    @bp.route("/<product_id>", methods=["GET"])
    @bp.response(200, ProductDetailSchema)
    def product_detail(product_id):
        """A product with its offers, best price first (public when approved; owners and operators always)."""
        session = request_session()
        product = session.get(Product, product_id)
        editor = reader() if optional_principal() is not None else None
        manager = product is not None and owns(editor, product.vendor_id)
        if product is None or not (manager or product.status == APPROVED):
            raise not_found("product", product_id)
        view = product_view(product) if manager else {**product_view(product), "pending_changes": None}
        return {**view, "best_price_minor": product.best_price_minor, "in_stock": product.in_stock,
                "offers": _sellable_offers(session, product_id)}

    return bp


def _sellable_offers(session, product_id: str) -> list[Offer]:
    suspended = select(VendorState.vendor_id).where(VendorState.suspended.is_(True))
    return session.scalars(select(Offer).where(Offer.product_id == product_id, Offer.active.is_(True),
                                               Offer.vendor_id.not_in(suspended))
                           .order_by((Offer.available > 0).desc(), Offer.price_minor + Offer.shipping_minor,
                                     Offer.id)).all()
