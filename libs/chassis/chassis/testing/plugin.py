"""pytest fixtures shared by every package (registered as the ``chassis`` plugin).

* ``backend``: real databases and broker for this test (see :mod:`chassis.testing.backends`).
* ``token_issuer`` / ``bearer``: sign RFC 9068 tokens the services accept.
* ``service_settings(definition)``: settings pointing a service at the backend.
* ``service_app(definition)``: the service's app with its real migrations applied.
  For a module-scoped app use :func:`chassis.testing.apps.migrated_app`.
"""
from __future__ import annotations

import pytest

from chassis.testing.apps import TEST_AUDIENCE, TEST_ISSUER, settings_for, start_app
from chassis.testing.backends import Backend, backend_name
from chassis.testing.jwks_server import JWKSServer
from chassis.testing.tokens import TokenIssuer

__all__ = ["TEST_AUDIENCE", "TEST_ISSUER"]


@pytest.fixture(scope="session")
def token_issuer() -> TokenIssuer:
    return TokenIssuer(issuer=TEST_ISSUER, audience=TEST_AUDIENCE)


@pytest.fixture(scope="session")
def jwks_url(token_issuer):
    with JWKSServer(token_issuer.jwks()) as server:
        yield server.url


@pytest.fixture
def backend(tmp_path):
    chosen = Backend(backend_name(), tmp_path)
    yield chosen
    chosen.cleanup()


@pytest.fixture
def service_settings(backend, jwks_url):
    """Factory: settings for ``definition`` on this test's backend."""
    def build(definition, **overrides):
        return settings_for(definition, backend, jwks_url, **overrides)
    return build


@pytest.fixture
def service_app(service_settings):
    """Factory: a migrated app for ``definition``; disposed after the test."""
    apps = []

    def build(definition, **overrides):
        apps.append(start_app(definition, service_settings(definition, **overrides)))
        return apps[-1]
    yield build
    for app in apps:
        app.extensions["chassis.runtime"].dispose()


@pytest.fixture
def bearer(token_issuer):
    """Factory: an ``Authorization`` header for a token with the given claims."""
    def build(**claims) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_issuer.issue(**claims)}"}
    return build
