"""Sales metrics and the rollup scopes they are kept for.

A rollup row is one (grain, bucket, scope, vendor, product, category, currency) and holds raw counters; the
derived figures (net sales, commission revenue, average basket) are computed when read, so every counter
only ever adds deltas. Dimensions a scope does not have are stored as ``""`` (never NULL: NULLs would
defeat the unique key); in the ``category`` scopes ``""`` is "uncategorised", in the ``product`` scope it is
the vendor's shipping (a product-less part, so that a vendor's products plus shipping equal its GMV).
"""
from __future__ import annotations

from dataclasses import dataclass

MARKETPLACE, VENDOR, PRODUCT, CATEGORY = "marketplace", "vendor", "product", "category"
VENDOR_CATEGORY = "vendor_category"
SCOPES = (MARKETPLACE, VENDOR, PRODUCT, CATEGORY, VENDOR_CATEGORY)
DIMENSIONS = {MARKETPLACE: (), VENDOR: ("vendor_id",), PRODUCT: ("vendor_id", "product_id"),
              CATEGORY: ("category_id",), VENDOR_CATEGORY: ("vendor_id", "category_id")}
NONE = ""  # a dimension the scope does not have; also "uncategorised" and "shipping" (see above)

# Counters kept on every rollup row.
COUNTERS = ("orders", "captured_orders", "units", "gmv_minor", "refunds_minor", "commission_minor",
            "commission_reversed_minor", "cancelled_orders", "cancellations", "refusals", "new_customers",
            "returning_customers", "returns_requested", "returns_received")
MONEY_COUNTERS = ("gmv_minor", "refunds_minor", "commission_minor", "commission_reversed_minor")

# What each source of facts feeds, scope by scope (the incremental path and the rebuild share this table).
LINE_SCOPES = (PRODUCT, CATEGORY, VENDOR_CATEGORY)  # lines placed (orders) and captured lines (GMV, orders)
UNIT_SCOPES = (MARKETPLACE, VENDOR, PRODUCT, CATEGORY, VENDOR_CATEGORY)  # units of captured lines
MONEY_SCOPES = (MARKETPLACE, VENDOR)  # captures, refunds and vendor-order outcomes
ORDER_SCOPES = (MARKETPLACE,)  # orders placed, new/returning customers, first captures, orders cancelled


@dataclass(frozen=True)
class Metric:
    name: str
    money: bool
    description: str


METRICS = {metric.name: metric for metric in (
    Metric("orders", False, "Orders placed (marketplace), vendor orders placed (vendor), order lines placed "
                            "(product, category), at the time they were placed."),
    Metric("captured_orders", False, "Orders with at least one capture, at their first capture (marketplace); "
                                     "captured vendor orders (vendor); captured lines (product, category)."),
    Metric("units", False, "Units of the lines of captured vendor orders, at capture time."),
    Metric("gmv", True, "Captured amounts (items + shipping), at capture time; per product the captured line "
                        "amounts, shipping as a product-less row."),
    Metric("refunds", True, "Refunded amounts, at refund time (marketplace and vendor scopes)."),
    Metric("net_sales", True, "GMV − refunds."),
    Metric("commission", True, "Commission revenue: commission on captures − commission reversed by refunds."),
    Metric("average_basket", True, "GMV / orders with a capture (captured_orders), rounded half up to the "
                                   "minor unit; 0 when there is no capture."),
    Metric("cancelled_orders", False, "Orders cancelled (order.cancelled), marketplace scope."),
    Metric("cancellations", False, "Vendor orders cancelled (vendor_order.cancelled)."),
    Metric("refusals", False, "Vendor orders refused by their vendor (vendor_order.refused)."),
    Metric("new_customers", False, "Orders that are their customer's first (by placed_at), marketplace scope."),
    Metric("returning_customers", False, "Orders of customers who had ordered before, marketplace scope."),
    Metric("returns_requested", False, "Returns requested."),
    Metric("returns_received", False, "Returns received back by the vendor."),
)}


def derived(totals: dict[str, int]) -> dict[str, int]:
    """The figures of a set of summed counters (one currency), raw counters included."""
    gmv, refunds = totals.get("gmv_minor", 0), totals.get("refunds_minor", 0)
    commission = totals.get("commission_minor", 0) - totals.get("commission_reversed_minor", 0)
    return {**totals, "net_sales_minor": gmv - refunds, "commission_revenue_minor": commission,
            "average_basket_minor": average(gmv, totals.get("captured_orders", 0))}


def average(amount_minor: int, count: int) -> int:
    """``amount / count`` rounded half up to the minor unit (integers only, no floats)."""
    return 0 if count <= 0 else (2 * amount_minor + count) // (2 * count)


def metric_value(name: str, totals: dict[str, int]) -> int:
    """The value of metric ``name`` (see METRICS) from summed counters."""
    figures = derived(totals)
    key = {"gmv": "gmv_minor", "refunds": "refunds_minor", "net_sales": "net_sales_minor",
           "commission": "commission_revenue_minor", "average_basket": "average_basket_minor"}.get(name, name)
    return figures.get(key, 0)


def dimensions(scope: str, vendor_id: str = NONE, product_id: str = NONE, category_id: str = NONE) -> dict[str, str]:
    """The key columns of a rollup row of ``scope``: the scope's dimensions kept, the others ``NONE``."""
    given = {"vendor_id": vendor_id, "product_id": product_id, "category_id": category_id or NONE}
    return {name: (value if name in DIMENSIONS[scope] else NONE) for name, value in given.items()}
