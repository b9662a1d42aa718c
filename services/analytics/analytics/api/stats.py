"""Sales dashboards under ``/api/v1/stats``: summary, series, top products / vendors / categories.

Operators read the marketplace or, with ``vendor_id``, one vendor. Vendor staff read their own vendor's
figures only: their token decides, and a ``vendor_id`` naming another vendor is refused (403), never
honoured. Customers are refused. Days are local days of ``tz`` (default: the ``reporting_timezone``
setting), both ends inclusive. Every endpoint answers JSON, or CSV with ``?format=csv`` or
``Accept: text/csv`` (streamed, cells guarded against spreadsheet formulas).
"""
from __future__ import annotations

import json

from flask import Response
from flask.views import MethodView

from chassis.app import runtime
from chassis.auth.flask import require_auth
from chassis.auth.principal import OPERATOR, VENDOR
from chassis.blueprint import Blueprint
from chassis.csv_cells import csv_lines, streamed_csv, wants_csv
from chassis.errors import Problem
from chassis.pagination import close_request_session, request_connection, request_session
from chassis.runtime_settings import RECENT_ENOUGH, current as current_settings
from analytics import sales_stats
from analytics.api.periods import readable_vendor
from analytics.api.stats_schemas import (RANKED_SCHEMAS, CountsSchema, MoneySchema, PeriodQuerySchema,
                                         SeriesQuerySchema, SeriesSchema, SummarySchema, TopQuerySchema)
from analytics.domain import buckets
from analytics.models.sales import LINE_METRICS
from analytics.settings import AnalyticsRuntimeSettings

SECURITY = [{"bearerAuth": []}]
CSV_DOC = {"200": {"description": "JSON, or CSV with ?format=csv or Accept: text/csv",
                   "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}}}}
MONEY_COLUMNS = tuple(MoneySchema().fields)
RANKED_KEYS = {"products": ("product_id", "vendor_id"), "vendors": ("vendor_id",), "categories": ("category_id",)}
RANKED_COLUMNS = {kind: (*keys, *(name for name in RANKED_SCHEMAS[kind]().fields if name not in keys))
                  for kind, keys in RANKED_KEYS.items()}


def blueprint() -> Blueprint:
    bp = Blueprint("analytics_stats", __name__, url_prefix="/api/v1/stats",
                   description="Sales figures from the rollups: summary, time series, top products, vendors, "
                               "categories.")
    bp.teardown_request(close_request_session)

    @bp.route("/summary")
    class Summary(MethodView):
        @require_auth(roles=(VENDOR, OPERATOR))
        @bp.arguments(PeriodQuerySchema, location="query")
        @bp.response(200, SummarySchema)
        @bp.doc(security=SECURITY, responses=CSV_DOC)
        def get(self, query):
            """Totals of the period: counts, and money per currency (GMV, refunds, net sales, commission
            revenue, average basket)."""
            period = _period(query)
            figures = sales_stats.summary(request_connection(), period)
            if wants_csv(query):
                return _csv(_summary_csv, figures, name=f"summary-{query['from_']}-{query['to']}")
            return {**_echo(query, period), **figures}

    @bp.route("/series")
    class Series(MethodView):
        # Up to a few thousand points: serialized by hand (as SeriesSchema documents it); marshmallow dumping
        # 365 points cost more CPU than the query (bench/run_analytics.py).
        @require_auth(roles=(VENDOR, OPERATOR))
        @bp.arguments(SeriesQuerySchema, location="query")
        @Blueprint.documented(bp.response(200, SeriesSchema))
        @bp.doc(security=SECURITY, responses=CSV_DOC)
        def get(self, query):
            """One metric per local hour, day, week (from Monday) or month of `tz`, every bucket listed."""
            period = _period(query)
            points = sales_stats.series(request_connection(), period, query["metric"], query["granularity"])
            if wants_csv(query):
                return _csv(_series_csv, points, name=f"{query['metric']}-{query['granularity']}-{query['from_']}")
            echo = _echo(query, period)
            return _json({**echo, "from": echo["from"].isoformat(), "to": echo["to"].isoformat(),
                          "metric": query["metric"], "granularity": query["granularity"],
                          "points": [{"bucket": point["bucket"].isoformat(), "currency": point["currency"],
                                      "value": point["value"]} for point in points]})

    def top_resource(kind: str, roles: tuple[str, ...]):
        class Top(MethodView):
            @require_auth(roles=roles)
            @bp.arguments(TopQuerySchema, location="query")
            @bp.response(200, RANKED_SCHEMAS[kind](many=True))
            @bp.doc(security=SECURITY, responses=CSV_DOC)
            def get(self, query):
                if kind != "vendors" and query["metric"] not in LINE_METRICS:
                    raise Problem(422, "metric-not-kept", f"{kind} are ranked by {', '.join(LINE_METRICS)}: "
                                                          "refunds and commission are kept per vendor")
                period = _period(query)
                items = sales_stats.top(request_connection(), period, kind, query["metric"], query["limit"])
                if wants_csv(query):
                    return _csv(_ranked_csv, items, RANKED_COLUMNS[kind], name=f"top-{kind}-{query['from_']}")
                return items
        Top.get.__doc__ = f"The best {kind} of the period by `metric`, per currency, best first."
        Top.__name__ = f"Top{kind.title()}"
        return Top

    bp.route("/top-products")(top_resource("products", (VENDOR, OPERATOR)))
    bp.route("/top-vendors")(top_resource("vendors", (OPERATOR,)))
    bp.route("/top-categories")(top_resource("categories", (VENDOR, OPERATOR)))
    return bp


def _period(query: dict) -> sales_stats.Period:
    name = query.get("tz") or current_settings(request_session(), AnalyticsRuntimeSettings,
                                               max_age=RECENT_ENOUGH).reporting_timezone
    try:
        tz = buckets.zone(name)
    except buckets.UnknownTimeZone as error:
        raise Problem(422, "invalid-time-zone", str(error)) from None
    start, end = buckets.period(query["from_"], query["to"], tz)
    return sales_stats.Period(start, end, tz, readable_vendor(query.get("vendor_id")))


def _echo(query: dict, period: sales_stats.Period) -> dict:
    return {"from": query["from_"], "to": query["to"], "tz": period.tz.key, "vendor_id": period.vendor_id}


def _json(body: dict) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), mimetype="application/json")


def _csv(write, *args, name: str):
    return streamed_csv(runtime().database, lambda session, *values: write(*values), *args, filename=f"{name}.csv")


def _summary_csv(figures: dict):
    counts = [(name, "", figures["counts"][name]) for name in CountsSchema().fields]
    money = [(name, entry["currency"], entry[name]) for entry in figures["money"] for name in MONEY_COLUMNS
             if name != "currency"]
    return csv_lines(("figure", "currency", "value"), [tuple(map(str, row)) for row in counts + money])


def _series_csv(points: list[dict]):
    return csv_lines(("bucket", "currency", "value"), [(point["bucket"].isoformat(), point["currency"] or "",
                                                        str(point["value"])) for point in points])


def _ranked_csv(items: list[dict], columns: tuple[str, ...]):
    return csv_lines(columns, [tuple("" if item[name] is None else str(item[name]) for name in columns)
                               for item in items])
