"""Fixtures of the fuzz runs: the marketplace's apps on this test's backend, and the callers' tokens."""
from __future__ import annotations

import pytest

from tests.fuzz.api_fuzzing import callers
from tests.fuzz.marketplace import Marketplace


@pytest.fixture
def marketplace(service_app, token_issuer):
    built = Marketplace(service_app, token_issuer)
    yield built
    built.close()


@pytest.fixture
def fuzz_callers(bearer):
    return callers(bearer)
