"""The storefront's reads: product search (public) and a product's page with its offers.

``scope=mine`` and ``scope=all`` reuse the same listing for vendors' and operators'
back-office product lists (any status).
"""
from __future__ import annotations

import json
import time

import marshmallow as ma
from flask import Response, current_app, request
from flask_smorest import abort
from marshmallow import validate
from sqlalchemy import select

from chassis.blueprint import Blueprint
from chassis.errors import Problem
from chassis.pagination import close_request_session, request_connection, request_session
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


class SearchPageSchema(SearchQuerySchema):
    """What the search reads from the query string: the filters and flask-smorest's page parameters."""

    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = ma.fields.Integer(load_default=10, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def blueprint() -> Blueprint:
    bp = Blueprint("catalog_storefront", __name__, url_prefix="/api/v1/products",
                   description="Storefront: search published products and read a product with its offers.")
    bp.teardown_request(close_request_session)
    arguments = SearchPageSchema()

    # The storefront's hottest answer: parsed, paged and serialized by hand, documented by the decorators
    # (their run-time wrappers cost more than the query; bench/run_catalog_storefront.py).
    @bp.route("", methods=["GET"])
    @Blueprint.documented(bp.arguments(SearchQuerySchema, location="query"),
                          bp.response(200, ListedProductSchema(many=True)), bp.paginate(max_page_size=MAX_PAGE_SIZE))
    def search_products():
        """Products on sale (public): text, category with subcategories, price range, vendor, condition, in stock;
        sorted by relevance, price or newest. `scope=mine` (vendors) and `scope=all` (operators) list any status.
        `id` (repeated) looks products up: with `scope=mine` it answers, like a product's page, the vendor's own
        products and other vendors' approved ones.

        `X-Pagination` totals stop at 1 000 ("1 000 or more"), and so do pages."""
        try:
            filters = arguments.load(_query_values(), unknown=ma.EXCLUDE)
        except ma.ValidationError as error:
            abort(422, messages={"query": error.messages})
        page, page_size = filters.pop("page"), filters.pop("page_size")
        listing, count_key = _listing(filters)
        first = (page - 1) * page_size
        rows = request_connection().execute(listing.rows, {**listing.params, "offset": first, "limit": page_size}) \
            .mappings().all() if first < MAX_COUNTED else []
        metadata = Blueprint._make_pagination_metadata(page, page_size, _total(listing, count_key))
        return Response(json.dumps(ListedProductSchema.dump_rows(rows), separators=(",", ":")),
                        mimetype="application/json", headers={"X-Pagination": json.dumps(metadata)})

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


def _query_values() -> dict:
    """The query string's first value of each parameter, every value of the repeatable ``id``."""
    values = request.args.to_dict()
    if "id" in request.args:
        values["id"] = request.args.getlist("id")
    return values


def _listing(filters: dict) -> tuple[search.Listing, tuple | None]:
    """The listing the caller may see, and the key its total is remembered under (storefront only)."""
    session = request_session()
    if filters["scope"] == "public":
        # A lookup by ids counts at most a page of rows: nothing worth remembering.
        count_key = None if "id" in filters else tuple(sorted((k, v) for k, v in filters.items() if k != "sort"))
        return search.storefront_listing(session, filters), count_key
    editor = reader() if optional_principal() is not None else None
    if editor is None or (filters["scope"] == "all" and not editor.is_operator) or \
            (filters["scope"] == "mine" and editor.is_operator):
        raise Problem(403, "insufficient-role", "scope mine is for vendors, scope all for operators")
    return search.management_listing(session, filters, None if editor.is_operator else editor.vendor_id), None


def _total(listing: search.Listing, count_key: tuple | None) -> int:
    """Matches, at most 1 000; storefront totals are remembered per search for ``storefront_count_ttl_seconds``
    (process setting): counting costs more than the page, and a total a few seconds old misleads nobody."""
    cache = current_app.extensions.setdefault("catalog.storefront_counts", {}) if count_key else None
    remembered = cache.get(count_key) if cache is not None else None
    if remembered is not None and remembered[1] > time.monotonic():
        return remembered[0]
    total = request_connection().execute(listing.count, {**listing.params, "cap": MAX_COUNTED}).scalar_one()
    if cache is not None:
        if len(cache) >= COUNT_CACHE_SIZE:
            cache.clear()
        ttl = current_app.extensions["chassis.runtime"].settings.storefront_count_ttl_seconds
        cache[count_key] = (total, time.monotonic() + ttl)
    return total


def _sellable_offers(session, product_id: str) -> list[Offer]:
    suspended = select(VendorState.vendor_id).where(VendorState.suspended.is_(True))
    return session.scalars(select(Offer).where(Offer.product_id == product_id, Offer.active.is_(True),
                                               Offer.vendor_id.not_in(suspended))
                           .order_by((Offer.available > 0).desc(), Offer.price_minor + Offer.shipping_minor,
                                     Offer.id)).all()
