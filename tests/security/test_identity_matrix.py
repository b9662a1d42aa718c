"""Identity's OpenAPI matrix (see this folder's conftest): every operation of its document called by vendor A and
a customer on an approved vendor B, its owner and its API client; mass assignment, body and page limits."""
from __future__ import annotations

import pytest

from identity.testing import IdentityWorld
from identity.testing_vendors import VendorWorld
from .matrix_tests import *  # noqa: F401,F403  (every shared test, collected on this module's world)


def definition():
    from identity.app import definition
    return definition()


def settings(workdir) -> dict:
    return {"session_secret": "tenancy-matrix"}


# Membership comes from identity's own records, whatever the token's role: any user may apply for a vendor and
# reaches the vendors they belong to (owners, managers, staff), nobody else's.
MEMBERS_OPERATIONS = {
    "GET /api/v1/vendors", "POST /api/v1/vendors", "GET /api/v1/vendors/{vendor_id}",
    "GET /api/v1/vendors/{vendor_id}/staff", "POST /api/v1/vendors/{vendor_id}/staff",
    "PATCH /api/v1/vendors/{vendor_id}/staff/{user_id}", "DELETE /api/v1/vendors/{vendor_id}/staff/{user_id}",
    "GET /api/v1/vendors/{vendor_id}/clients",
    "POST /api/v1/vendors/{vendor_id}/clients", "POST /api/v1/vendors/{vendor_id}/clients/{client_id}/rotate",
    "DELETE /api/v1/vendors/{vendor_id}/clients/{client_id}",
}
EVERY_USERS_OPERATIONS = {
    "GET /api/v1/me", "POST /api/v1/me/password", "POST /api/v1/me/2fa", "DELETE /api/v1/me/2fa",
    "POST /api/v1/me/2fa/confirm",
}
VENDOR_OPERATIONS = MEMBERS_OPERATIONS | EVERY_USERS_OPERATIONS
CUSTOMER_OPERATIONS = MEMBERS_OPERATIONS | EVERY_USERS_OPERATIONS


@pytest.fixture(scope="module")
def world(module_app, issue) -> dict[str, str]:
    """Vendor B, approved, with its owner (a user) and an API client."""
    vendors = VendorWorld(IdentityWorld(module_app), issue)
    owner_id, owner = vendors.person("owner-b@example.com")
    vendor_id = vendors.apply(owner, company_name="Vendor B").get_json()["id"]
    assert vendors.decide(vendor_id, "approve").status_code == 200
    client = vendors.http.post(f"/api/v1/vendors/{vendor_id}/clients", json={"name": "shop sync"}, headers=owner)
    assert client.status_code == 201, client.get_json()
    return {"vendor_id": vendor_id, "user_id": owner_id, "client_id": client.get_json()["client_id"]}
