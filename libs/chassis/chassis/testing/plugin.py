"""pytest fixtures shared by every package (registered as the ``chassis`` plugin).

* ``backend``: real databases and broker for this run (see :mod:`chassis.testing.backends`).
* ``token_issuer`` / ``tokens``: sign RFC 9068 tokens the services accept.
* ``service_settings(definition)``: settings pointing a service at the backend.
* ``service_app(definition)``: the service's app with its real migrations applied.
"""
from __future__ import annotations

import pytest

from chassis.testing.backends import Backend, backend_name
from chassis.testing.jwks_server import JWKSServer
from chassis.testing.tokens import TokenIssuer

TEST_ISSUER = "http://issuer.test"
TEST_AUDIENCE = "marketplace"


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
        values = dict(database_url=backend.database_url(definition.name), broker_url=backend.broker_url(),
                      broker_namespace=backend.namespace, jwt_issuer=TEST_ISSUER, jwt_audiences=[TEST_AUDIENCE],
                      jwks_url=jwks_url, log_json=False, event_retry_base_delay=0.01,
                      broker_visibility_timeout=2.0)
        values.update(overrides)
        return definition.settings_cls(**values)
    return build


@pytest.fixture
def service_app(service_settings):
    """Factory: a migrated app for ``definition``; disposed after the test."""
    from chassis import migrations
    from chassis.app import build_app
    apps = []

    def build(definition, **overrides):
        app = build_app(definition, service_settings(definition, **overrides))
        runtime = app.extensions["chassis.runtime"]
        if definition.uses_database:
            migrations.upgrade(runtime)
        apps.append(app)
        return app
    yield build
    for app in apps:
        app.extensions["chassis.runtime"].dispose()


@pytest.fixture
def bearer(token_issuer):
    """Factory: an ``Authorization`` header for a token with the given claims."""
    def build(**claims) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_issuer.issue(**claims)}"}
    return build
