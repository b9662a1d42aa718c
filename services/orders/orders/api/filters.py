"""Query-string filters shared by the order lists: a creation-day range in UTC, a total range in minor units."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import marshmallow as ma
from sqlalchemy import Select


class CreationDaysSchema(ma.Schema):
    """``created_from`` / ``created_to``: UTC days, both inclusive; the first not after the second."""

    created_from = ma.fields.Date(metadata={"description": "Created on or after this day (UTC)"})
    created_to = ma.fields.Date(metadata={"description": "Created on or before this day (UTC)"})

    @ma.validates_schema
    def _days_in_order(self, data, **kwargs) -> None:
        if "created_from" in data and "created_to" in data and data["created_from"] > data["created_to"]:
            raise ma.ValidationError("created_from is after created_to", "created_to")


def created_within(query: Select, column, filters: dict) -> Select:
    """``query`` narrowed to rows whose ``column`` falls on ``created_from`` .. ``created_to`` (UTC days, inclusive)."""
    if "created_from" in filters:
        query = query.where(column >= _day_start(filters["created_from"]))
    if "created_to" in filters:
        query = query.where(column < _day_start(filters["created_to"]) + timedelta(days=1))
    return query


def total_within(query: Select, column, filters: dict) -> Select:
    """``query`` narrowed to rows whose ``column`` is within ``min_total`` .. ``max_total`` (inclusive)."""
    if "min_total" in filters:
        query = query.where(column >= filters["min_total"])
    if "max_total" in filters:
        query = query.where(column <= filters["max_total"])
    return query


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)
