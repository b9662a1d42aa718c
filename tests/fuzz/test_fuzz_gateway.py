"""The gateway's merged API under generated requests, forwarded to every service over HTTP.

The gateway checks tokens and roles at the edge, then forwards to the services served on free local
ports: no 5xx (a service's or the gateway's own), every answer as the merged document says.
"""
import pytest
import schemathesis

from tests.fuzz.api_fuzzing import fuzz

pytestmark = pytest.mark.slow
REQUESTS = 1000


def test_gateway_answers_generated_requests_as_documented(marketplace, fuzz_callers, jwks_url):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", marketplace.gateway(jwks_url))
    report = fuzz("gateway", schema, fuzz_callers, requests=REQUESTS)
    print(report.summary())
    assert not report.failures, report.failure_text()
    assert report.requests >= REQUESTS
    assert report.count(200, 300) > 0, report.summary()
