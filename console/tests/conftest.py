"""The console on its test database, in front of a stub gateway (a real HTTP server) standing in for the APIs."""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from chassis.testing.apps import settings_for
from console.app import create_app, definition
from console.testing import OPERATOR, PUBLIC_URL, SUPPORT, VENDOR, RunningStub, StubGateway, sign_in


@pytest.fixture
def stub():
    running = RunningStub(StubGateway())
    yield running.stub
    running.close()


@pytest.fixture
def console_settings() -> dict:
    """Settings a test module gives its console app (override this fixture in the module)."""
    return {}


@pytest.fixture
def console_app(backend, jwks_url, stub, console_settings):
    """The console app on a copy of its migrated database (see chassis.testing.templates)."""
    settings = settings_for(definition(), backend, jwks_url, migrated=True, gateway_url=stub.url,
                            public_url=PUBLIC_URL, client_id=stub.client_id, client_secret=stub.client_secret,
                            token_keys=Fernet.generate_key().decode(), **console_settings)
    app = create_app(settings)
    yield app
    app.extensions["console.gateway"].close()
    app.extensions["chassis.runtime"].dispose()


@pytest.fixture
def browser(console_app):
    return console_app.test_client()


@pytest.fixture
def operator_browser(browser, stub):
    sign_in(browser, stub, OPERATOR)
    return browser


@pytest.fixture
def support_browser(browser, stub):
    """Signed in as a support operator: every operator page to read, no change to make."""
    sign_in(browser, stub, SUPPORT)
    return browser


@pytest.fixture
def vendor_browser(browser, stub):
    sign_in(browser, stub, VENDOR)
    return browser
