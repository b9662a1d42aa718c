"""Schemas of ``/api/v1/stats`` (sales): query strings in, figures out."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from analytics.api.periods import DaysQuerySchema
from analytics.domain.buckets import GRANULARITIES
from analytics.domain.metrics import METRICS
from analytics.models.sales import LINE_METRICS, RANKED_METRICS

MAX_HOURLY_DAYS = 31


class PeriodQuerySchema(DaysQuerySchema):
    tz = ma.fields.String(validate=validate.Length(min=1, max=64), metadata={
        "description": "IANA time zone of the days and buckets, e.g. Europe/Paris (default: the reporting_timezone "
                       "setting)"})
    vendor_id = ma.fields.String(validate=validate.Length(min=1, max=64), metadata={
        "description": "Operators: that vendor's figures; vendor staff: their own only (another vendor's is 403)"})


class SeriesQuerySchema(PeriodQuerySchema):
    metric = ma.fields.String(load_default="gmv", validate=validate.OneOf(sorted(METRICS)))
    granularity = ma.fields.String(load_default="day", validate=validate.OneOf(GRANULARITIES))

    @ma.post_load
    def _range(self, data, **kwargs) -> dict:
        # Overrides the days' hook so the defaults of `from` / `to` are set before the hourly limit is checked.
        data = super()._range(data, **kwargs)
        if data["granularity"] == "hour" and (data["to"] - data["from_"]).days >= MAX_HOURLY_DAYS:
            raise ma.ValidationError(f"hourly series cover at most {MAX_HOURLY_DAYS} days", "from")
        return data


class TopQuerySchema(PeriodQuerySchema):
    metric = ma.fields.String(load_default="gmv", validate=validate.OneOf(sorted(RANKED_METRICS)), metadata={
        "description": f"products and categories: {', '.join(LINE_METRICS)} (refunds and commission are kept per "
                       "vendor); vendors: any"})
    limit = ma.fields.Integer(load_default=10, validate=validate.Range(1, 1000))


class CountsSchema(ma.Schema):
    orders = ma.fields.Integer(metadata={"description": "Orders placed (vendor orders for a vendor)"})
    captured_orders = ma.fields.Integer(metadata={"description": "Orders with a capture (vendor orders for a vendor)"})
    units = ma.fields.Integer(metadata={"description": "Units of captured vendor orders"})
    cancelled_orders = ma.fields.Integer()
    cancellations = ma.fields.Integer(metadata={"description": "Vendor orders cancelled"})
    refusals = ma.fields.Integer(metadata={"description": "Vendor orders refused"})
    new_customers = ma.fields.Integer(metadata={"description": "Orders that were their customer's first"})
    returning_customers = ma.fields.Integer()
    returns_requested = ma.fields.Integer()
    returns_received = ma.fields.Integer()


class LineFiguresSchema(ma.Schema):
    """What is kept per product and category (refunds and commission are kept per vendor)."""
    currency = ma.fields.String()
    orders = ma.fields.Integer()
    captured_orders = ma.fields.Integer()
    units = ma.fields.Integer()
    gmv_minor = ma.fields.Integer(metadata={"description": "Captured amounts"})
    average_basket_minor = ma.fields.Integer(metadata={"description": "GMV / orders with a capture, half up"})


class MoneySchema(LineFiguresSchema):
    refunds_minor = ma.fields.Integer()
    net_sales_minor = ma.fields.Integer(metadata={"description": "GMV − refunds"})
    commission_revenue_minor = ma.fields.Integer(metadata={"description": "Commission captured − reversed"})


class SummarySchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", attribute="from")
    to = ma.fields.Date()
    tz = ma.fields.String()
    vendor_id = ma.fields.String(allow_none=True)
    counts = ma.fields.Nested(CountsSchema)
    money = ma.fields.List(ma.fields.Nested(MoneySchema), metadata={"description": "One entry per currency"})


class PointSchema(ma.Schema):
    bucket = ma.fields.DateTime(metadata={"description": "Local start of the bucket, with its UTC offset"})
    currency = ma.fields.String(allow_none=True, metadata={"description": "null for counts"})
    value = ma.fields.Integer()


class SeriesSchema(ma.Schema):
    metric = ma.fields.String()
    granularity = ma.fields.String()
    from_ = ma.fields.Date(data_key="from", attribute="from")
    to = ma.fields.Date()
    tz = ma.fields.String()
    vendor_id = ma.fields.String(allow_none=True)
    points = ma.fields.List(ma.fields.Nested(PointSchema))


class RankedProductSchema(LineFiguresSchema):
    product_id = ma.fields.String()
    vendor_id = ma.fields.String()


class RankedVendorSchema(MoneySchema):
    vendor_id = ma.fields.String()


class RankedCategorySchema(LineFiguresSchema):
    category_id = ma.fields.String(allow_none=True, metadata={"description": "null: uncategorised"})


RANKED_SCHEMAS = {"products": RankedProductSchema, "vendors": RankedVendorSchema, "categories": RankedCategorySchema}
