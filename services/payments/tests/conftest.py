"""Fixtures of the payments tests: the migrated app on the test backend and a unit of work on it."""
from __future__ import annotations

import pytest


@pytest.fixture
def app(service_app):
    from payments.app import definition
    return service_app(definition())


@pytest.fixture
def uow(app):
    return app.extensions["chassis.runtime"].uow()
