"""Filters by UTC day that list endpoints share: ``created_from`` / ``created_to`` and the range they select."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import marshmallow as ma
from sqlalchemy import Select


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of ``day``."""
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def day_after(day: date) -> datetime:
    """Midnight UTC at the end of ``day``: the exclusive end of a range that includes ``day``."""
    return day_start(day) + timedelta(days=1)


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
        query = query.where(column >= day_start(filters["created_from"]))
    if "created_to" in filters:
        query = query.where(column < day_after(filters["created_to"]))
    return query
