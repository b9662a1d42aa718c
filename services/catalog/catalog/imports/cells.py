"""Typed values of CSV cells, and the errors a row collects while they are read."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# The formula guard lives in chassis (every service's CSV exports use it); re-exported for the importers.
from chassis.csv_cells import guarded, unguarded  # noqa: F401

TRUE_WORDS = frozenset({"true", "yes", "1"})
FALSE_WORDS = frozenset({"false", "no", "0"})
_WHOLE = re.compile(r"[+-]?\d+")


class RowErrors(Exception):
    """Everything wrong with one row: ``(column, message)`` pairs, the column empty for the whole row."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{column}: {message}" for column, message in errors))
        self.errors = errors


class CellReader:
    """Reads the cells of one row, collecting every error instead of stopping at the first."""

    def __init__(self, cells: dict[str, str], *, decimal_comma: bool = False) -> None:
        self.cells = cells
        self.decimal_comma = decimal_comma
        self.errors: list[tuple[str, str]] = []

    def given(self, column: str) -> bool:
        return bool(self.cells.get(column))

    def text(self, column: str, max_length: int | None = None) -> str | None:
        value = self.cells.get(column) or None
        if value is not None and max_length is not None and len(value) > max_length:
            return self.fail(column, f"at most {max_length} characters")
        return value

    def minor_units(self, column: str) -> int | None:
        """A decimal amount in major units (``12.50``) as minor units (``1250``)."""
        value = self.cells.get(column)
        if not value:
            return None
        amount = parse_decimal(value.replace(",", ".") if self.decimal_comma else value)
        if amount is None or amount < 0:
            return self.fail(column, "a non-negative amount like 12.50")
        if amount.as_tuple().exponent < -2:
            return self.fail(column, "at most 2 decimals")
        return int(amount * 100)

    def whole(self, column: str, minimum: int = 0) -> int | None:
        value = self.cells.get(column)
        if not value:
            return None
        if not _WHOLE.fullmatch(value) or int(value) < minimum:
            return self.fail(column, f"a whole number of at least {minimum}")
        return int(value)

    def boolean(self, column: str) -> bool | None:
        value = self.cells.get(column)
        if not value:
            return None
        parsed = parse_boolean(value)
        return self.fail(column, "true or false (yes/no and 1/0 work too)") if parsed is None else parsed

    def fail(self, column: str, message: str) -> None:
        self.errors.append((column, message))
        return None

    def raise_errors(self) -> None:
        if self.errors:
            raise RowErrors(self.errors)


def parse_decimal(value: str) -> Decimal | None:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_boolean(value: str) -> bool | None:
    word = value.strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def parse_number(value: str) -> int | float | None:
    if _WHOLE.fullmatch(value):
        return int(value)
    number = parse_decimal(value)
    return float(number) if number is not None else None


def format_minor(amount: int) -> str:
    """``1250`` -> ``12.50``: how exports write money, and imports read it back."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d}"


def format_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
