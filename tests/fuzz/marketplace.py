"""The services as the fuzz runs meet them: in-process apps, served over HTTP where something calls them.

Orders prices carts by asking catalog over HTTP with its own client_credentials token, so its app is
built against a served catalog and a token endpoint standing in for identity. The gateway forwards
over HTTP to every service, each served on a free local port.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable

from flask import Flask

from chassis.testing.served import ServedApp
from chassis.testing.token_endpoint import TokenEndpoint

SERVICES = ("identity", "catalog", "orders", "payments", "analytics")
ORDERS_CLIENT_ID, ORDERS_CLIENT_SECRET = "orders-service", "orders-fuzz-secret"
# Thousands of requests: an access-log line each would cost more than some of them (errors still log).
QUIET = {"log_level": "WARNING"}
# Settings a service needs beyond the test backend's.
SERVICE_OVERRIDES = {"identity": {"session_secret": "fuzz-session-secret"}}

# Builds a migrated app of a service definition (the ``service_app`` fixture, or ``migrated_app``).
AppBuilder = Callable[..., Flask]


def definition_of(service: str):
    return importlib.import_module(f"{service}.app").definition()


class Marketplace:
    """Apps of the services on one test backend; everything it started is stopped by ``close()``."""

    def __init__(self, build_app: AppBuilder, token_issuer) -> None:
        self._build_app = build_app
        self._token_issuer = token_issuer
        self._apps: dict[str, Flask] = {}
        self._servers: dict[str, ServedApp] = {}
        self._token_endpoint: TokenEndpoint | None = None

    def app(self, service: str) -> Flask:
        """The service's app, built once."""
        if service not in self._apps:
            self._apps[service] = self._build_app(definition_of(service), **self._overrides(service))
        return self._apps[service]

    def url(self, service: str) -> str:
        """Where the service's app answers over HTTP."""
        if service not in self._servers:
            self._servers[service] = ServedApp(self.app(service))
        return self._servers[service].url

    def gateway(self, jwks_url: str) -> Flask:
        """The gateway app in front of every service served over HTTP."""
        from gateway.app import create_app
        from gateway.testing import gateway_settings
        urls = {f"{service}_url": self.url(service) for service in SERVICES}
        # No back-office console here (it serves pages, not an API): unset, not a closed port.
        return create_app(gateway_settings(jwks_url, upstream_read_timeout=10.0, console_url="", **QUIET, **urls))

    def close(self) -> None:
        for server in self._servers.values():
            server.close()
        if self._token_endpoint is not None:
            self._token_endpoint.close()

    def _overrides(self, service: str) -> dict:
        if service != "orders":
            return {**QUIET, **SERVICE_OVERRIDES.get(service, {})}
        if self._token_endpoint is None:
            self._token_endpoint = TokenEndpoint(self._token_issuer, ORDERS_CLIENT_ID, ORDERS_CLIENT_SECRET)
        return dict(QUIET, catalog_url=self.url("catalog"), token_url=self._token_endpoint.url,
                    client_id=ORDERS_CLIENT_ID, client_secret=ORDERS_CLIENT_SECRET, http_read_timeout=5.0)
