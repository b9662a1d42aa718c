"""Traffic dashboards: visits, page views and unique visitors per day, the funnel, product views and adds.

Marketplace-wide figures (``/stats/traffic``, ``/stats/funnel``) are for operators only: visits and
visitors cannot be split by vendor. Vendor staff read ``/stats/traffic/products``, limited to the
products their vendor owns or offers (their token decides; another vendor's ``vendor_id`` is refused).
Days are UTC, both ends inclusive (default: the last 30 days). JSON, or CSV with ``?format=csv``.
"""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import validate

from chassis.app import runtime
from chassis.auth.flask import require_auth
from chassis.auth.principal import OPERATOR, VENDOR
from chassis.blueprint import Blueprint
from chassis.csv_cells import streamed_csv, wants_csv
from chassis.pagination import close_request_session, request_connection
from analytics import traffic
from analytics.api.periods import DaysQuerySchema, readable_vendor

SECURITY = [{"bearerAuth": []}]
CSV_DOC = {"200": {"description": "JSON, or CSV with ?format=csv (or Accept: text/csv)",
                   "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}}}}


class ProductsQuerySchema(DaysQuerySchema):
    vendor_id = ma.fields.String(validate=validate.Length(min=1, max=64),
                                 metadata={"description": "Operators: that vendor's products only"})
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class DayTrafficSchema(ma.Schema):
    day = ma.fields.Date()
    visits = ma.fields.Integer(metadata={"description": "Sessions, on the UTC day of their first event"})
    page_views = ma.fields.Integer()
    unique_visitors = ma.fields.Integer(metadata={"description": "Distinct visitor ids seen that day"})


class TrafficTotalsSchema(ma.Schema):
    visits = ma.fields.Integer()
    page_views = ma.fields.Integer()
    unique_visitors = ma.fields.Integer(metadata={"description": "Distinct visitor ids over the whole range"})


class TrafficSchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", attribute="from")
    to = ma.fields.Date()
    totals = ma.fields.Nested(TrafficTotalsSchema)
    days = ma.fields.List(ma.fields.Nested(DayTrafficSchema))


class FunnelStepSchema(ma.Schema):
    step = ma.fields.String(metadata={"description": "sessions, product_views, adds_to_cart, checkouts_started, "
                                                     "orders"})
    count = ma.fields.Integer(metadata={"description": "Sessions that reached the step (orders: orders placed)"})
    share_of_sessions = ma.fields.Float(allow_none=True)


class FunnelSchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", attribute="from")
    to = ma.fields.Date()
    steps = ma.fields.List(ma.fields.Nested(FunnelStepSchema))
    conversion_rate = ma.fields.Float(allow_none=True, metadata={"description": "orders / sessions (null: none)"})


class ProductTrafficSchema(ma.Schema):
    product_id = ma.fields.String()
    views = ma.fields.Integer()
    adds_to_cart = ma.fields.Integer()


def blueprint() -> Blueprint:
    bp = Blueprint("analytics_traffic", __name__, url_prefix="/api/v1/stats",
                   description="Front-office traffic: visits, page views, unique visitors, funnel, product views.")
    bp.teardown_request(close_request_session)

    @bp.route("/traffic")
    class Traffic(MethodView):
        @require_auth(roles=(OPERATOR,))
        @bp.arguments(DaysQuerySchema, location="query")
        @bp.response(200, TrafficSchema)
        @bp.doc(security=SECURITY, responses=CSV_DOC)
        def get(self, query):
            """Visits, page views and unique visitors per UTC day, and their totals (operators)."""
            if wants_csv(query):
                return _csv(traffic.traffic_csv, query["from_"], query["to"], name="traffic")
            return traffic.traffic(request_connection(), query["from_"], query["to"])

    @bp.route("/funnel")
    class Funnel(MethodView):
        @require_auth(roles=(OPERATOR,))
        @bp.arguments(DaysQuerySchema, location="query")
        @bp.response(200, FunnelSchema)
        @bp.doc(security=SECURITY, responses=CSV_DOC)
        def get(self, query):
            """Sessions → product view → add to cart → checkout started → orders placed; conversion = orders /
            sessions (operators)."""
            if wants_csv(query):
                return _csv(traffic.funnel_csv, query["from_"], query["to"], name="funnel")
            return traffic.funnel(request_connection(), query["from_"], query["to"])

    @bp.route("/traffic/products")
    class ProductTraffic(MethodView):
        @require_auth(roles=(VENDOR, OPERATOR))
        @bp.arguments(ProductsQuerySchema, location="query")
        @bp.response(200, ProductTrafficSchema(many=True))
        @bp.doc(security=SECURITY, responses=CSV_DOC)
        def get(self, query):
            """Views and adds to cart per product, most viewed first: your vendor's products (vendor staff), any
            vendor's or all (operators)."""
            vendor_id = readable_vendor(query.get("vendor_id"))
            args = (query["from_"], query["to"], vendor_id, query["limit"])
            if wants_csv(query):
                return _csv(traffic.product_traffic_csv, *args, name="product-traffic")
            return traffic.product_traffic(request_connection(), *args)

    return bp


def _csv(write, *args, name: str):
    return streamed_csv(runtime().database, write, *args, filename=f"{name}-{args[0]}-{args[1]}.csv")
