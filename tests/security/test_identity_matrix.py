"""Identity's OpenAPI matrix (see this folder's conftest): every operation of its document called by vendor A and
a customer on an approved vendor B, its owner and its API client; mass assignment, body and page limits."""
from __future__ import annotations

import pytest

from identity.testing import IdentityWorld
from identity.testing_vendors import VendorWorld


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
    "DELETE /api/v1/vendors/{vendor_id}/staff/{user_id}", "GET /api/v1/vendors/{vendor_id}/clients",
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


def test_vendor_a_reaches_nothing_of_vendor_b(matrix, object_operation, vendor_a):
    matrix.assert_object_refused(object_operation, vendor_a, VENDOR_OPERATIONS)


def test_a_customer_reaches_nothing_of_vendor_b(matrix, object_operation, customer):
    matrix.assert_object_refused(object_operation, customer, CUSTOMER_OPERATIONS)


def test_vendors_are_refused_the_operators_operations(matrix, vendor_refused_operation, vendor_a):
    matrix.assert_operation_refused(vendor_refused_operation, vendor_a)


def test_customers_are_refused_the_operators_operations(matrix, customer_refused_operation, customer):
    matrix.assert_operation_refused(customer_refused_operation, customer)


def test_an_admin_operator_reads_every_object_of_the_world(matrix, object_read, admin):
    matrix.assert_readable(object_read, admin)


def test_vendor_a_lists_nothing_of_the_world_even_when_asking_for_it(matrix, vendor_list, vendor_a):
    matrix.assert_lists_nothing_of_the_world(vendor_list, vendor_a)


def test_a_customer_lists_nothing_of_the_world_even_when_asking_for_it(matrix, customer_list, customer):
    matrix.assert_lists_nothing_of_the_world(customer_list, customer)


def test_privileged_fields_an_operation_does_not_declare_are_refused(matrix, write_operation, callers):
    matrix.assert_undeclared_privileged_fields_refused(write_operation, callers)


def test_a_body_over_the_size_limit_is_a_413(matrix, write_operation, callers):
    matrix.assert_oversized_body_refused(write_operation, callers)


def test_a_deeply_nested_body_is_a_400_or_422(matrix, write_operation, callers):
    matrix.assert_deeply_nested_body_refused(write_operation, callers)


def test_overlong_strings_never_cause_a_server_error(matrix, text_write_operation, callers):
    matrix.assert_overlong_strings_answered(text_write_operation, callers)


def test_bounded_query_parameters_refuse_values_past_their_bounds(matrix, bounded_query, callers):
    matrix.assert_out_of_bounds_refused(*bounded_query, callers)


def test_pages_far_away_answer_an_empty_page_or_a_422(matrix, paged_operation, callers):
    matrix.assert_far_pages_answered(paged_operation, callers)


def test_ids_no_object_can_have_never_cause_a_server_error(matrix, id_operation, callers):
    matrix.assert_hostile_ids_not_found(id_operation, callers)
