"""Fixtures of the analytics tests: the migrated app on the test backend, a unit of work on it, and callers of
every kind (customer, vendor_a, vendor_b, admin, operator: the chassis plugin)."""
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
