"""Catalog as orders sees it: the quote of the offers a cart names, over HTTP.

Called before any unit of work opens, so no database transaction waits on the network.
Orders authenticates with its own client_credentials token (chassis ``service_client``);
whatever keeps an answer from coming back (catalog down, timeout, token refused, a 5xx)
is a 503 for the customer, who may retry with the same Idempotency-Key.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence

from flask import current_app

from chassis.errors import Problem
from chassis.http_client import ServiceError, ServiceUnavailable, TokenFetchError
from orders.domain.placement import OfferQuote

QUOTE_PATH = "/api/v1/offers/quote"
_EXTENSION = "orders.catalog_client"
_creating = threading.Lock()
log = logging.getLogger(__name__)


class CatalogUnavailable(Problem):
    """503 for the customer; the cause (which names internal URLs) goes to the log only."""

    def __init__(self) -> None:
        super().__init__(503, "catalog-unavailable", "offers cannot be priced now; retry with the same Idempotency-Key",
                         headers={"Retry-After": "5"})


class CatalogClient:
    """Quotes offers through a pooled, authenticated :class:`chassis.http_client.ServiceClient`."""

    def __init__(self, service_client) -> None:
        self._http = service_client

    def quote(self, offer_ids: Sequence[str]) -> dict[str, OfferQuote]:
        """Catalog's current facts of each offer by id; unknown offers are left out (the domain names them)."""
        try:
            response = self._http.post(QUOTE_PATH, json={"offer_ids": list(offer_ids)})
            response.raise_for_status()
        except (ServiceUnavailable, TokenFetchError, ServiceError) as exc:
            log.warning("catalog quote failed: %s", exc)
            raise CatalogUnavailable() from exc
        return {quote.offer_id: quote for quote in map(offer_quote, response.json()["offers"]) if quote}

    def close(self) -> None:
        self._http.close()


def offer_quote(answer: Mapping) -> OfferQuote | None:
    """The domain's view of one quoted offer; None for an offer catalog does not know."""
    if answer.get("reason") == "unknown_offer" or "vendor_id" not in answer:
        return None
    return OfferQuote(offer_id=answer["offer_id"], product_id=answer["product_id"],
                      category_id=answer.get("category_id"), vendor_id=answer["vendor_id"], title=answer["title"],
                      price_minor=answer["price_minor"], shipping_minor=answer["shipping_minor"],
                      currency=answer["currency"],
                      unsellable_reason=None if answer["sellable"] else (answer.get("reason") or "not_sellable"))


def catalog_client() -> CatalogClient:
    """The app's catalog client, built on first use (never at import) and shared by its threads."""
    client = current_app.extensions.get(_EXTENSION)
    if client is None:
        with _creating:
            client = current_app.extensions.get(_EXTENSION)
            if client is None:
                from chassis.app import runtime
                client = CatalogClient(runtime().service_client(runtime().settings.catalog_url))
                current_app.extensions[_EXTENSION] = client
    return client
