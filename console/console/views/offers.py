"""A vendor's offers: price and available stock, changed in place (operators see every vendor's)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, get_currency_precision, parse_decimal
from flask import redirect, render_template, request, url_for
from flask_babel import get_locale

from console import web
from console.api import ApiError
from console.display_names import product_names
from console.views.actions import action_failed
from console.views.vendor_orders import ROLES


class InvalidAmount(ValueError):
    pass


def register(bp) -> None:
    bp.route("/offers")(web.signed_in(*ROLES)(offer_list))
    bp.route("/offers/<offer_id>", methods=["POST"])(web.signed_in("vendor")(change_offer))


def offer_list():
    page = web.listed("/api/v1/offers")
    return render_template("offers.html", page=page, notice=request.args.get("notice"),
                           product_titles=product_names(offer.get("product_id") for offer in page.items))


def change_offer(offer_id: str):
    """Price (typed as the reader's locale writes amounts) and quantity; only what was filled in is sent."""
    try:
        changes = _changes(request.form.get("currency") or "EUR")
    except InvalidAmount as error:
        return action_failed(ApiError(422, {"detail": str(error)}))
    if not changes:
        return redirect(url_for("console.offer_list"))
    try:
        offer = web.api().patch(f"/api/v1/offers/{offer_id}", changes)
    except ApiError as error:
        return action_failed(error)
    if request.headers.get("HX-Request"):
        return render_template("partials/offer_row.html", offer=offer, notice="offer",
                               product_titles=product_names([offer.get("product_id")]))
    return redirect(url_for("console.offer_list", notice="offer"))


def _changes(currency: str) -> dict:
    changes: dict = {}
    price = request.form.get("price", "").strip()
    if price:
        changes["price_minor"] = minor_units(price, currency, str(get_locale() or "en"))
    quantity = request.form.get("quantity", "").strip()
    if quantity:
        if not quantity.isdigit():
            raise InvalidAmount(f"{quantity!r} is not a quantity")
        changes["quantity"] = int(quantity)
        changes["reason"] = request.form.get("reason", "").strip() or "stock count"
    return changes


def minor_units(text: str, currency: str, locale: str) -> int:
    """"12,50" in French or "12.50" in English, EUR: 1250. More decimals than the currency has is refused."""
    try:
        amount = parse_decimal(text, locale=locale, strict=True)
    except (NumberFormatError, InvalidOperation):
        raise InvalidAmount(f"{text!r} is not an amount") from None
    minor = amount.scaleb(get_currency_precision(currency))
    if amount < 0 or minor != minor.to_integral_value():
        raise InvalidAmount(f"{text!r} is not an amount in {currency}")
    return int(minor.quantize(Decimal(1)))
