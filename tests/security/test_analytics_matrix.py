"""Analytics' OpenAPI matrix (see this folder's conftest): vendor B's sales are invisible to vendor A, the
operators' figures to vendors and customers (analytics has no id-taking operation); mass assignment, body and page
limits."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from analytics.testing import SalesEvents, captured, placed
from .matrix_tests import (  # noqa: F401  (collected here, on this module's document and world)
    test_vendors_are_refused_the_operations_of_others,
    test_customers_are_refused_the_operations_of_others,
    test_vendor_a_lists_nothing_of_the_world_even_when_asking_for_it,
    test_privileged_fields_an_operation_does_not_declare_are_refused,
    test_a_body_over_the_size_limit_is_a_413,
    test_a_deeply_nested_body_is_a_400_or_422,
    test_overlong_strings_never_cause_a_server_error,
    test_bounded_query_parameters_refuse_values_past_their_bounds,
    test_pages_far_away_answer_an_empty_page_or_a_422)


def definition():
    from analytics.app import definition
    return definition()


VENDOR_OPERATIONS = {
    "GET /api/v1/stats/traffic/products", "GET /api/v1/stats/summary", "GET /api/v1/stats/series",
    "GET /api/v1/stats/top-products", "GET /api/v1/stats/top-categories",
}
CUSTOMER_OPERATIONS: set[str] = set()  # customers only send storefront events (public)


@pytest.fixture(scope="module")
def world(module_app) -> dict[str, str]:
    """A captured sale of vendor B today, of a product and category only it sells."""
    events, now = SalesEvents(module_app), datetime.now(timezone.utc)
    events.send("order.placed", placed("ord-b", "cus-2", now, [
        ("vo-b", "ven-b", 0, [("l1", "prd-secret-b", "cat-secret-b", 1, 3000)])]), now)
    events.send("payment.captured", captured("ord-b", "vo-b", "ven-b", 3000, 300), now)
    return {"vendor_id": "ven-b", "product_id": "prd-secret-b", "category_id": "cat-secret-b"}


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "x" * 10_000])
def test_an_unknown_reporting_time_zone_is_refused_and_the_figures_stay_readable(module_app, admin, vendor_b, zone):
    client = module_app.test_client()
    refused = client.patch("/api/v1/analytics/settings", json={"reporting_timezone": zone}, headers=admin)
    assert (refused.status_code, refused.mimetype) == (422, "application/problem+json")
    assert client.get("/api/v1/analytics/settings", headers=admin).get_json()["reporting_timezone"] == "UTC"
    assert client.get("/api/v1/stats/summary", headers=vendor_b).status_code == 200
