"""Request and response bodies of the catalog's products, categories and offers API."""
from __future__ import annotations

from datetime import timezone

import marshmallow as ma
from marshmallow import validate

from chassis.audit import UtcDateTime
from chassis.pagination import ids_filter
from catalog.offers import CONDITIONS
from catalog.products_workflow import STATUSES
from catalog.quotes import REASONS

ID = validate.Length(min=1, max=64)
MINOR = validate.Range(min=0, max=10**12)
# Sort positions are stored in a 32-bit integer column: past it, PostgreSQL refuses the write (a 500).
POSITION = validate.Range(min=-2**31, max=2**31 - 1)


class ReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=1000))


# --- categories
class AttributeInputSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    label = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = ma.fields.String(required=True, validate=validate.OneOf(("text", "number", "enum", "boolean")))
    unit = ma.fields.String(load_default=None, validate=validate.Length(max=32))
    options = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=200)), load_default=list)
    required = ma.fields.Boolean(load_default=False)
    position = ma.fields.Integer(load_default=0, validate=POSITION)


class AttributeSchema(AttributeInputSchema):
    id = ma.fields.String()
    category_id = ma.fields.String()


class CategoryInputSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    slug = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    parent_id = ma.fields.String(load_default=None, allow_none=True, validate=ID)
    position = ma.fields.Integer(load_default=0, validate=POSITION)


class CategoryPatchSchema(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    slug = ma.fields.String(validate=validate.Length(min=1, max=200))
    parent_id = ma.fields.String(allow_none=True, validate=ID)
    position = ma.fields.Integer(validate=POSITION)


class CategorySchema(ma.Schema):
    id = ma.fields.String()
    parent_id = ma.fields.String(allow_none=True)
    name = ma.fields.String()
    slug = ma.fields.String()
    path = ma.fields.String()
    position = ma.fields.Integer()


class CategoryDetailSchema(CategorySchema):
    attributes = ma.fields.List(ma.fields.Nested(AttributeSchema),
                                metadata={"description": "Its own and its ancestors' attributes"})


# --- products
class ProductInputSchema(ma.Schema):
    """No status or moderation fields: they come from the workflow; a vendor's vendor_id from its token."""

    title = ma.fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = ma.fields.String(load_default="", validate=validate.Length(max=50_000),
                                   metadata={"description": "Markdown"})
    brand = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    gtin = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=14),
                            metadata={"description": "GTIN-8/12/13/14 (EAN), check digit verified"})
    category_id = ma.fields.String(load_default=None, allow_none=True, validate=ID)
    attributes = ma.fields.Dict(keys=ma.fields.String(), load_default=dict)
    vendor_id = ma.fields.String(validate=ID, metadata={
        "description": "Operators only: the vendor it is for (without it, the marketplace's own product)"})


class ProductPatchSchema(ma.Schema):
    title = ma.fields.String(validate=validate.Length(min=1, max=300))
    description = ma.fields.String(validate=validate.Length(max=50_000))
    brand = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    gtin = ma.fields.String(allow_none=True, validate=validate.Length(max=14))
    category_id = ma.fields.String(allow_none=True, validate=ID)
    attributes = ma.fields.Dict(keys=ma.fields.String())


class DiffSchema(ma.Schema):
    field = ma.fields.String()
    live = ma.fields.Raw(allow_none=True)
    proposed = ma.fields.Raw(allow_none=True)


class ProductSchema(ma.Schema):
    id = ma.fields.String()
    vendor_id = ma.fields.String(allow_none=True)
    title = ma.fields.String()
    description = ma.fields.String()
    description_html = ma.fields.String()
    brand = ma.fields.String(allow_none=True)
    gtin = ma.fields.String(allow_none=True)
    category_id = ma.fields.String(allow_none=True)
    attributes = ma.fields.Dict()
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    rejection_reason = ma.fields.String(allow_none=True)
    pending_changes = ma.fields.List(ma.fields.Nested(DiffSchema), allow_none=True,
                                     metadata={"description": "An edit waiting for moderation, field by field"})
    version = ma.fields.Integer()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    approved_at = UtcDateTime(allow_none=True)


