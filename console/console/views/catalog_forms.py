"""What the catalog pages' forms share: a refused form shown again as typed, and typed attribute values.

A form the API refuses (400/409/422) comes back with the API's explanation above it and the
user's input still in its fields; any other refusal (403, 404...) is the usual refused-action page.
"""
from __future__ import annotations

from babel.numbers import NumberFormatError, parse_decimal
from flask import render_template, request
from flask_babel import get_locale, gettext as _

from console.api import ApiError
from console.views.actions import action_failed

FORM_STATUSES = frozenset({400, 409, 422})


class InvalidInput(ValueError):
    """A field the console can already tell is wrong, before asking the API."""


def form_refused(error: ApiError, template: str, **context):
    """The form again, with what was typed and why it was refused (or the refused-action page)."""
    if error.status not in FORM_STATUSES:
        return action_failed(error)
    return render_template(template, refusal=error.message, refusal_details=problem_errors(error.problem),
                           form=request.form, **context), error.status


def invalid_input(error: InvalidInput, template: str, **context):
    return render_template(template, refusal=str(error), refusal_details=[], form=request.form, **context), 422


def problem_errors(problem: dict) -> list[str]:
    """``{"errors": {"gtin": ["bad check digit"], "attributes": {"watts": ["required"]}}}`` as readable lines."""
    lines: list[str] = []

    def walk(value, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            lines.extend(f"{path}: {item}" for item in value if not isinstance(item, (dict, list)))
        else:
            lines.append(f"{path}: {value}")
    walk(problem.get("errors") or {}, "")
    return lines


def attribute_values(rules: list[dict], form) -> dict:
    """The category's attributes as typed (``attr:<code>`` fields), in the JSON types the API checks.

    A blank field is left out (the API says if it was required); a number is read the way the
    reader's language writes it ("2,5" in French).
    """
    values: dict = {}
    for rule in rules:
        field = f"attr:{rule['code']}"
        if rule["kind"] == "boolean":
            values[rule["code"]] = form.get(field) == "true"
            continue
        text = (form.get(field) or "").strip()
        if text:
            values[rule["code"]] = _number(text, rule) if rule["kind"] == "number" else text
    return values


def _number(text: str, rule: dict) -> int | float:
    try:
        number = parse_decimal(text, locale=str(get_locale() or "en"))
    except NumberFormatError:
        raise InvalidInput(_("%(field)s: “%(text)s” is not a number", field=rule.get("label") or rule["code"],
                             text=text)) from None
    return int(number) if number == number.to_integral_value() else float(number)
