"""Operator and vendor dashboards, from /api/v1/stats/* (the vendor's own figures come from its token)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import render_template, request
from flask_babel import gettext

from console import web
from console.charts import Point, line_chart
from console.formatting import day, money
from console.periods import SPANS, Period, chosen_period

TOP_LIMIT = 5


def register(bp) -> None:
    bp.route("/dashboard")(web.signed_in("operator")(operator_dashboard))
    bp.route("/vendor/dashboard")(web.signed_in("vendor")(vendor_dashboard))


def operator_dashboard():
    period = _period()
    figures = _sales_figures(period)
    figures["top_vendors"] = web.api().get("/api/v1/stats/top-vendors", limit=TOP_LIMIT, **period.query())
    figures["funnel"] = web.api().get("/api/v1/stats/funnel", **period.query())
    return render_template("operator_dashboard.html", **figures)


def vendor_dashboard():
    period = _period()
    return render_template("vendor_dashboard.html", **_sales_figures(period))


def _period() -> Period:
    return chosen_period(request.args, datetime.now(timezone.utc).date())


def _sales_figures(period: Period) -> dict:
    api = web.api()
    summary = api.get("/api/v1/stats/summary", **period.query())
    series = api.get("/api/v1/stats/series", metric="gmv", granularity=period.granularity, **period.query())
    currency = (summary.get("money") or [{}])[0].get("currency") or "EUR"
    points = [Point(day(point["bucket"]), point["value"]) for point in series.get("points", [])
              if point.get("currency") in (currency, None)]
    return {"period": period, "spans": SPANS, "summary": summary, "currency": currency,
            "chart": line_chart(points, lambda value: money(value, currency), gettext("Revenue over time")),
            "top_products": api.get("/api/v1/stats/top-products", limit=TOP_LIMIT, **period.query()),
            "top_categories": api.get("/api/v1/stats/top-categories", limit=TOP_LIMIT, **period.query())}
