"""Fixtures of the payments tests: the migrated app on the test backend, a unit of work on it, and an order
awaiting payment (``market``); callers of every kind come from the chassis plugin."""
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
