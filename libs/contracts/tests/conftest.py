"""Fixtures for the contracts tests: one valid example `data` per event type (contracts.examples)."""

import pytest

from contracts.examples import EXAMPLES, example

@pytest.fixture
def example_data():
    """Build a fresh, valid `data` for an event type; tests may mutate it freely."""

    return example


@pytest.fixture
def example_types() -> set[str]:
    """The event types that have an example."""
    return set(EXAMPLES)
