"""What a money page's filter form typed: shown back as typed, and checked before any API call.

A bad day or choice gets a clear message on the page rather than the API's 422 about a query
parameter the user never saw by that name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import request
from flask_babel import gettext

DAY_PAIRS = (("created_from", "created_to"), ("from", "to"))
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class TypedFilters:
    typed: dict[str, str]
    errors: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors

    def query(self) -> dict[str, str]:
        """The filled-in filters, as the API names them."""
        return {name: value for name, value in self.typed.items() if value}

    def without(self, *names: str) -> dict[str, str]:
        """The query without some filters (a page's cursor when linking to a download)."""
        return {name: value for name, value in self.query().items() if name not in names}


def typed_filters(names: tuple[str, ...], choices: dict[str, tuple[str, ...]] | None = None,
                  defaults: dict[str, str] | None = None) -> TypedFilters:
    typed = {name: request.args.get(name, (defaults or {}).get(name, "")).strip() for name in names}
    if typed.get("currency"):
        typed["currency"] = typed["currency"].upper()
    errors = [message for name, value in typed.items() if value
              for message in [_problem(name, value, (choices or {}).get(name))] if message]
    for first, last in DAY_PAIRS:
        if _day(typed.get(first, "")) and _day(typed.get(last, "")) and _day(typed[first]) > _day(typed[last]):
            errors.append(gettext("The first day is after the last one."))
    return TypedFilters(typed, errors)


def _problem(name: str, value: str, choices: tuple[str, ...] | None) -> str | None:
    if any(name in pair for pair in DAY_PAIRS) and _day(value) is None:
        return gettext("“%(value)s” is not a date (YYYY-MM-DD).", value=value)
    if name == "month" and not MONTH.match(value):
        return gettext("“%(value)s” is not a month (YYYY-MM).", value=value)
    if name == "currency" and not CURRENCY.match(value):
        return gettext("“%(value)s” is not a currency code (such as EUR).", value=value)
    if choices is not None and value not in choices:
        return gettext("“%(value)s” is not one of the choices.", value=value)
    return None


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
