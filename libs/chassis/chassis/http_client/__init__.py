"""Service-to-service HTTP: OAuth2 client_credentials tokens and a pooled, retrying client.

A service builds one :class:`ClientCredentialsTokens` and one :class:`ServiceClient` per
downstream at start-up (never at import time) and shares them between threads::

    tokens = ClientCredentialsTokens(settings.token_url, settings.client_id, settings.client_secret)
    catalog = ServiceClient(settings.catalog_url, tokens=tokens)
    catalog.get(f"/products/{product_id}").raise_for_status()
"""
from chassis.http_client.client import ServiceClient
from chassis.http_client.errors import ServiceError, ServiceUnavailable, TokenFetchError
from chassis.http_client.response import Response
from chassis.http_client.tokens import ClientCredentialsTokens

__all__ = [
    "ClientCredentialsTokens",
    "Response",
    "ServiceClient",
    "ServiceError",
    "ServiceUnavailable",
    "TokenFetchError",
]
