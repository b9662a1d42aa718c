"""Fixtures of the analytics tests: the migrated app on the test backend, a unit of work on it, and callers of
every kind (operators, vendor staff of ven-a and ven-b, a customer)."""
from __future__ import annotations

import pytest


@pytest.fixture
def app(service_app):
    from analytics.app import definition
    return service_app(definition())


@pytest.fixture
def uow(app):
    return app.extensions["chassis.runtime"].uow()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def customer(bearer):
    return bearer(subject="cus-1", roles=["customer"])


@pytest.fixture
def vendor_a(bearer):
    return bearer(subject="staff-a", roles=["vendor"], vendor_id="ven-a")


@pytest.fixture
def vendor_b(bearer):
    return bearer(subject="staff-b", roles=["vendor"], vendor_id="ven-b")


@pytest.fixture
def admin(bearer):
    """An admin operator."""
    return bearer(subject="op-admin", roles=["operator", "admin"])


@pytest.fixture
def operator(bearer):
    """A support operator (reads everything, changes nothing)."""
    return bearer(subject="op-support", roles=["operator", "support"])
