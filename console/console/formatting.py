"""Amounts, dates and numbers in the reader's language (Jinja filters)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import get_currency_precision
from flask_babel import format_currency, format_date, format_datetime, format_decimal, format_percent


def money(minor: int | None, currency: str | None = "EUR") -> str:
    """Integer minor units as the locale writes that currency (1234 EUR: "€12.34", "12,34 €")."""
    if minor is None:
        return "—"
    currency = currency or "EUR"
    return format_currency(Decimal(minor).scaleb(-get_currency_precision(currency)), currency)


def when(value: str | datetime | None) -> str:
    """An ISO 8601 timestamp from an API, in the locale's medium date and short time."""
    if not value:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(moment, "medium")


def day(value: str | date | None) -> str:
    if not value:
        return "—"
    return format_date(date.fromisoformat(value[:10]) if isinstance(value, str) else value, "medium")


def number(value: int | float | None) -> str:
    return "—" if value is None else format_decimal(value)


def percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value, "#,##0.0%")


FILTERS = {"money": money, "when": when, "day": day, "number": number, "percent": percent}
