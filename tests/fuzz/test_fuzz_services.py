"""Every service's API under generated requests: no 5xx, every answer as its OpenAPI document says.

A thousand requests per service, valid and invalid, with operator, vendor and customer tokens (see
:mod:`tests.fuzz.api_fuzzing`); ``bench/fuzz.py`` runs the same with many more.
"""
import pytest
import schemathesis

from tests.fuzz.api_fuzzing import fuzz
from tests.fuzz.marketplace import SERVICES

pytestmark = pytest.mark.slow
REQUESTS = 1000


@pytest.mark.parametrize("service", SERVICES)
def test_service_answers_generated_requests_as_documented(service, marketplace, fuzz_callers):
    schema = schemathesis.openapi.from_wsgi(f"/api/v1/{service}/openapi.json", marketplace.app(service))
    report = fuzz(service, schema, fuzz_callers, requests=REQUESTS)
    print(report.summary())
    assert not report.failures, report.failure_text()
    assert report.requests >= REQUESTS
    assert report.count(200, 300) > 0, report.summary()  # tokens opened the handlers, not only refusals
