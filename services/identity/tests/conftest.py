"""Fixtures building identity's world: a migrated app, users, clients, a logged-in browser."""
from __future__ import annotations

import pytest

from identity.app import definition
from identity.testing import IdentityWorld


@pytest.fixture
def identity_app(service_app):
    return service_app(definition(), session_secret="test-session-secret")


@pytest.fixture
def world(identity_app) -> IdentityWorld:
    return IdentityWorld(identity_app)


@pytest.fixture
def signed_in(world) -> IdentityWorld:
    """A world with one customer, logged in through the login form."""
    world.user()
    assert world.log_in().status_code == 302
    return world


@pytest.fixture
def vendors(world, bearer):
    """Vendors, operators and owners driven through the management API."""
    from identity.testing_vendors import VendorWorld
    return VendorWorld(world, bearer)
