"""A commission rule's terms as a person types them, and back.

A rate is typed as a percentage ("12,5" in French is 1250 basis points) and amounts as the locale
writes them (minor units of the marketplace's currency): the API speaks basis points and minor
units, people do not.
"""
from __future__ import annotations

from decimal import Decimal

from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from flask_babel import get_locale, gettext

from console.views.offers import InvalidAmount, minor_units

CURRENCY = "EUR"  # rules carry no currency: their amounts are minor units of whatever the order is in
TERM_FIELDS = ("rate", "fixed_fee", "minimum", "maximum")


class BadTerms(ValueError):
    """The typed terms, with one message per field that could not be read."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _locale() -> str:
    return str(get_locale() or "en")


def terms_from(form) -> dict:
    """The API's terms from the form's typed fields; BadTerms names every unreadable one."""
    errors: list[str] = []
    terms = {"rate_bps": _rate(form.get("rate", "").strip(), errors),
             "fixed_fee_minor": amount_from(form.get("fixed_fee", "").strip() or "0", errors),
             "min_minor": amount_from(form.get("minimum", "").strip(), errors),
             "max_minor": amount_from(form.get("maximum", "").strip(), errors)}
    if None not in (terms["min_minor"], terms["max_minor"]) and terms["max_minor"] < terms["min_minor"]:
        errors.append(gettext("The maximum is below the minimum."))
    if errors:
        raise BadTerms(errors)
    return terms


def typed_terms(rule: dict) -> dict[str, str]:
    """A rule's terms as the form shows them, in the reader's locale."""
    return {"rate": format_decimal(Decimal(rule["rate_bps"]).scaleb(-2), locale=_locale()),
            "fixed_fee": _as_text(rule.get("fixed_fee_minor")), "minimum": _as_text(rule.get("min_minor")),
            "maximum": _as_text(rule.get("max_minor"))}


def _rate(text: str, errors: list[str]) -> int | None:
    if not text:
        errors.append(gettext("Type a commission rate."))
        return None
    try:
        basis_points = parse_decimal(text, locale=_locale(), strict=True).scaleb(2)
    except (NumberFormatError, ArithmeticError):
        basis_points = None
    if basis_points is None or basis_points != basis_points.to_integral_value() or not 0 <= basis_points <= 10_000:
        errors.append(gettext("“%(value)s” is not a percentage between 0 and 100.", value=text))
        return None
    return int(basis_points)


def amount_from(text: str, errors: list[str]) -> int | None:
    """Minor units of the typed amount (None when blank); a message in ``errors`` when unreadable."""
    if not text:
        return None
    try:
        return minor_units(text, CURRENCY, _locale())
    except InvalidAmount:
        errors.append(gettext("“%(value)s” is not an amount.", value=text))
        return None


def _as_text(minor: int | None) -> str:
    return "" if minor is None else format_decimal(Decimal(minor).scaleb(-2), format="0.00", locale=_locale())