# --- offers
class OfferInputSchema(ma.Schema):
    product_id = ma.fields.String(required=True, validate=ID)
    sku = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    price_minor = ma.fields.Integer(required=True, strict=True, validate=MINOR)
    currency = ma.fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    shipping_minor = ma.fields.Integer(load_default=0, strict=True, validate=MINOR)
    quantity = ma.fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=10**9))
    condition = ma.fields.String(load_default="new", validate=validate.OneOf(CONDITIONS))
    lead_time_days = ma.fields.Integer(load_default=1, strict=True, validate=validate.Range(min=0, max=365))
    active = ma.fields.Boolean(load_default=True)
    low_stock_threshold = ma.fields.Integer(load_default=None, allow_none=True,
                                            validate=validate.Range(min=0, max=10**9))
    vendor_id = ma.fields.String(validate=ID, metadata={"description": "Operators only: the vendor it is for"})


class OfferPatchSchema(ma.Schema):
    sku = ma.fields.String(validate=validate.Length(min=1, max=100))
    price_minor = ma.fields.Integer(strict=True, validate=MINOR)
    currency = ma.fields.String(validate=validate.Regexp(r"^[A-Z]{3}$"))
    shipping_minor = ma.fields.Integer(strict=True, validate=MINOR)
    quantity = ma.fields.Integer(strict=True, validate=validate.Range(min=0, max=10**9),
                                 metadata={"description": "Sets the available quantity (a stock movement)"})
    reason = ma.fields.String(validate=validate.Length(max=1000))
    condition = ma.fields.String(validate=validate.OneOf(CONDITIONS))
    lead_time_days = ma.fields.Integer(strict=True, validate=validate.Range(min=0, max=365))
    active = ma.fields.Boolean()
    low_stock_threshold = ma.fields.Integer(allow_none=True, validate=validate.Range(min=0, max=10**9))


