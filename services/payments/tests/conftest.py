"""Fixtures of the payments tests: the migrated app on the test backend, a unit of work on it, callers of
every kind, and an order awaiting payment (``market``)."""
from __future__ import annotations

import pytest

from payments.testing import Marketplace


@pytest.fixture
def app(service_app):
    from payments.app import definition
    return service_app(definition())


@pytest.fixture
def uow(app):
    return app.extensions["chassis.runtime"].uow()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def market(app) -> Marketplace:
    """An order of cus-1 with two vendor orders (ven-a, ven-b), awaiting payment."""
    world = Marketplace(app)
    world.placed()
    return world


@pytest.fixture
def customer(bearer):
    return bearer(subject="cus-1", roles=["customer"])


@pytest.fixture
def other_customer(bearer):
    return bearer(subject="cus-2", roles=["customer"])


@pytest.fixture
def vendor_a(bearer):
    return bearer(subject="staff-a", roles=["vendor"], vendor_id="ven-a")


@pytest.fixture
def vendor_b(bearer):
    return bearer(subject="staff-b", roles=["vendor"], vendor_id="ven-b")


@pytest.fixture
def admin(bearer):
    """An admin operator (may change rules and run payouts)."""
    return bearer(subject="op-admin", roles=["operator", "admin"])


@pytest.fixture
def operator(bearer):
    """A support operator (reads everything, changes nothing)."""
    return bearer(subject="op-support", roles=["operator", "support"])
