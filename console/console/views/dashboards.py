"""Operator and vendor dashboards, from /api/v1/stats/* (the vendor's own figures come from its token).

Days are the marketplace's reporting time zone's (the stats API's default, echoed as the summary's
``tz``); top lists show names from identity and catalog rather than ids.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import render_template, request
from flask_babel import gettext

from console import web
from console.api import ApiError, Page
from console.charts import Point, line_chart
from console.display_names import category_names, product_names, vendor_names
from console.formatting import day, money
from console.periods import SPANS, Period, chosen_period

TOP_LIMIT = 5
LOW_STOCK_SHOWN = 10


def register(bp) -> None:
    bp.route("/dashboard")(web.signed_in("operator")(operator_dashboard))
    bp.route("/vendor/dashboard")(web.signed_in("vendor")(vendor_dashboard))


def operator_dashboard():
    figures = _sales_figures(*_period_and_summary())
    top_vendors = web.api().get("/api/v1/stats/top-vendors", limit=TOP_LIMIT, **figures["period"].query())
    figures.update(top_vendors=top_vendors, vendor_names=vendor_names(row.get("vendor_id") for row in top_vendors),
                   funnel=web.api().get("/api/v1/stats/funnel", **figures["period"].query()))
    return render_template("operator_dashboard.html", **figures)


def vendor_dashboard():
    figures = _sales_figures(*_period_and_summary())
    figures["low_stock"] = _low_stock()
    return render_template("vendor_dashboard.html", **figures)


def _low_stock() -> Page | None:
    """The offers lowest on stock; None when catalog cannot say (the sales figures still show)."""
    try:
        return web.api().get_page("/api/v1/stock/low", page_size=LOW_STOCK_SHOWN)
    except ApiError:
        return None


def _period_and_summary() -> tuple[Period, dict]:
    """The chosen period and its summary, the named spans ending today in the reporting time zone."""
    period = chosen_period(request.args, datetime.now(timezone.utc).date())
    summary = web.api().get("/api/v1/stats/summary", **period.query())
    local_today = _today_in(summary.get("tz"))
    if period.span is not None and local_today != period.end:
        # Around midnight UTC the marketplace's today is another day: ask again for the span it means.
        period = chosen_period(request.args, local_today)
        summary = web.api().get("/api/v1/stats/summary", **period.query())
    return period, summary


def _today_in(zone: str | None) -> date:
    try:
        return datetime.now(ZoneInfo(zone)).date() if zone else datetime.now(timezone.utc).date()
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return datetime.now(timezone.utc).date()


def _sales_figures(period: Period, summary: dict) -> dict:
    api = web.api()
    series = api.get("/api/v1/stats/series", metric="gmv", granularity=period.granularity, **period.query())
    currency = (summary.get("money") or [{}])[0].get("currency") or "EUR"
    # Buckets are local starts with their offset ("2026-11-01T00:00:00+01:00"): their day is the local day.
    points = [Point(day(point["bucket"]), point["value"]) for point in series.get("points", [])
              if point.get("currency") in (currency, None)]
    top_products = api.get("/api/v1/stats/top-products", limit=TOP_LIMIT, **period.query())
    top_categories = api.get("/api/v1/stats/top-categories", limit=TOP_LIMIT, **period.query())
    return {"period": period, "spans": SPANS, "summary": summary, "currency": currency,
            "chart": line_chart(points, lambda value: money(value, currency), gettext("Revenue over time")),
            "top_products": top_products, "top_categories": top_categories,
            "product_names": product_names(row.get("product_id") for row in top_products),
            "category_names": category_names() if top_categories else {}}
