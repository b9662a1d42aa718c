"""Query-string filters of the order lists beyond the creation days (``chassis.day_filters``): a total range."""
from __future__ import annotations

from sqlalchemy import Select


def total_within(query: Select, column, filters: dict) -> Select:
    """``query`` narrowed to rows whose ``column`` is within ``min_total`` .. ``max_total`` (inclusive)."""
    if "min_total" in filters:
        query = query.where(column >= filters["min_total"])
    if "max_total" in filters:
        query = query.where(column <= filters["max_total"])
    return query