class OfferSchema(ma.Schema):
    id = ma.fields.String()
    vendor_id = ma.fields.String()
    product_id = ma.fields.String()
    sku = ma.fields.String()
    price_minor = ma.fields.Integer()
    currency = ma.fields.String()
    shipping_minor = ma.fields.Integer()
    condition = ma.fields.String()
    lead_time_days = ma.fields.Integer()
    active = ma.fields.Boolean()
    available_quantity = ma.fields.Integer(attribute="available")
    reserved_quantity = ma.fields.Integer(attribute="reserved")
    low_stock_threshold = ma.fields.Integer(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class OfferQuerySchema(ma.Schema):
    product_id = ma.fields.String(validate=ID)
    active = ma.fields.Boolean()
    vendor_id = ma.fields.String(validate=ID, metadata={"description": "Operators only"})


# --- storefront
SORTS = ("relevance", "price_asc", "price_desc", "newest")


class SearchQuerySchema(ma.Schema):
    q = ma.fields.String(validate=validate.Length(max=200))
    category = ma.fields.String(validate=validate.Length(max=200), metadata={"description": "Slug; includes subcategories"})
    min_price = ma.fields.Integer(validate=MINOR, metadata={"description": "Minor units"})
    max_price = ma.fields.Integer(validate=MINOR)
    vendor_id = ma.fields.String(validate=ID)
    condition = ma.fields.String(validate=validate.OneOf(CONDITIONS))
    in_stock = ma.fields.Boolean()
    sort = ma.fields.String(load_default="relevance", validate=validate.OneOf(SORTS))
    scope = ma.fields.String(load_default="public", validate=validate.OneOf(("public", "mine", "all")),
                             metadata={"description": "public: the storefront; mine: a vendor's own products in "
                                                      "any status; all: operators, any status"})
    status = ma.fields.String(validate=validate.OneOf(STATUSES), metadata={"description": "scope mine/all"})
    id = ids_filter()


class ListedProductSchema(ma.Schema):
    """A search result (the documented shape). Dumped by hand with ``dump_rows``: a 50-product page is the
    storefront's hottest answer, and marshmallow's per-field machinery cost more than the query
    (bench/run_catalog_storefront.py)."""

    id = ma.fields.String()
    title = ma.fields.String()
    brand = ma.fields.String(allow_none=True)
    category_id = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    vendor_id = ma.fields.String(allow_none=True)
    best_price_minor = ma.fields.Integer(allow_none=True)
    currency = ma.fields.String(allow_none=True)
    in_stock = ma.fields.Boolean()
    offer_count = ma.fields.Integer()
    approved_at = UtcDateTime(allow_none=True)

    @staticmethod
    def dump_rows(rows) -> list[dict]:
        return [_listed(row) for row in rows]


def _listed(row) -> dict:
    approved_at = row["approved_at"]
    if approved_at is not None:
        approved_at = (approved_at if approved_at.tzinfo else approved_at.replace(tzinfo=timezone.utc)).isoformat()
    return {"id": row["id"], "title": row["title"], "brand": row["brand"], "category_id": row["category_id"],
            "status": row["status"], "vendor_id": row["vendor_id"], "best_price_minor": row["best_price_minor"],
            "currency": row["currency"], "in_stock": bool(row["in_stock"]), "offer_count": row["offer_count"],
            "approved_at": approved_at}


class PublicOfferSchema(ma.Schema):
    id = ma.fields.String()
    vendor_id = ma.fields.String()
    price_minor = ma.fields.Integer()
    currency = ma.fields.String()
    shipping_minor = ma.fields.Integer()
    condition = ma.fields.String()
    lead_time_days = ma.fields.Integer()
    available_quantity = ma.fields.Integer(attribute="available")


class ProductDetailSchema(ProductSchema):
    best_price_minor = ma.fields.Integer(allow_none=True)
    in_stock = ma.fields.Boolean()
    offers = ma.fields.List(ma.fields.Nested(PublicOfferSchema), metadata={"description": "Best price first"})


# --- quotes (orders pricing a cart)
MAX_QUOTED_OFFERS = 50


def _distinct(values: list) -> None:
    if len(set(values)) != len(values):
        raise ma.ValidationError("offer ids must be distinct")


class QuoteRequestSchema(ma.Schema):
    offer_ids = ma.fields.List(ma.fields.String(validate=ID), required=True,
                               validate=[validate.Length(min=1, max=MAX_QUOTED_OFFERS), _distinct],
                               metadata={"description": "1 to 50 distinct offer ids; answered in this order"})


class OfferQuoteSchema(ma.Schema):
    """A requested offer: whether it can be sold now (else `reason`) and, unless unknown, its current facts."""

    offer_id = ma.fields.String()
    sellable = ma.fields.Boolean()
    reason = ma.fields.String(allow_none=True, metadata={
        "enum": [*REASONS, None],
        "description": "Why it cannot be sold now (null when sellable); the first that applies, in this order"})
    vendor_id = ma.fields.String()
    product_id = ma.fields.String()
    title = ma.fields.String(metadata={"description": "The product's live title"})
    category_id = ma.fields.String(allow_none=True)
    sku = ma.fields.String()
    price_minor = ma.fields.Integer()
    shipping_minor = ma.fields.Integer()
    currency = ma.fields.String()
    condition = ma.fields.String(metadata={"enum": list(CONDITIONS)})
    lead_time_days = ma.fields.Integer()
    available_quantity = ma.fields.Integer()


class QuoteSchema(ma.Schema):
    offers = ma.fields.List(ma.fields.Nested(OfferQuoteSchema), metadata={
        "description": "One per requested id, in the request's order; the facts are absent for unknown offers"})
