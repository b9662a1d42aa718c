"""Quotes: the current sellable facts of up to 50 offers, for services pricing a cart (orders)."""
from __future__ import annotations

from chassis.auth.flask import require_auth
from chassis.auth.principal import OPERATOR, SERVICE
from chassis.blueprint import Blueprint
from chassis.pagination import close_request_session, request_connection
from catalog import quotes
from catalog.api.schemas import QuoteRequestSchema, QuoteSchema

SECURITY = [{"bearerAuth": []}]


def blueprint() -> Blueprint:
    bp = Blueprint("catalog_quotes", __name__, url_prefix="/api/v1/offers",
                   description="Quotes: what orders reads to price a cart (service and operator tokens).")
    bp.teardown_request(close_request_session)

    # A read with a body (50 ids do not belong in a URL): 200, no Idempotency-Key, nothing is held or created.
    @bp.route("/quote", methods=["POST"])
    @require_auth(roles=(SERVICE, OPERATOR))
    @bp.arguments(QuoteRequestSchema)
    @bp.response(200, QuoteSchema)
    @bp.doc(security=SECURITY)
    def quote_offers(body):
        """Quote offers for a cart: each one's current facts and whether it can be sold now (services, operators).

        Price, shipping, terms, product and available quantity of every requested offer, in the request's order,
        with a `reason` when it cannot be sold. Unknown ids answer `unknown_offer`, not 404, so the caller can name
        every offending line. Nothing is held: stock is reserved when `order.placed` arrives."""
        return {"offers": [_answer(quote) for quote in quotes.quote_offers(request_connection(), body["offer_ids"])]}

    return bp


def _answer(quote: quotes.OfferQuote) -> dict:
    return {**(quote.facts or {}), "offer_id": quote.offer_id, "sellable": quote.sellable, "reason": quote.reason}
