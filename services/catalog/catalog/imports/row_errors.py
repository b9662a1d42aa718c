"""A domain Problem raised while applying one row, as that row's ``(column, message)`` errors."""
from __future__ import annotations

from typing import Any, Callable

from werkzeug.exceptions import HTTPException

ColumnOf = Callable[[str, dict[str, str]], str]


def problem_errors(problem: HTTPException, cells: dict[str, str], column_of: ColumnOf) -> list[tuple[str, str]]:
    """A domain Problem as ``(column, message)`` pairs, from its ``errors`` member when it has one."""
    errors = (getattr(problem, "extensions", None) or {}).get("errors")
    if not errors:
        return [(column_of(getattr(problem, "problem_type", "") or "", cells) if _names_column(problem) else "",
                 problem.description or problem.name)]
    return [(column_of(field, cells), message) for field, message in _flattened(errors)]


def _names_column(problem: HTTPException) -> bool:
    return getattr(problem, "problem_type", None) in {"sku-taken", "gtin-taken", "unknown-category",
                                                       "unknown-product", "product-archived"}


def _flattened(errors: Any, prefix: str = "") -> list[tuple[str, str]]:
    """``{"attributes": {"color": ["required"]}}`` -> ``[("attributes.color", "required")]``."""
    if isinstance(errors, dict):
        return [pair for key, value in errors.items()
                for pair in _flattened(value, f"{prefix}.{key}" if prefix else str(key))]
    if isinstance(errors, (list, tuple)):
        return [pair for item in errors for pair in _flattened(item, prefix)]
    return [(prefix, str(errors))]
