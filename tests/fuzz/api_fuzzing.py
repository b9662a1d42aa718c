"""Schemathesis over an OpenAPI document: generated requests counted per status, failures per operation.

Each operation gets its share of the requests, drawn by hypothesis from a fixed seed (``FUZZ_SEED``
replays or varies a run): schema-valid and invalid (negative) cases, then schema-valid ones on ids the
API answered with, each sent with one of the callers' tokens so that requests reach the handlers rather
than stopping at a 401. Every answer goes through schemathesis' checks (no 5xx; status, content type,
headers and body as documented; invalid input refused; a protected operation refusing a request
without a token) and :func:`problem_details_check`.
"""
from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping

import hypothesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.fuzz.fuzz_report import FuzzReport, described
from tests.fuzz.known_ids import KnownIds
from tests.fuzz.route_collisions import avoiding_other_routes

PROBLEM_CONTENT_TYPE = "application/problem+json"
DEFAULT_SEED = 20261129
MAX_ROUNDS = 2

# The callers' claims (the chassis plugin's fixtures of the same names): an admin operator, a support
# operator, staff of vendor ven-a and a customer.
CALLER_CLAIMS: dict[str, dict] = {
    "admin": dict(subject="op-admin", roles=["operator", "admin"]),
    "operator": dict(subject="op-support", roles=["operator", "support"]),
    "vendor_a": dict(subject="staff-a", roles=["vendor"], vendor_id="ven-a"),
    "customer": dict(subject="cus-1", roles=["customer"]),
}

# ST202 "schema-valid request rejected" is left out: rules no JSON schema states (a period's `from`
# before its `to` and at most three years long, a tracked event at most 24 hours old, a product that
# must exist before an offer names it) refuse schema-valid requests by design. Those refusals are
# still checked: a documented 4xx, as problem+json (problem_details_check).
EXCLUDED_CHECKS = (positive_data_acceptance,)
GENERATION = dict(
    # The services ignore query parameters they do not know (as most HTTP APIs do), so an extra one
    # does not make a request invalid.
    allow_extra_parameters=False,
    # The callers' tokens are sent with every request; schemathesis' ignored_auth check still sends
    # each protected request without a token and with a wrong one, and expects a 401.
    with_security_parameters=False,
)


def fuzz_seed() -> int:
    return int(os.environ.get("FUZZ_SEED", DEFAULT_SEED))


def problem_details_check(ctx, response, case) -> None:
    """An error documented as problem+json is an RFC 9457 problem naming its own status."""
    if response.status_code < 400:
        return
    definition = case.operation.responses.find_by_status_code(response.status_code)
    documented = set((definition.definition.get("content") or {}) if definition is not None else ())
    content_type = response.headers.get("content-type", [""])[0]
    if not content_type.startswith(PROBLEM_CONTENT_TYPE):
        # OAuth2 endpoints answer RFC 6749 errors, as their documents say; the others problem+json only.
        assert documented != {PROBLEM_CONTENT_TYPE}, f"error answered as {content_type!r}, not problem+json"
        return
    problem = response.json()
    assert problem.get("status") == response.status_code, f"problem status {problem.get('status')!r}"
    assert problem.get("type", "").startswith("urn:marketplace:problem:"), f"problem type {problem.get('type')!r}"
    assert problem.get("title"), "problem without a title"


def fuzz(name: str, schema, callers: Mapping[str, Mapping[str, str]], *, requests: int,
         seed: int | None = None, shrink: bool = True, known: Mapping[str, list[str]] | None = None) -> FuzzReport:
    """Send at least ``requests`` generated requests over every operation of ``schema``.

    Two thirds go to generated inputs; the API's answers give ids (see :mod:`tests.fuzz.known_ids`;
    the callers' vendor and ``known`` add some), then the operations with path parameters get
    schema-valid requests on those ids. Hypothesis stops early on an operation with few distinct
    inputs: further rounds (other seeds) share what is missing.
    """
    schema.config.generation.update(**GENERATION)
    operations = [result.ok() for result in schema.get_all_operations()]
    known = {"vendor_id": [claims["vendor_id"] for claims in CALLER_CLAIMS.values() if "vendor_id" in claims],
             **(known or {})}
    run = _Run(FuzzReport(name), callers, fuzz_seed() if seed is None else seed, shrink, operations,
               KnownIds(operations, known))
    started = time.monotonic()
    run.each(operations, requests * 2 // 3, run.generated_cases)
    run.each([operation for operation in operations if run.known.path_parameters(operation)],
             requests - run.report.requests, run.cases_on_known_ids)
    for _ in range(MAX_ROUNDS):
        run.each(operations, requests - run.report.requests, run.generated_cases)
    run.report.seconds = time.monotonic() - started
    return run.report


class _Run:
    """Sends one operation's cases at a time, counting statuses and keeping failures and ids."""

    def __init__(self, report: FuzzReport, callers, seed: int, shrink: bool, operations, known: KnownIds) -> None:
        self.report, self.callers, self.seed, self.shrink, self.known = report, callers, seed, shrink, known
        self.paths = sorted({operation.path for operation in operations})

    def each(self, operations, requests: int, cases: Callable) -> None:
        """Share ``requests`` among the ``operations`` that have not failed, with a new seed."""
        operations = [operation for operation in operations if operation.label not in self.report.failures]
        if requests <= 0 or not operations:
            return
        self.seed += 1
        for operation in operations:
            error = self._send(operation, cases(operation), math.ceil(requests / len(operations)))
            if error is not None:
                self.report.failures[operation.label] = error

    @staticmethod
    def generated_cases(operation):
        return st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                         operation.as_strategy(GenerationMode.NEGATIVE))

    def cases_on_known_ids(self, operation):
        return st.one_of([operation.as_strategy(GenerationMode.POSITIVE, path_parameters=parameters)
                          for parameters in self.known.path_parameters(operation)])

    def _send(self, operation, cases, examples: int) -> str | None:
        phases = [Phase.generate, Phase.shrink] if self.shrink else [Phase.generate]
        cases = avoiding_other_routes(cases, operation.path, self.paths)

        @hypothesis.seed(self.seed)
        @hypothesis.settings(max_examples=examples, database=None, deadline=None, phases=phases,
                             suppress_health_check=list(HealthCheck), print_blob=False)
        @hypothesis.given(case=cases, caller=st.sampled_from(sorted(self.callers)))
        def send(case, caller: str) -> None:
            response = case.call_and_validate(headers=dict(self.callers[caller]),
                                              excluded_checks=list(EXCLUDED_CHECKS),
                                              additional_checks=[problem_details_check])
            self.report.statuses[response.status_code] += 1
            if 200 <= response.status_code < 300 and response.content \
                    and "json" in response.headers.get("content-type", [""])[0]:
                self.known.harvest(operation, response.json())

        try:
            send()
        except (Exception, FailureGroup) as error:  # what the checks found, or an error of the run itself
            return described(error)
        return None


def callers(bearer: Callable[..., dict[str, str]]) -> dict[str, dict[str, str]]:
    """The ``Authorization`` headers of :data:`CALLER_CLAIMS` (``bearer``: the chassis plugin's fixture)."""
    return {name: bearer(**claims) for name, claims in CALLER_CLAIMS.items()}
