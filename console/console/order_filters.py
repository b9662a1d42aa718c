"""The operator's order list filters: what the form sent, checked, and the query the orders API reads.

A filter the API would refuse (an unreadable day or amount, days the wrong way round) is caught here,
so the page says which field is wrong and keeps what was typed instead of showing a failed call.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision
from flask_babel import gettext

STATUSES = ("pending", "awaiting_payment", "processing", "completed", "rejected", "cancelled")
FIELDS = ("status", "vendor_id", "customer_id", "created_from", "created_to", "min_total", "max_total")
LONGEST_ID = 64  # the API's limit on vendor and customer ids


@dataclass(frozen=True)
class OrderFilters:
    typed: dict[str, str]  # every field as the user typed it, to show the form again
    query: dict[str, str | int]  # what the orders API gets
    errors: dict[str, str]  # field -> message; the list is not asked for while any is set

    @property
    def present(self) -> dict[str, str]:
        """The fields filled in: what the pager's links carry."""
        return {name: value for name, value in self.typed.items() if value}


def read_filters(args, currency: str = "EUR") -> OrderFilters:
    typed = {name: (args.get(name) or "").strip() for name in FIELDS}
    query: dict[str, str | int] = {}
    errors: dict[str, str] = {}
    if typed["status"] in STATUSES:
        query["status"] = typed["status"]
    for name in ("vendor_id", "customer_id"):
        if len(typed[name]) > LONGEST_ID:
            errors[name] = gettext("At most %(count)s characters.", count=LONGEST_ID)
        elif typed[name]:
            query[name] = typed[name]
    for name in ("created_from", "created_to"):
        _read(typed[name], _day, name, query, errors, gettext("A day, as YYYY-MM-DD."))
    for name in ("min_total", "max_total"):
        _read(typed[name], lambda text: _minor(text, currency), name, query, errors,
              gettext("An amount, such as 12.50."))
    _check_order(query, errors, ("created_from", "created_to"), gettext("The first day is after the last."))
    _check_order(query, errors, ("min_total", "max_total"), gettext("The minimum is above the maximum."))
    return OrderFilters(typed, query, errors)


def _read(text: str, parse, name: str, query: dict, errors: dict, message: str) -> None:
    if not text:
        return
    value = parse(text)
    if value is None:
        errors[name] = message
    else:
        query[name] = value


def _check_order(query: dict, errors: dict, names: tuple[str, str], message: str) -> None:
    low, high = names
    if low in query and high in query and _comparable(query[low]) > _comparable(query[high]):
        errors[high] = message


def _comparable(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _day(text: str) -> str | None:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _minor(text: str, currency: str) -> int | None:
    """"12.50" or "12,50" as minor units of ``currency`` (1250); None when unreadable or negative."""
    try:
        amount = Decimal(text.replace(",", ".").replace(" ", "").replace("\u202f", "").replace("\xa0", ""))
    except InvalidOperation:
        return None
    minor = amount.scaleb(get_currency_precision(currency))
    if not minor.is_finite() or minor < 0 or minor != minor.to_integral_value() or minor > 10**12:
        return None
    return int(minor)
