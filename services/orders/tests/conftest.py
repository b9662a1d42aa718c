"""Fixtures of the placement tests: orders calling a real catalog over HTTP with its own service token.

Catalog is the real app on the test backend, served by werkzeug on a free port; a small token
endpoint stands in for identity's ``/oauth/token`` and issues client_credentials tokens signed by
the test issuer, so catalog verifies them exactly as it would identity's.
"""
from __future__ import annotations

import pytest

from chassis.testing.served import ServedApp
from chassis.testing.token_endpoint import TokenEndpoint

ORDERS_CLIENT_ID, ORDERS_CLIENT_SECRET = "orders-service", "orders-secret"


@pytest.fixture
def token_endpoint(token_issuer):
    endpoint = TokenEndpoint(token_issuer, ORDERS_CLIENT_ID, ORDERS_CLIENT_SECRET)
    yield endpoint
    endpoint.close()


@pytest.fixture
def catalog_app(service_app):
    from catalog.app import definition
    return service_app(definition())


@pytest.fixture
def catalog_server(catalog_app):
    served = ServedApp(catalog_app)
    yield served
    served.close()


@pytest.fixture
def orders_app_for(service_app, token_endpoint):
    """Factory: a migrated orders app asking the catalog at ``catalog_url``, with its own client credentials."""
    def build(catalog_url: str, **overrides):
        from orders.app import definition
        settings = dict(catalog_url=catalog_url, token_url=token_endpoint.url, client_id=ORDERS_CLIENT_ID,
                        client_secret=ORDERS_CLIENT_SECRET, http_read_timeout=5.0)
        return service_app(definition(), **{**settings, **overrides})
    return build


@pytest.fixture
def orders_app(orders_app_for, catalog_server):
    return orders_app_for(catalog_server.url)


# --- the orders app alone (no catalog) and the callers of the fulfilment, returns and operator tests

@pytest.fixture
def app(service_app):
    from orders.app import definition
    return service_app(definition())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def alice(bearer):
    return bearer(subject="cus-alice", roles=["customer"])


@pytest.fixture
def bob(bearer):
    return bearer(subject="cus-bob", roles=["customer"])


@pytest.fixture
def staff_a(bearer):
    """A plain staff member of the tests' VENDOR_A (accepts and ships; owners and managers refund)."""
    return bearer(subject="staff-a", roles=["vendor"], vendor_id="vendor-a", vendor_role="staff")


@pytest.fixture
def staff_b(bearer):
    """A plain staff member of the tests' VENDOR_B."""
    return bearer(subject="staff-b", roles=["vendor"], vendor_id="vendor-b", vendor_role="staff")


@pytest.fixture
def owner_a(bearer):
    return bearer(subject="owner-a", roles=["vendor"], vendor_id="vendor-a", vendor_role="owner")


@pytest.fixture
def manager_a(bearer):
    return bearer(subject="manager-a", roles=["vendor"], vendor_id="vendor-a", vendor_role="manager")


@pytest.fixture
def owner_b(bearer):
    return bearer(subject="owner-b", roles=["vendor"], vendor_id="vendor-b", vendor_role="owner")


@pytest.fixture
def operator(bearer):
    """An admin operator (may change orders)."""
    return bearer(subject="op-1", roles=["operator", "admin"])


@pytest.fixture
def support(bearer):
    """A support operator (reads only)."""
    return bearer(subject="op-2", roles=["operator"])
