"""pytest fixtures shared by every package (registered as the ``chassis`` plugin).

* ``backend``: real databases and broker for this test (see :mod:`chassis.testing.backends`).
* ``token_issuer`` / ``bearer``: sign RFC 9068 tokens the services accept.
* ``service_settings(definition)``: settings pointing a service at the backend.
* ``service_app(definition)``: the service's app on a database its real migrations built: a copy
  of the service's template, migrated once per process (:mod:`chassis.testing.templates`); in
  ``test_*_migrations.py`` (marker ``migrations``) an empty database and a real upgrade.
  For a module-scoped app use :func:`chassis.testing.apps.migrated_app`.
* ``customer``, ``other_customer``, ``vendor_a`` / ``vendor_b`` (staff of ven-a / ven-b), ``admin``,
  ``operator`` (support): callers' headers; a module or conftest may define its own instead.
"""
from __future__ import annotations

import pytest

from chassis.testing.apps import TEST_AUDIENCE, TEST_ISSUER, settings_for, start_app
from chassis.testing.backends import Backend, backend_name, finish_cleanup
from chassis.testing.jwks_server import JWKSServer
from chassis.testing.tokens import TokenIssuer

__all__ = ["TEST_AUDIENCE", "TEST_ISSUER"]

MIGRATIONS_MARKER = "migrations: tests of the migrations; service_app runs the real upgrade on an empty database"


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", MIGRATIONS_MARKER)


def pytest_collection_modifyitems(items) -> None:
    """Tests of the migrations (``test_*_migrations.py``, ``test_migrations_*``) migrate for real."""
    for item in items:
        if item.path.stem.endswith("_migrations") or getattr(item, "originalname", "").startswith("test_migrations"):
            item.add_marker(pytest.mark.migrations)


def pytest_sessionfinish(session) -> None:
    """Wait for the background clean-up of the tests' databases, then drop the templates."""
    from chassis.testing.templates import drop_templates
    errors = finish_cleanup()
    drop_templates()
    if errors:  # a teardown error before the clean-up moved to the background: still a failure
        session.config.get_terminal_writer().line("clean-up of test backends failed:\n" + "\n".join(errors), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
def service_app(request, backend, jwks_url):
    """Factory: a migrated app for ``definition``; disposed after the test."""
    apps = []
    real_upgrade = request.node.get_closest_marker("migrations") is not None

    def build(definition, **overrides):
        copied = definition.uses_database and "database_url" not in overrides and not real_upgrade
        settings = settings_for(definition, backend, jwks_url, migrated=copied, **overrides)
        apps.append(start_app(definition, settings, migrate=not copied))
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


# --- callers of every kind, for any service's tests (a module or conftest may define its own instead)

@pytest.fixture
def customer(bearer):
    return bearer(subject="cus-1", roles=["customer"])


@pytest.fixture
def other_customer(bearer):
    return bearer(subject="cus-2", roles=["customer"])


@pytest.fixture
def vendor_a(bearer):
    """Staff of vendor ``ven-a``."""
    return bearer(subject="staff-a", roles=["vendor"], vendor_id="ven-a")


@pytest.fixture
def vendor_b(bearer):
    """Staff of vendor ``ven-b``."""
    return bearer(subject="staff-b", roles=["vendor"], vendor_id="ven-b")


@pytest.fixture
def admin(bearer):
    """An admin operator (may change things)."""
    return bearer(subject="op-admin", roles=["operator", "admin"])


@pytest.fixture
def operator(bearer):
    """A support operator (reads everything, changes nothing)."""
    return bearer(subject="op-support", roles=["operator", "support"])
