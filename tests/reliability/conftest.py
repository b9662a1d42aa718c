"""Fixtures for fault tests: a marketplace of real processes whose servers the tests take away.

See :mod:`marketplace`; the tests need PostgreSQL and RabbitMQ and skip on the embedded backend.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from chassis.testing.backends import backend_name

from .marketplace import SAGA, Marketplace

SKIP_REASON = ("fault tests need PostgreSQL and RabbitMQ: run them with MARKETPLACE_TEST_BACKEND=postgres "
               "(CI's second pass does)")


def pytest_collection_modifyitems(items) -> None:
    """On the embedded backend there is no broker or database server to take away."""
    if backend_name() == "postgres":
        return
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture(scope="module")
def marketplace_settings() -> dict:
    """Settings overrides for the module's marketplace (a module may define its own)."""
    return {}


@pytest.fixture(scope="module")
def marketplace_processes() -> tuple[tuple[str, str], ...]:
    """The module's ``(service, role)`` processes (a module may define its own)."""
    return SAGA


@pytest.fixture(scope="module")
def marketplace(tmp_path_factory, token_issuer, jwks_url, marketplace_settings, marketplace_processes):
    settings = dict(marketplace_settings)
    proxy_database = settings.pop("proxy_database", False)
    running = Marketplace(tmp_path_factory.mktemp("faults"), token_issuer, jwks_url,
                          proxy_database=proxy_database, **settings)
    try:
        running.start(marketplace_processes)
        yield running
    finally:
        running.stop()
