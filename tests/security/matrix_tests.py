"""The matrix's tests, written once: each service's ``test_<service>_matrix.py`` imports those that apply to it
(pytest collects them there, parametrized from that module's document, audiences and world; see conftest)."""
from __future__ import annotations


def test_vendor_a_reaches_no_object_of_vendor_b_or_another_customer(matrix, object_operation, vendor_a):
    matrix.assert_object_refused(object_operation, vendor_a, matrix.module.VENDOR_OPERATIONS)


def test_a_customer_reaches_no_object_of_another_customer_or_a_vendor(matrix, object_operation, customer):
    matrix.assert_object_refused(object_operation, customer, matrix.module.CUSTOMER_OPERATIONS)


def test_vendors_are_refused_the_operations_of_others(matrix, vendor_refused_operation, vendor_a):
    matrix.assert_operation_refused(vendor_refused_operation, vendor_a)


def test_customers_are_refused_the_operations_of_others(matrix, customer_refused_operation, customer):
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
